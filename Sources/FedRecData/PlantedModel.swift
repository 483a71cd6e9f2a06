import FedRecMath

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The ground-truth biased matrix-factorisation model behind a synthetic data set:
/// score(u, i) = μ + b_u + b_i + p_u·q_i.
///
/// The layout matches `BiasedMF` in FedRecModels (flat row-major factors, `userFactors[u * rank ..< (u + 1) * rank]`),
/// so tests can compare what training recovers with what was planted.
public struct PlantedModel: Sendable {
    /// Latent dimension.
    public let rank: Int
    /// Global mean μ.
    public var globalMean: Float
    /// User biases b_u.
    public var userBias: [Float]
    /// Item biases b_i.
    public var itemBias: [Float]
    /// User factors p_u, row-major `users × rank`.
    public var userFactors: [Float]
    /// Item factors q_i, row-major `items × rank`.
    public var itemFactors: [Float]
    /// Standard deviation of the noise added to scores before rounding.
    public var noiseStd: Float

    /// Creates a model from its parameters.
    public init(
        rank: Int, globalMean: Float, userBias: [Float], itemBias: [Float],
        userFactors: [Float], itemFactors: [Float], noiseStd: Float
    ) {
        precondition(rank >= 1, "PlantedModel: rank must be at least 1")
        precondition(userFactors.count == userBias.count * rank, "PlantedModel: user factors do not match user biases")
        precondition(itemFactors.count == itemBias.count * rank, "PlantedModel: item factors do not match item biases")
        self.rank = rank
        self.globalMean = globalMean
        self.userBias = userBias
        self.itemBias = itemBias
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.noiseStd = noiseStd
    }

    /// The noiseless score μ + b_u + b_i + p_u·q_i.
    @inlinable
    public func score(user u: Int, item i: Int) -> Float {
        let k = rank
        let dot = userFactors.withUnsafeBufferPointer { p in
            itemFactors.withUnsafeBufferPointer { q in
                Kernels.dot(p.baseAddress! + u * k, q.baseAddress! + i * k, count: k)
            }
        }
        return globalMean + userBias[u] + itemBias[i] + dot
    }

    /// E[clamp(round(s + ε), lo, hi)] for ε ~ N(0, noiseStd²): the best possible (minimum mean
    /// squared error) prediction of an explicit rating whose planted score is `s`, on an integer scale.
    public func expectedRating(score s: Float, scale: RatingScale = .stars) -> Float {
        let lo = Int(scale.min.rounded(.up))
        let hi = Int(scale.max.rounded(.down))
        guard noiseStd > 0 else { return Float(min(max(Int(s.rounded()), lo), hi)) }
        // P(round(s + ε) ≤ k) = P(s + ε < k + ½) = Φ((k + ½ − s) / σ).
        let sigma = Double(noiseStd)
        func below(_ k: Int) -> Double { 0.5 * erfc(-(Double(k) + 0.5 - Double(s)) / (sigma * 2.0.squareRoot())) }
        var expected = 0.0
        var previous = 0.0
        for k in lo...hi {
            let cumulative = k == hi ? 1.0 : below(k)
            expected += Double(k) * (cumulative - previous)
            previous = cumulative
        }
        return Float(expected)
    }
}
