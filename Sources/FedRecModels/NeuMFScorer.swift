import FedRecMath

/// Fast NeuMF scoring for evaluation: ranks many items for many users under one fixed set of
/// global parameters.
///
/// The first MLP layer is linear in the concatenation [p_u ; q_i], so
/// W₁·[p_u ; q_i] + b₁ = (W₁ᵘ·p_u + b₁) + W₁ⁱ·q_i. The scorer computes the item half W₁ⁱ·q_i
/// once per item at construction and the user half once per call, so scoring an item costs
/// one vector add plus the layers after the first — about a quarter of a full forward pass
/// with the default 64→32→16→8 tower. Results equal ``NeuMF/score(user:items:into:)`` up to
/// float rounding (the sum is associated differently).
///
/// Build one per evaluation (it is a snapshot of the global parameters); it is `Sendable` and
/// its scoring methods may run concurrently for different users.
public struct NeuMFScorer: Sendable {
    /// Layer sizes and layout.
    public let architecture: NeuMFArchitecture
    /// The global parameters scored with.
    public let globalParameters: [Float]
    /// User embedding rows for ``score(user:items:into:)`` (empty for a client-side scorer).
    public let userEmbeddings: [Float]
    /// W₁ⁱ·q_i for every item, `itemCount × mlpLayers[1]`.
    private let itemHalf: [Float]

    /// A scorer for a federated client: users are given by their embedding rows.
    /// - Throws: ``ModelError`` when `global` does not fit the architecture or is not finite.
    public init(architecture: NeuMFArchitecture, global: [Float]) throws {
        try self.init(architecture: architecture, global: global, userEmbeddings: [])
    }

    /// A scorer for every user of a centralized model.
    public init(model: NeuMF) throws {
        try self.init(architecture: model.architecture, global: model.globalParameters, userEmbeddings: model.userEmbeddings)
    }

    private init(architecture arch: NeuMFArchitecture, global: [Float], userEmbeddings: [Float]) throws {
        try arch.validateGlobal(global)
        architecture = arch
        globalParameters = global
        self.userEmbeddings = userEmbeddings
        let first = arch.layers[0], dm = arch.mlpEmbeddingDim, dg = arch.gmfDim, e = arch.embeddingDim
        let width = first.outputCount
        // Item half of W₁: columns dm..<2dm of each row.
        var half = [Float](repeating: 0, count: arch.itemCount * width)
        global.withUnsafeBufferPointer { g in
            half.withUnsafeMutableBufferPointer { h in
                let w = g.baseAddress! + arch.denseOffset + first.offset
                for i in 0..<arch.itemCount {
                    let q = g.baseAddress! + i * e + dg
                    for o in 0..<width { h[i * width + o] = Kernels.dot(w + o * first.inputCount + dm, q, count: dm) }
                }
            }
        }
        itemHalf = half
    }

    /// Number of items.
    public var itemCount: Int { architecture.itemCount }
    /// Number of users with stored embeddings (0 for a client-side scorer).
    public var userCount: Int { userEmbeddings.count / architecture.embeddingDim }

    /// Writes the predictions of `items` for stored user `u` into `scores`: the ranking-scorer entry point.
    /// - Complexity: O(|items| · (layers after the first)); one scratch allocation per call.
    public func score(user u: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(u >= 0 && u < userCount, "NeuMFScorer: user \(u) out of range (\(userCount) users)")
        let e = architecture.embeddingDim
        userEmbeddings.withUnsafeBufferPointer { t in
            score(userEmbedding: UnsafeBufferPointer(rebasing: t[(u * e)..<((u + 1) * e)]), items: items, into: scores)
        }
    }

    /// Writes the predictions of `items` for the user with embedding row `userEmbedding` into `scores`.
    public func score(userEmbedding: UnsafeBufferPointer<Float>, items: UnsafeBufferPointer<Int32>,
                      into scores: UnsafeMutableBufferPointer<Float>) {
        let arch = architecture
        precondition(userEmbedding.count == arch.embeddingDim, "NeuMFScorer: user embedding must have \(arch.embeddingDim) values")
        precondition(scores.count >= items.count, "NeuMFScorer: scores buffer too small")
        guard !items.isEmpty else { return }
        let first = arch.layers[0], dm = arch.mlpEmbeddingDim, dg = arch.gmfDim, e = arch.embeddingDim
        let width = first.outputCount
        let ws = NeuMFWorkspace(arch: arch, capacity: min(256, items.count))
        let objective = arch.config.objective
        var userHalf = [Float](repeating: 0, count: width)
        globalParameters.withUnsafeBufferPointer { g in
            itemHalf.withUnsafeBufferPointer { half in
                userHalf.withUnsafeMutableBufferPointer { uh in
                    let gp = g.baseAddress!, u = userEmbedding.baseAddress!
                    // User half: W₁ᵘ·p_u + b₁.
                    let w = gp + arch.denseOffset + first.offset, b1 = gp + arch.denseOffset + first.biasRange.lowerBound
                    for o in 0..<width { uh[o] = Kernels.dot(w + o * first.inputCount, u + dg, count: dm) + b1[o] }
                    var start = 0
                    while start < items.count {
                        let n = min(ws.capacity, items.count - start)
                        let a1 = ws.act(1, count: n), f = ws.fusionIn.baseAddress!
                        for b in 0..<n {
                            let i = items[start + b]
                            precondition(i >= 0 && Int(i) < arch.itemCount, "NeuMFScorer: item \(i) out of range")
                            ws.items[b] = i
                        }
                        // Blocks of 16 items: each feature row gets a whole cache line per block.
                        var b0 = 0
                        while b0 < n {
                            let b1 = min(n, b0 + NeuMFWorkspace.block)
                            for j in 0..<dg {
                                let row = f + j * n, uj = u[j]
                                for b in b0..<b1 { row[b] = uj * gp[Int(ws.items[b]) * e + j] }
                            }
                            for o in 0..<width {
                                let row = a1.baseAddress! + o * n, uo = uh[o]
                                for b in b0..<b1 { row[b] = uo + half[Int(ws.items[b]) * width + o] }
                            }
                            b0 = b1
                        }
                        MatrixKernels.relu(a1)
                        ws.forwardFromFirstLayer(count: n, global: g)
                        for b in 0..<n { scores[start + b] = objective.prediction(logit: ws.logits[b]) }
                        start += n
                    }
                }
            }
        }
    }

    /// The predictions of every item for the user with embedding row `userEmbedding`, indexed by item.
    public func scoreAll(userEmbedding: [Float]) -> [Float] {
        let items = (0..<Int32(itemCount)).map { $0 }
        var scores = [Float](repeating: 0, count: itemCount)
        userEmbedding.withUnsafeBufferPointer { u in items.withUnsafeBufferPointer { i in
            scores.withUnsafeMutableBufferPointer { score(userEmbedding: u, items: i, into: $0) }
        }}
        return scores
    }

    /// The predictions of every item for stored user `u`, indexed by item.
    public func scoreAll(user u: Int) -> [Float] {
        precondition(u >= 0 && u < userCount, "NeuMFScorer: user \(u) out of range (\(userCount) users)")
        let e = architecture.embeddingDim
        return scoreAll(userEmbedding: Array(userEmbeddings[(u * e)..<((u + 1) * e)]))
    }
}
