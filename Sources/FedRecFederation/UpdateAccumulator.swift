/// A running sum of model updates that remembers which item rows it touched, so that adding
/// sparse updates, folding the sum into another and clearing it all cost time proportional to
/// the touched rows, not to the model size.
///
/// A simulation keeps one accumulator per fixed chunk of a round's participants; chunks are
/// folded into the ``Aggregator`` in chunk order, which makes the result independent of how
/// many threads ran the chunks.
public struct UpdateAccumulator: Sendable {
    /// Number of items of the model.
    public let itemCount: Int
    /// Latent dimension of the model.
    public let dim: Int
    /// The sum so far, dense, in the ``ItemModel`` layout.
    public private(set) var sum: [Float]
    /// Number of updates added since the last drain.
    public private(set) var count: Int = 0
    private var touched: [Int32] = []
    private var stamp: [UInt32]
    private var epoch: UInt32 = 1
    private var allTouched = false

    /// An empty accumulator for a model of the given shape. - Complexity: O(I·d) memory.
    public init(itemCount: Int, dim: Int) {
        self.itemCount = itemCount
        self.dim = dim
        sum = [Float](repeating: 0, count: ItemModel.parameterCount(itemCount: itemCount, dim: dim))
        stamp = [UInt32](repeating: 0, count: itemCount)
    }

    /// Adds `update` in place. - Complexity: O(touched rows · d) for a sparse update, O(I·d) dense.
    public mutating func add(_ update: ModelUpdate) {
        precondition(update.itemCount == itemCount && update.dim == dim, "UpdateAccumulator: shape mismatch")
        count += 1
        if update.isDense {
            allTouched = true
            sum.withUnsafeMutableBufferPointer { s in
                update.values.withUnsafeBufferPointer { v in
                    _add(v.baseAddress!, into: s.baseAddress!, count: s.count)
                }
            }
            return
        }
        let d = dim, stride = d + 1, factorBase = 1 + itemCount
        sum.withUnsafeMutableBufferPointer { s in
            update.values.withUnsafeBufferPointer { v in
                s[0] += update.globalMeanDelta
                for (k, item) in update.touchedItems.enumerated() {
                    let i = Int(item)
                    if stamp[i] != epoch {
                        stamp[i] = epoch
                        touched.append(item)
                    }
                    s[1 + i] += v[k * stride]
                    _add(v.baseAddress! + k * stride + 1, into: s.baseAddress! + factorBase + i * d, count: d)
                }
            }
        }
    }

    /// Adds this sum into `target` (a dense vector in the ``ItemModel`` layout) and clears it.
    /// - Returns: the number of updates the sum held.
    /// - Complexity: O(touched rows · d), or O(I·d) if a dense update was added.
    @discardableResult
    public mutating func drain(into target: UnsafeMutableBufferPointer<Float>) -> Int {
        precondition(target.count == sum.count, "UpdateAccumulator: target has the wrong length")
        let d = dim, factorBase = 1 + itemCount
        sum.withUnsafeMutableBufferPointer { s in
            if allTouched {
                for k in 0..<s.count {
                    target[k] += s[k]
                    s[k] = 0
                }
                return
            }
            target[0] += s[0]
            s[0] = 0
            for item in touched {
                let i = Int(item)
                target[1 + i] += s[1 + i]
                s[1 + i] = 0
                let row = s.baseAddress! + factorBase + i * d
                _add(row, into: target.baseAddress! + factorBase + i * d, count: d)
                row.update(repeating: 0, count: d)
            }
        }
        let n = count
        touched.removeAll(keepingCapacity: true)
        allTouched = false
        count = 0
        epoch &+= 1
        if epoch == 0 {  // wrapped: old stamps could collide, so clear them once.
            for k in stamp.indices { stamp[k] = 0 }
            epoch = 1
        }
        return n
    }
}
