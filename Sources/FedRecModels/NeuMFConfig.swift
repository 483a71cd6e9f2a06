/// The shape of a NeuMF model (He et al., "Neural Collaborative Filtering", WWW 2017).
///
/// `mlpLayers` lists the widths of the MLP tower from its input: the default `[64, 32, 16, 8]`
/// means a 64-wide input (user and item MLP embeddings of 32 each, concatenated) followed by
/// ReLU layers 64→32, 32→16 and 16→8. The GMF branch multiplies `gmfDim`-wide user and item
/// embeddings elementwise. A final linear layer over [gmf ; mlp output] gives the logit.
public struct NeuMFConfig: Sendable, Hashable, Codable {
    /// Width of the GMF embeddings (the paper's predictive factors for GMF).
    public var gmfDim: Int
    /// Widths of the MLP tower, input first; `mlpLayers[0]` must be even (two embeddings).
    public var mlpLayers: [Int]
    /// Implicit (sigmoid + cross-entropy) or explicit (linear + squared error).
    public var objective: NeuMFObjective
    /// Standard deviation of the Gaussian that initialises embeddings (the paper: 0.01).
    public var embeddingInitStddev: Float

    /// Creates a configuration; the defaults are the paper's (8 GMF factors, MLP 64→32→16→8,
    /// embeddings drawn from N(0, 0.01²)).
    public init(gmfDim: Int = 8, mlpLayers: [Int] = [64, 32, 16, 8], objective: NeuMFObjective = .implicit,
                embeddingInitStddev: Float = 0.01) {
        self.gmfDim = gmfDim
        self.mlpLayers = mlpLayers
        self.objective = objective
        self.embeddingInitStddev = embeddingInitStddev
    }

    /// Width of the user (and item) MLP embedding: half the MLP input.
    public var mlpEmbeddingDim: Int { (mlpLayers.first ?? 0) / 2 }

    /// Throws ``ModelError`` naming the first value out of range.
    public func validate() throws {
        try ModelError.requireConfiguration(gmfDim >= 1 && gmfDim <= 4096, "gmfDim", gmfDim, "in 1...4096")
        try ModelError.requireConfiguration(mlpLayers.count >= 2, "mlpLayers", mlpLayers, "at least an input width and one layer, e.g. [64, 32, 16, 8]")
        try ModelError.requireConfiguration(mlpLayers.allSatisfy { $0 >= 1 && $0 <= 4096 }, "mlpLayers", mlpLayers, "widths in 1...4096")
        try ModelError.requireConfiguration(mlpLayers[0] % 2 == 0, "mlpLayers[0]", mlpLayers[0], "even (user and item MLP embeddings of equal width)")
        try ModelError.requireConfiguration(embeddingInitStddev >= 0 && embeddingInitStddev.isFinite, "embeddingInitStddev", embeddingInitStddev, "finite and ≥ 0")
    }
}

/// The optimizer a NeuMF training run uses.
public enum NeuMFOptimizer: Sendable, Hashable, Codable {
    /// Plain stochastic gradient descent θ ← θ − η·g (the usual choice on federated clients).
    case sgd(learningRate: Float)
    /// Adam with bias correction; embedding tables use the lazy sparse-row variant.
    case adam(AdamOptimizer.Hyperparameters)

    /// Throws ``ModelError`` when a constant is out of range.
    public func validate() throws {
        switch self {
        case .sgd(let lr): try ModelError.requireConfiguration(lr > 0 && lr.isFinite, "SGD learning rate", lr, "positive")
        case .adam(let h): try h.validate()
        }
    }
}

/// How the centralized ``NeuMFTrainer`` runs.
public struct NeuMFTrainingOptions: Sendable, Hashable, Codable {
    /// Passes over the training data.
    public var epochs: Int
    /// Examples per mini-batch.
    public var batchSize: Int
    /// The optimizer (the paper uses Adam, learning rate 0.001).
    public var optimizer: NeuMFOptimizer
    /// Negatives sampled per positive for implicit training (the paper's default: 4).
    public var negativesPerPositive: Int
    /// For implicit training: an interaction counts as positive when its rating is at least this;
    /// `nil` makes every interaction positive.
    public var positiveThreshold: Float?

    /// Creates options; batch 256, Adam at 0.001 and 4 negatives follow the paper, 20 epochs is ours.
    public init(epochs: Int = 20, batchSize: Int = 256, optimizer: NeuMFOptimizer = .adam(.init()),
                negativesPerPositive: Int = 4, positiveThreshold: Float? = nil) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.negativesPerPositive = negativesPerPositive
        self.positiveThreshold = positiveThreshold
    }

    /// Throws ``ModelError`` naming the first value out of range.
    public func validate() throws {
        try ModelError.requireConfiguration(epochs >= 0, "epochs", epochs, "≥ 0")
        try ModelError.requireConfiguration(batchSize >= 1 && batchSize <= 65536, "batchSize", batchSize, "in 1...65536")
        try ModelError.requireConfiguration(negativesPerPositive >= 0 && negativesPerPositive <= 1000, "negativesPerPositive", negativesPerPositive, "in 0...1000")
        try optimizer.validate()
    }
}
