import FedRecMath

/// Applies one mini-batch's gradients (from a ``NeuMFWorkspace``) to a user table and the
/// global parameters, by SGD or by Adam.
///
/// With Adam the dense block takes an ordinary Adam step; embedding rows use lazy Adam: the
/// per-example row gradients of the batch are first summed per distinct row (a row touched by a
/// positive and its four negatives gets one update with the summed gradient, as a dense
/// gradient would give), then only those rows and their moments are updated, with the global
/// step count for bias correction. SGD needs no summing: its updates add up.
final class NeuMFUpdater {
    let arch: NeuMFArchitecture
    let optimizer: NeuMFOptimizer
    private(set) var step = 0
    private let userRows: Int
    // Adam state (empty for SGD). Moments of the user and item tables interleaved per row,
    // [m (embeddingDim) ; v (embeddingDim)], so a row's update touches one contiguous run;
    // moments of the dense block.
    private var userMoments: UnsafeMutableBufferPointer<Float> = .init(start: nil, count: 0)
    private var itemMoments: UnsafeMutableBufferPointer<Float> = .init(start: nil, count: 0)
    private var denseM: UnsafeMutableBufferPointer<Float> = .init(start: nil, count: 0)
    private var denseV: UnsafeMutableBufferPointer<Float> = .init(start: nil, count: 0)
    // Row coalescing: slot of each row in the current batch (−1 when untouched), rows per slot, summed gradients.
    private var userSlot: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
    private var itemSlot: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
    private var slotRows: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
    private var slotGrad: UnsafeMutableBufferPointer<Float> = .init(start: nil, count: 0)

    /// Creates an updater for a user table of `userRows` rows and batches of up to `capacity`.
    init(arch: NeuMFArchitecture, optimizer: NeuMFOptimizer, userRows: Int, capacity: Int) {
        self.arch = arch
        self.optimizer = optimizer
        self.userRows = userRows
        if case .adam = optimizer {
            let e = arch.embeddingDim
            func zeros(_ n: Int) -> UnsafeMutableBufferPointer<Float> {
                let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
                p.initialize(repeating: 0)
                return p
            }
            func empty(_ n: Int) -> UnsafeMutableBufferPointer<Int32> {
                let p = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
                p.initialize(repeating: -1)
                return p
            }
            userMoments = zeros(2 * userRows * e)
            itemMoments = zeros(2 * arch.itemTableCount)
            denseM = zeros(arch.denseCount)
            denseV = zeros(arch.denseCount)
            userSlot = empty(userRows)
            itemSlot = empty(arch.itemCount)
            slotRows = empty(capacity)
            slotGrad = zeros(capacity * e)
        }
    }

    deinit {
        for p in [userMoments, itemMoments, denseM, denseV, slotGrad] where p.baseAddress != nil { p.deallocate() }
        for p in [userSlot, itemSlot, slotRows] where p.baseAddress != nil { p.deallocate() }
    }

    /// Updates the user rows and/or the global parameters from the gradients in `ws` for its
    /// first `count` staged examples.
    func apply(_ ws: NeuMFWorkspace, count: Int, userTable: UnsafeMutablePointer<Float>,
               global: UnsafeMutableBufferPointer<Float>, updateUser: Bool, updateGlobal: Bool) {
        guard count > 0 else { return }
        let e = arch.embeddingDim
        let gp = global.baseAddress!
        switch optimizer {
        case .sgd(let lr):
            if updateGlobal {
                Kernels.axpy(-lr, ws.dDense.baseAddress!, gp + arch.denseOffset, count: arch.denseCount)
                for b in 0..<count { Kernels.axpy(-lr, ws.dItem.baseAddress! + b * e, gp + Int(ws.items[b]) * e, count: e) }
            }
            if updateUser {
                for b in 0..<count { Kernels.axpy(-lr, ws.dUser.baseAddress! + b * e, userTable + Int(ws.users[b]) * e, count: e) }
            }
        case .adam(let h):
            step += 1
            if updateGlobal {
                AdamOptimizer.updateRows(UnsafeMutableBufferPointer(rebasing: global[arch.denseOffset...]),
                                         gradient: UnsafeBufferPointer(ws.dDense), firstMoment: denseM, secondMoment: denseV,
                                         step: step, hyperparameters: h)
                lazyAdam(rows: ws.items, grads: ws.dItem, count: count, slots: itemSlot, table: gp, moments: itemMoments, h: h)
            }
            if updateUser {
                lazyAdam(rows: ws.users, grads: ws.dUser, count: count, slots: userSlot, table: userTable, moments: userMoments, h: h)
            }
        }
    }

    private func lazyAdam(rows: UnsafeMutableBufferPointer<Int32>, grads: UnsafeMutableBufferPointer<Float>, count: Int,
                          slots: UnsafeMutableBufferPointer<Int32>, table: UnsafeMutablePointer<Float>,
                          moments: UnsafeMutableBufferPointer<Float>, h: AdamOptimizer.Hyperparameters) {
        let e = arch.embeddingDim
        let g = grads.baseAddress!, sg = slotGrad.baseAddress!
        let corrections = AdamOptimizer.biasCorrections(step: step, hyperparameters: h)
        var used = 0
        for b in 0..<count {
            let r = Int(rows[b])
            let s = Int(slots[r])
            if s < 0 {
                slots[r] = Int32(used)
                slotRows[used] = Int32(r)
                (sg + used * e).update(from: g + b * e, count: e)
                used += 1
            } else {
                Kernels.axpy(1, g + b * e, sg + s * e, count: e)
            }
        }
        for s in 0..<used {
            let r = Int(slotRows[s])
            AdamOptimizer.updateRows(UnsafeMutableBufferPointer(start: table + r * e, count: e),
                                     gradient: UnsafeBufferPointer(start: sg + s * e, count: e),
                                     firstMoment: UnsafeMutableBufferPointer(rebasing: moments[(2 * r * e)..<((2 * r + 1) * e)]),
                                     secondMoment: UnsafeMutableBufferPointer(rebasing: moments[((2 * r + 1) * e)..<((2 * r + 2) * e)]),
                                     corrections: corrections, hyperparameters: h)
            slots[r] = -1
        }
    }

    /// Runs forward, backward and update over `count` examples given as parallel arrays, in
    /// ⌈count / capacity⌉ batches of near-equal size (never a runt last batch, whose mean
    /// gradient would weigh its few examples many times over); returns the summed loss.
    func train(_ ws: NeuMFWorkspace, users: UnsafePointer<Int32>, items: UnsafePointer<Int32>, targets: UnsafePointer<Float>,
               count: Int, userTable: UnsafeMutablePointer<Float>, global: UnsafeMutableBufferPointer<Float>,
               updateUser: Bool, updateGlobal: Bool) -> Double {
        var loss = 0.0
        let frozen = UnsafeBufferPointer(global)
        let batches = (count + ws.capacity - 1) / ws.capacity
        for k in 0..<batches {
            let start = count * k / batches
            let n = count * (k + 1) / batches - start
            ws.users.baseAddress!.update(from: users + start, count: n)
            ws.items.baseAddress!.update(from: items + start, count: n)
            ws.targets.baseAddress!.update(from: targets + start, count: n)
            ws.forward(count: n, userTable: userTable, global: frozen)
            loss += ws.backward(count: n, userTable: userTable, global: frozen)
            apply(ws, count: n, userTable: userTable, global: global, updateUser: updateUser, updateGlobal: updateGlobal)
        }
        return loss
    }
}
