import FedRecMath

/// Neural matrix factorisation (NeuMF; He, Liao, Zhang, Nie, Hu & Chua, "Neural Collaborative
/// Filtering", WWW 2017): a GMF branch φ_GMF = p^G_u ⊙ q^G_i and an MLP branch
/// φ_MLP = a_L(…a_1([p^M_u ; q^M_i])) with ReLU layers, fused by a linear layer
/// z = hᵀ·[φ_GMF ; φ_MLP] + h₀. The prediction is σ(z) for implicit feedback and z for ratings
/// (``NeuMFObjective``).
///
/// Storage is two flat vectors: ``userEmbeddings`` (one row per user, the **user side**, which
/// stays on the client in federation) and ``globalParameters`` (item embeddings, MLP and fusion
/// weights: the **global side**, laid out as documented on ``NeuMFArchitecture``).
public struct NeuMF: Sendable {
    /// Layer sizes and the global parameter layout.
    public let architecture: NeuMFArchitecture
    /// Number of users.
    public let userCount: Int
    /// User embedding rows, `userCount × embeddingDim`, each `[gmf ; mlp]`.
    public var userEmbeddings: [Float]
    /// The flat global parameter vector (see ``NeuMFArchitecture`` for its layout).
    public var globalParameters: [Float]

    /// A freshly initialised model (see ``NeuMFArchitecture/initialGlobalParameters(outputBias:using:)``).
    /// - Parameter outputBias: initial fusion bias: 0 for implicit data, the mean rating for explicit.
    /// - Throws: ``ModelError`` when the configuration or the counts are invalid.
    public init(userCount: Int, itemCount: Int, config: NeuMFConfig = .init(), outputBias: Float = 0,
                using rng: inout some RandomNumberGenerator) throws {
        try ModelError.requireConfiguration(userCount >= 0, "userCount", userCount, "≥ 0")
        let arch = try NeuMFArchitecture(config: config, itemCount: itemCount)
        architecture = arch
        self.userCount = userCount
        globalParameters = arch.initialGlobalParameters(outputBias: outputBias, using: &rng)
        let sd = Double(config.embeddingInitStddev)
        userEmbeddings = (0..<(userCount * arch.embeddingDim)).map { _ in Float(Gaussian.sample(using: &rng) * sd) }
    }

    /// Assembles a model from its two flat vectors (the "unflatten" of a saved or aggregated model).
    /// - Throws: ``ModelError/Code/invalidInput`` when a length does not fit the architecture.
    public init(architecture: NeuMFArchitecture, userEmbeddings: [Float], globalParameters: [Float]) throws {
        let e = architecture.embeddingDim
        guard userEmbeddings.count % e == 0 else {
            throw ModelError(.invalidInput, "user embeddings have \(userEmbeddings.count) values, not a multiple of the row width \(e)")
        }
        guard globalParameters.count == architecture.globalCount else {
            throw ModelError(.invalidInput, "global parameters have \(globalParameters.count) values; the architecture needs \(architecture.globalCount)")
        }
        self.architecture = architecture
        userCount = userEmbeddings.count / e
        self.userEmbeddings = userEmbeddings
        self.globalParameters = globalParameters
    }

    /// Number of items.
    public var itemCount: Int { architecture.itemCount }

    /// User `u`'s embedding row `[gmf ; mlp]`.
    public func userEmbedding(_ u: Int) -> [Float] {
        precondition(u >= 0 && u < userCount, "NeuMF: user \(u) out of range")
        let e = architecture.embeddingDim
        return Array(userEmbeddings[(u * e)..<((u + 1) * e)])
    }

    /// Writes the predictions of `items` for user `u` into `scores` (σ(z) for implicit data,
    /// the rating for explicit): the ranking-scorer entry point. Safe to call concurrently.
    /// - Complexity: O(|items| · (embeddingDim + MLP weights)), batched 256 items at a time.
    public func score(user u: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(u >= 0 && u < userCount, "NeuMF: user \(u) out of range")
        let e = architecture.embeddingDim
        userEmbeddings.withUnsafeBufferPointer { table in
            architecture.score(userEmbedding: UnsafeBufferPointer(rebasing: table[(u * e)..<((u + 1) * e)]),
                               items: items, global: globalParameters, into: scores)
        }
    }

    /// The predictions of `items` for user `u`.
    public func score(user u: Int, items: [Int32]) -> [Float] {
        var scores = [Float](repeating: 0, count: items.count)
        items.withUnsafeBufferPointer { i in scores.withUnsafeMutableBufferPointer { score(user: u, items: i, into: $0) } }
        return scores
    }

    /// The predictions of every item for user `u`, indexed by item.
    public func scoreAll(user u: Int) -> [Float] {
        score(user: u, items: (0..<Int32(itemCount)).map { $0 })
    }
}

extension NeuMFArchitecture {
    /// Writes the predictions of `items` for a user given by its embedding row (a federated
    /// client's own) under the global parameters `global` into `scores`.
    public func score(userEmbedding: UnsafeBufferPointer<Float>, items: UnsafeBufferPointer<Int32>,
                      global: [Float], into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(userEmbedding.count == embeddingDim, "NeuMF.score: user embedding must have \(embeddingDim) values")
        precondition(global.count == globalCount, "NeuMF.score: global parameters must have \(globalCount) values")
        guard !items.isEmpty else { return }
        let ws = NeuMFWorkspace(arch: self, capacity: min(256, items.count))
        global.withUnsafeBufferPointer { g in
            ws.score(userEmbedding: userEmbedding.baseAddress!, items: items, global: g, into: scores)
        }
    }

    /// The predictions of `items` for the user with embedding row `userEmbedding`.
    public func score(userEmbedding: [Float], items: [Int32], global: [Float]) -> [Float] {
        var scores = [Float](repeating: 0, count: items.count)
        userEmbedding.withUnsafeBufferPointer { u in items.withUnsafeBufferPointer { i in
            scores.withUnsafeMutableBufferPointer { score(userEmbedding: u, items: i, global: global, into: $0) }
        }}
        return scores
    }

    /// The predictions of every item for the user with embedding row `userEmbedding`, indexed by item.
    public func scoreAll(userEmbedding: [Float], global: [Float]) -> [Float] {
        score(userEmbedding: userEmbedding, items: (0..<Int32(itemCount)).map { $0 }, global: global)
    }
}
