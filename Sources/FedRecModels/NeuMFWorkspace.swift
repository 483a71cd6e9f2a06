import FedRecMath

/// Scratch memory and the batched forward and backward passes of NeuMF for mini-batches of
/// up to `capacity` examples.
///
/// Activations are feature-major (`width × count`, one column per example; see
/// ``MatrixKernels``). The fusion input [gmf ; a_L] is one `(gmfDim + last) × count` matrix
/// whose first `gmfDim` rows are the GMF vectors and whose remaining rows are the last MLP
/// layer's output, so the fusion layer reads both without a copy.
///
/// All buffers are carved out of one allocation made at construction, so a training loop
/// allocates nothing per batch. Not thread-safe: each thread uses its own workspace.
final class NeuMFWorkspace {
    let arch: NeuMFArchitecture
    let capacity: Int
    private let storage: UnsafeMutableBufferPointer<Float>
    private let indexStorage: UnsafeMutableBufferPointer<Int32>
    /// Float offsets of each staged example's user row and item row (filled by `forward`).
    private let rowOffsets: UnsafeMutableBufferPointer<Int>
    /// acts[l] for l in 0..<L: the MLP input [u_mlp ; q_mlp] (l = 0) and ReLU outputs; the
    /// last layer's output lives in `fusionIn` (see ``act(_:count:)``).
    private let acts: [UnsafeMutableBufferPointer<Float>]
    private let dActs: [UnsafeMutableBufferPointer<Float>]
    /// [gmf ; a_L] and its gradient, `capacity × (gmfDim + last width)`.
    let fusionIn: UnsafeMutableBufferPointer<Float>
    let dFusionIn: UnsafeMutableBufferPointer<Float>
    let logits: UnsafeMutableBufferPointer<Float>
    let dLogits: UnsafeMutableBufferPointer<Float>
    /// Per-example gradients of the user and item embedding rows, row-major `capacity × embeddingDim`.
    let dUser: UnsafeMutableBufferPointer<Float>
    let dItem: UnsafeMutableBufferPointer<Float>
    /// Gradient of the dense block (MLP and fusion), `denseCount`.
    let dDense: UnsafeMutableBufferPointer<Float>
    /// Batch staging: user rows, items, targets.
    let users: UnsafeMutableBufferPointer<Int32>
    let items: UnsafeMutableBufferPointer<Int32>
    let targets: UnsafeMutableBufferPointer<Float>

    init(arch: NeuMFArchitecture, capacity: Int) {
        precondition(capacity >= 1, "NeuMFWorkspace: capacity must be positive")
        self.arch = arch
        self.capacity = capacity
        let widths = arch.config.mlpLayers.dropLast()
        let e = arch.embeddingDim, fin = arch.fusion.inputCount
        var sizes = widths.map { capacity * $0 } + widths.map { capacity * $0 }
        sizes += [capacity * fin, capacity * fin, capacity, capacity, capacity * e, capacity * e, arch.denseCount, capacity]
        let store = UnsafeMutableBufferPointer<Float>.allocate(capacity: sizes.reduce(0, +))
        store.initialize(repeating: 0)
        let indexStore = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 2 * capacity)
        indexStore.initialize(repeating: 0)
        storage = store
        indexStorage = indexStore
        rowOffsets = .allocate(capacity: 2 * capacity)
        rowOffsets.initialize(repeating: 0)
        var cursor = 0
        func take(_ n: Int) -> UnsafeMutableBufferPointer<Float> {
            defer { cursor += n }
            return UnsafeMutableBufferPointer(rebasing: store[cursor..<(cursor + n)])
        }
        acts = widths.map { take(capacity * $0) }
        dActs = widths.map { take(capacity * $0) }
        fusionIn = take(capacity * fin)
        dFusionIn = take(capacity * fin)
        logits = take(capacity)
        dLogits = take(capacity)
        dUser = take(capacity * e)
        dItem = take(capacity * e)
        dDense = take(arch.denseCount)
        targets = take(capacity)
        users = UnsafeMutableBufferPointer(rebasing: indexStore[0..<capacity])
        items = UnsafeMutableBufferPointer(rebasing: indexStore[capacity..<(2 * capacity)])
    }

    deinit {
        storage.deallocate()
        indexStorage.deallocate()
        rowOffsets.deallocate()
    }

    /// Examples per block when moving between embedding rows (row-major) and feature-major
    /// activations: 16 floats fill one cache line of a feature row, and 16 embedding rows stay
    /// in the L1 cache, so neither side is written one float per cache line.
    static let block = 16

    /// The activations entering layer l + 1 (l = 0: the MLP input; l = L: the last output,
    /// inside `fusionIn`) for a batch of `count`, `width × count`.
    func act(_ l: Int, count: Int) -> UnsafeMutableBufferPointer<Float> {
        let width = arch.config.mlpLayers[l]
        if l == arch.layers.count {
            let start = arch.gmfDim * count
            return UnsafeMutableBufferPointer(rebasing: fusionIn[start..<(start + width * count)])
        }
        return UnsafeMutableBufferPointer(rebasing: acts[l][0..<(width * count)])
    }

    /// The gradient with respect to ``act(_:count:)``.
    func dAct(_ l: Int, count: Int) -> UnsafeMutableBufferPointer<Float> {
        let width = arch.config.mlpLayers[l]
        if l == arch.layers.count {
            let start = arch.gmfDim * count
            return UnsafeMutableBufferPointer(rebasing: dFusionIn[start..<(start + width * count)])
        }
        return UnsafeMutableBufferPointer(rebasing: dActs[l][0..<(width * count)])
    }

    /// Computes the logits of the first `count` staged examples (`users`, `items`) into `logits`.
    /// - Parameters:
    ///   - userTable: user embedding rows; `users[b]` indexes it.
    ///   - global: the flat global parameters.
    func forward(count: Int, userTable: UnsafePointer<Float>, global: UnsafeBufferPointer<Float>) {
        precondition(count >= 0 && count <= capacity, "NeuMFWorkspace: batch of \(count) exceeds capacity \(capacity)")
        guard count > 0 else { return }
        let e = arch.embeddingDim, dg = arch.gmfDim, dm = arch.mlpEmbeddingDim
        let gp = global.baseAddress!
        let f = fusionIn.baseAddress!, a0 = act(0, count: count).baseAddress!
        let itemHalf = a0 + dm * count
        let uo = rowOffsets.baseAddress!, io = uo + capacity
        for b in 0..<count {
            uo[b] = Int(users[b]) * e
            io[b] = Int(items[b]) * e
        }
        var start = 0
        while start < count {
            let end = min(count, start + Self.block)
            for j in 0..<dg {
                let row = f + j * count
                for b in start..<end { row[b] = userTable[uo[b] + j] * gp[io[b] + j] }
            }
            for k in 0..<dm {
                let ur = a0 + k * count, ir = itemHalf + k * count
                for b in start..<end {
                    ur[b] = userTable[uo[b] + dg + k]
                    ir[b] = gp[io[b] + dg + k]
                }
            }
            start = end
        }
        let dense = UnsafeBufferPointer(rebasing: global[arch.denseOffset...])
        let out = act(1, count: count)
        arch.layers[0].forward(parameters: dense, input: UnsafeBufferPointer(act(0, count: count)), output: out, batch: count)
        MatrixKernels.relu(out)
        forwardFromFirstLayer(count: count, global: global)
    }

    /// The forward pass from the first layer's activations (``act(_:count:)`` 1) and the GMF
    /// rows of `fusionIn` to the logits.
    func forwardFromFirstLayer(count: Int, global: UnsafeBufferPointer<Float>) {
        let dense = UnsafeBufferPointer(rebasing: global[arch.denseOffset...])
        for (l, layer) in arch.layers.enumerated().dropFirst() {
            let out = act(l + 1, count: count)
            layer.forward(parameters: dense, input: UnsafeBufferPointer(act(l, count: count)), output: out, batch: count)
            MatrixKernels.relu(out)
        }
        let fin = arch.fusion.inputCount
        arch.fusion.forward(parameters: dense, input: UnsafeBufferPointer(rebasing: fusionIn[0..<(fin * count)]),
                            output: UnsafeMutableBufferPointer(rebasing: logits[0..<count]), batch: count)
    }

    /// After ``forward(count:userTable:global:)``: the summed loss of the first `count` examples
    /// against `targets`, and the gradients of the **mean** loss in `dDense` (overwritten),
    /// `dUser` and `dItem` (one row per example).
    func backward(count: Int, userTable: UnsafePointer<Float>, global: UnsafeBufferPointer<Float>) -> Double {
        guard count > 0 else { return 0 }
        let objective = arch.config.objective
        var lossSum = 0.0
        let scale = 1 / Float(count)
        for b in 0..<count {
            lossSum += Double(objective.loss(logit: logits[b], target: targets[b]))
            dLogits[b] = objective.gradient(logit: logits[b], target: targets[b]) * scale
        }
        dDense.update(repeating: 0)
        let dense = UnsafeBufferPointer(rebasing: global[arch.denseOffset...])
        let fin = arch.fusion.inputCount
        arch.fusion.backward(parameters: dense, input: UnsafeBufferPointer(rebasing: fusionIn[0..<(fin * count)]),
                             outputGradient: UnsafeBufferPointer(rebasing: dLogits[0..<count]),
                             inputGradient: UnsafeMutableBufferPointer(rebasing: dFusionIn[0..<(fin * count)]),
                             parameterGradient: dDense, batch: count)
        for l in stride(from: arch.layers.count, to: 0, by: -1) {
            let grad = dAct(l, count: count)
            MatrixKernels.reluBackward(activations: UnsafeBufferPointer(act(l, count: count)), gradient: grad)
            arch.layers[l - 1].backward(parameters: dense, input: UnsafeBufferPointer(act(l - 1, count: count)),
                                        outputGradient: UnsafeBufferPointer(grad), inputGradient: dAct(l - 1, count: count),
                                        parameterGradient: dDense, batch: count)
        }
        let e = arch.embeddingDim, dg = arch.gmfDim, dm = arch.mlpEmbeddingDim
        let gp = global.baseAddress!, df = dFusionIn.baseAddress!
        let da0 = dAct(0, count: count).baseAddress!, daItem = da0 + dm * count
        let du = dUser.baseAddress!, dq = dItem.baseAddress!
        let uo = rowOffsets.baseAddress!, io = uo + capacity
        var start = 0
        while start < count {
            let end = min(count, start + Self.block)
            for j in 0..<dg {
                let row = df + j * count
                for b in start..<end {
                    du[b * e + j] = row[b] * gp[io[b] + j]
                    dq[b * e + j] = row[b] * userTable[uo[b] + j]
                }
            }
            for k in 0..<dm {
                let ur = da0 + k * count, ir = daItem + k * count
                for b in start..<end {
                    du[b * e + dg + k] = ur[b]
                    dq[b * e + dg + k] = ir[b]
                }
            }
            start = end
        }
        return lossSum
    }

    /// Predictions (σ(z) or z) of one user's embedding for `items`, in batches of `capacity`.
    func score(userEmbedding: UnsafePointer<Float>, items source: UnsafeBufferPointer<Int32>,
               global: UnsafeBufferPointer<Float>, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count >= source.count, "NeuMF.score: scores buffer too small")
        let objective = arch.config.objective
        users.update(repeating: 0)
        var start = 0
        while start < source.count {
            let n = min(capacity, source.count - start)
            for b in 0..<n {
                let i = source[start + b]
                precondition(i >= 0 && Int(i) < arch.itemCount, "NeuMF.score: item \(i) out of range")
                items[b] = i
            }
            forward(count: n, userTable: userEmbedding, global: global)
            for b in 0..<n { scores[start + b] = objective.prediction(logit: logits[b]) }
            start += n
        }
    }
}
