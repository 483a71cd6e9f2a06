import FedRecMath

/// A shuffled list of training examples (user row, item, target) rebuilt every epoch: the
/// positives with freshly sampled negatives for implicit data, the ratings for explicit data.
struct NeuMFExamples {
    var users: [Int32] = []
    var items: [Int32] = []
    var targets: [Float] = []

    var count: Int { users.count }

    /// Refills with every positive, in a fresh random order, each followed by `negatives`
    /// uniform items its user never interacted with. `offsets`/`sortedItems` are CSR rows of
    /// distinct ascending items, row r belonging to user `rowUsers[r]`; `order` is scratch
    /// holding the positions 0..<sortedItems.count (any permutation of them).
    /// A user who has every item gets no negatives (there are none).
    ///
    /// Shuffling the positives rather than all (1 + negatives)·P examples keeps the shuffle's
    /// random accesses to one small array; a mini-batch then holds whole groups of a positive
    /// and its negatives, whose user-row gradients the lazy-Adam update sums.
    mutating func fillImplicit(offsets: [Int], sortedItems: [Int32], rowOf: [Int32], rowUsers: [Int32], order: inout [Int32],
                               itemCount: Int, negatives: Int, using rng: inout SeededGenerator) {
        users.removeAll(keepingCapacity: true)
        items.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        order.withUnsafeMutableBufferPointer { o in
            for k in stride(from: o.count - 1, to: 0, by: -1) { o.swapAt(k, rng.nextIndex(below: k + 1)) }
        }
        sortedItems.withUnsafeBufferPointer { all in
            for position in order {
                let r = Int(rowOf[Int(position)])
                let row = UnsafeBufferPointer(rebasing: all[offsets[r]..<offsets[r + 1]])
                let u = rowUsers[r]
                users.append(u)
                items.append(all[Int(position)])
                targets.append(1)
                guard row.count < itemCount else { continue }
                for _ in 0..<negatives {
                    users.append(u)
                    items.append(ImplicitSampler.sample(sortedPositives: row, itemCount: itemCount, using: &rng))
                    targets.append(0)
                }
            }
        }
    }

    /// Refills with the given examples, then shuffles.
    mutating func fill(users u: [Int32], items i: [Int32], targets t: [Float], using rng: inout SeededGenerator) {
        users = u
        items = i
        targets = t
        shuffle(using: &rng)
    }

    /// Fisher–Yates shuffle of the three arrays together.
    mutating func shuffle(using rng: inout SeededGenerator) {
        let n = users.count
        guard n > 1 else { return }
        users.withUnsafeMutableBufferPointer { u in
            items.withUnsafeMutableBufferPointer { i in
                targets.withUnsafeMutableBufferPointer { t in
                    for k in stride(from: n - 1, to: 0, by: -1) {
                        let j = rng.nextIndex(below: k + 1)
                        u.swapAt(k, j)
                        i.swapAt(k, j)
                        t.swapAt(k, j)
                    }
                }
            }
        }
    }

    /// Runs one pass of `updater` over the examples; returns the summed loss.
    func train(_ ws: NeuMFWorkspace, _ updater: NeuMFUpdater, userTable: UnsafeMutablePointer<Float>,
               global: UnsafeMutableBufferPointer<Float>, updateUser: Bool, updateGlobal: Bool) -> Double {
        users.withUnsafeBufferPointer { u in
            items.withUnsafeBufferPointer { i in
                targets.withUnsafeBufferPointer { t in
                    updater.train(ws, users: u.baseAddress!, items: i.baseAddress!, targets: t.baseAddress!, count: count,
                                  userTable: userTable, global: global, updateUser: updateUser, updateGlobal: updateGlobal)
                }
            }
        }
    }
}
