/// How ``ImplicitMFTrainer`` runs.
public struct ImplicitMFOptions: Sendable, Hashable, Codable {
    /// Latent dimension d.
    public var dim: Int
    /// Passes over the positives.
    public var epochs: Int
    /// SGD learning rate η.
    public var learningRate: Float
    /// L2 regularisation λ on the factors and the user and item biases (per example, as in Rendle et al. 2020).
    public var regularization: Float
    /// Negatives sampled per positive, drawn afresh each epoch.
    public var negativesPerPositive: Int
    /// Standard deviation of the initial factors.
    public var initStddev: Float

    /// Creates options. The defaults (d = 32, 30 epochs, η = 0.02, λ = 0.01, 4 negatives,
    /// init 0.1) were picked on MovieLens-100K leave-one-out; Rendle et al. 2020 tune d, λ and the
    /// negative count per data set, so treat them as a starting point.
    public init(dim: Int = 32, epochs: Int = 30, learningRate: Float = 0.02, regularization: Float = 0.01,
                negativesPerPositive: Int = 4, initStddev: Float = 0.1) {
        self.dim = dim
        self.epochs = epochs
        self.learningRate = learningRate
        self.regularization = regularization
        self.negativesPerPositive = negativesPerPositive
        self.initStddev = initStddev
    }

    /// Throws ``ModelError`` naming the first value out of range.
    public func validate() throws {
        try ModelError.requireConfiguration(dim >= 1 && dim <= 4096, "implicit MF dim", dim, "in 1...4096")
        try ModelError.requireConfiguration(epochs >= 0, "implicit MF epochs", epochs, "≥ 0")
        try ModelError.requireConfiguration(learningRate > 0 && learningRate.isFinite, "implicit MF learning rate", learningRate, "positive")
        try ModelError.requireConfiguration(regularization >= 0 && regularization.isFinite, "implicit MF regularization", regularization, "≥ 0")
        try ModelError.requireConfiguration(negativesPerPositive >= 0 && negativesPerPositive <= 1000, "negativesPerPositive", negativesPerPositive, "in 0...1000")
        try ModelError.requireConfiguration(initStddev >= 0 && initStddev.isFinite, "implicit MF initStddev", initStddev, "finite and ≥ 0")
    }
}
