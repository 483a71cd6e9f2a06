import FedRecMath

/// Scratch memory and the batched forward and backward passes of NeuMF for mini-batches of
/// up to `capacity` examples.
///
/// All buffers are carved out of one allocation made at construction, so a training loop
/// allocates nothing per batch. Not thread-safe: each thread uses its own workspace.
final class NeuMFWorkspace {
    let arch: NeuMFArchitecture
    let capacity: Int
    private let storage: UnsafeMutableBufferPointer<Float>
    private let indexStorage: UnsafeMutableBufferPointer<Int32>
    /// GMF vectors u_gmf ⊙ q_gmf, `capacity × gmfDim`.
    let gmf: UnsafeMutableBufferPointer<Float>
    /// acts[0] is the MLP input [u_mlp ; q_mlp]; acts[l] the ReLU output of layer l.
    let acts: [UnsafeMutableBufferPointer<Float>]
    /// Gradients with respect to `acts`.
    let dActs: [UnsafeMutableBufferPointer<Float>]
    /// Fusion input [gmf ; mlp output] and its gradient, `capacity × (gmfDim + last width)`.
    let fusionIn: UnsafeMutableBufferPointer<Float>
    let dFusionIn: UnsafeMutableBufferPointer<Float>
    let logits: UnsafeMutableBufferPointer<Float>
    let dLogits: UnsafeMutableBufferPointer<Float>
    /// Per-example gradients of the user and item embedding rows, `capacity × embeddingDim`.
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
        let widths = arch.config.mlpLayers
        let e = arch.embeddingDim, fin = arch.fusion.inputCount
        var sizes = [capacity * arch.gmfDim]
        sizes += widths.map { capacity * $0 }
        sizes += widths.map { capacity * $0 }
        sizes += [capacity * fin, capacity * fin, capacity, capacity, capacity * e, capacity * e, arch.denseCount, capacity]
        let store = UnsafeMutableBufferPointer<Float>.allocate(capacity: sizes.reduce(0, +))
        store.initialize(repeating: 0)
        let indexStore = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 2 * capacity)
        indexStore.initialize(repeating: 0)
        storage = store
        indexStorage = indexStore
        var cursor = 0
        func take(_ n: Int) -> UnsafeMutableBufferPointer<Float> {
            defer { cursor += n }
            return UnsafeMutableBufferPointer(rebasing: store[cursor..<(cursor + n)])
        }
        gmf = take(capacity * arch.gmfDim)
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
    }

    /// Computes the logits of the first `count` staged examples (`users`, `items`) into `logits`.
    /// - Parameters:
    ///   - userTable: user embedding rows; `users[b]` indexes it.
    ///   - global: the flat global parameters.
    func forward(count: Int, userTable: UnsafePointer<Float>, global: UnsafeBufferPointer<Float>) {
        precondition(count >= 0 && count <= capacity, "NeuMFWorkspace: batch of \(count) exceeds capacity \(capacity)")
        guard count > 0 else { return }
        let e = arch.embeddingDim, dg = arch.gmfDim, dm = arch.mlpEmbeddingDim, s0 = 2 * dm
        let gp = global.baseAddress!
        let g = gmf.baseAddress!, a0 = acts[0].baseAddress!
        for b in 0..<count {
            let u = userTable + Int(users[b]) * e
            let q = gp + Int(items[b]) * e
            let gb = g + b * dg
            for j in 0..<dg { gb[j] = u[j] * q[j] }
            let ab = a0 + b * s0
            ab.update(from: u + dg, count: dm)
            (ab + dm).update(from: q + dg, count: dm)
        }
        let dense = UnsafeBufferPointer(rebasing: global[arch.denseOffset...])
        let first = arch.layers[0]
        let out = UnsafeMutableBufferPointer(rebasing: acts[1][0..<(count * first.outputCount)])
        first.forward(parameters: dense, input: UnsafeBufferPointer(acts[0]), output: out, batch: count)
        MatrixKernels.relu(out)
        forwardFromFirstLayer(count: count, global: global)
    }

    /// The forward pass from the first layer's activations (`acts[1]`, GMF vectors in `gmf`)
    /// to the logits.
    func forwardFromFirstLayer(count: Int, global: UnsafeBufferPointer<Float>) {
        let dense = UnsafeBufferPointer(rebasing: global[arch.denseOffset...])
        let dg = arch.gmfDim
        let g = gmf.baseAddress!
        for (l, layer) in arch.layers.enumerated().dropFirst() {
            let out = UnsafeMutableBufferPointer(rebasing: acts[l + 1][0..<(count * layer.outputCount)])
            layer.forward(parameters: dense, input: UnsafeBufferPointer(acts[l]), output: out, batch: count)
            MatrixKernels.relu(out)
        }
        let last = arch.layers.last!.outputCount, fin = arch.fusion.inputCount
        let f = fusionIn.baseAddress!, aL = acts[arch.layers.count].baseAddress!
        for b in 0..<count {
            (f + b * fin).update(from: g + b * dg, count: dg)
            (f + b * fin + dg).update(from: aL + b * last, count: last)
        }
        arch.fusion.forward(parameters: dense, input: UnsafeBufferPointer(fusionIn), output: logits, batch: count)
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
        arch.fusion.backward(parameters: dense, input: UnsafeBufferPointer(fusionIn), outputGradient: UnsafeBufferPointer(dLogits),
                             inputGradient: dFusionIn, parameterGradient: dDense, batch: count)
        let dg = arch.gmfDim, nl = arch.layers.count, last = arch.layers.last!.outputCount, fin = arch.fusion.inputCount
        let df = dFusionIn.baseAddress!, daL = dActs[nl].baseAddress!
        for b in 0..<count { (daL + b * last).update(from: df + b * fin + dg, count: last) }
        for l in stride(from: nl, to: 0, by: -1) {
            let layer = arch.layers[l - 1]
            let grad = UnsafeMutableBufferPointer(rebasing: dActs[l][0..<(count * layer.outputCount)])
            MatrixKernels.reluBackward(activations: UnsafeBufferPointer(acts[l]), gradient: grad)
            layer.backward(parameters: dense, input: UnsafeBufferPointer(acts[l - 1]), outputGradient: UnsafeBufferPointer(grad),
                           inputGradient: dActs[l - 1], parameterGradient: dDense, batch: count)
        }
        let e = arch.embeddingDim, dm = arch.mlpEmbeddingDim, s0 = 2 * dm
        let gp = global.baseAddress!, da0 = dActs[0].baseAddress!
        let du = dUser.baseAddress!, dq = dItem.baseAddress!
        for b in 0..<count {
            let u = userTable + Int(users[b]) * e
            let q = gp + Int(items[b]) * e
            let dgmf = df + b * fin
            let dub = du + b * e, dqb = dq + b * e
            for j in 0..<dg {
                dub[j] = dgmf[j] * q[j]
                dqb[j] = dgmf[j] * u[j]
            }
            (dub + dg).update(from: da0 + b * s0, count: dm)
            (dqb + dg).update(from: da0 + b * s0 + dm, count: dm)
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
