import FedRecData
import FedRecMath

/// Biased matrix factorisation: r̂(u, i) = μ + b_u + b_i + p_u·q_i
/// (Koren, Bell & Volinsky, "Matrix Factorization Techniques for Recommender Systems", 2009).
///
/// Parameters live in flat row-major arrays (`userFactors[u * dim ..< (u + 1) * dim]`) so the
/// hot loops run over contiguous memory. The **item side** (μ, item biases, item factors) is
/// the global model a federation shares; the user side stays with each client.
public struct BiasedMF: Sendable {
    /// Latent dimension.
    public let dim: Int
    /// Number of users.
    public let userCount: Int
    /// Number of items.
    public let itemCount: Int
    /// Global offset μ.
    public var globalMean: Float
    /// User biases b_u, one per user.
    public var userBias: [Float]
    /// Item biases b_i, one per item.
    public var itemBias: [Float]
    /// User factors p_u, row-major `userCount × dim`.
    public var userFactors: [Float]
    /// Item factors q_i, row-major `itemCount × dim`.
    public var itemFactors: [Float]

    /// Creates a model with biases at zero and factors drawn from N(0, initScale²).
    public init(
        userCount: Int, itemCount: Int, dim: Int, globalMean: Float, initScale: Float,
        using rng: inout some RandomNumberGenerator
    ) {
        precondition(dim > 0 && userCount >= 0 && itemCount >= 0, "BiasedMF: invalid shape")
        self.dim = dim
        self.userCount = userCount
        self.itemCount = itemCount
        self.globalMean = globalMean
        userBias = [Float](repeating: 0, count: userCount)
        itemBias = [Float](repeating: 0, count: itemCount)
        userFactors = (0..<(userCount * dim)).map { _ in Float(Gaussian.sample(using: &rng)) * initScale }
        itemFactors = (0..<(itemCount * dim)).map { _ in Float(Gaussian.sample(using: &rng)) * initScale }
    }

    /// The raw (unclamped) prediction for user `u` and item `i`.
    @inlinable
    public func predict(user u: Int, item i: Int) -> Float {
        let d = dim
        let dot = userFactors.withUnsafeBufferPointer { pu in
            itemFactors.withUnsafeBufferPointer { qi in
                Kernels.dot(pu.baseAddress! + u * d, qi.baseAddress! + i * d, count: d)
            }
        }
        return globalMean + userBias[u] + itemBias[i] + dot
    }
}
