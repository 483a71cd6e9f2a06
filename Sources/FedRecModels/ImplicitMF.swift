import FedRecData
import FedRecMath

/// Matrix factorisation for implicit feedback: the logit of "user u interacts with item i" is
/// the dot product plus biases, z = b + b_u + b_i + p_u·q_i, trained with the same binary
/// cross-entropy over sampled negatives as NeuMF.
///
/// The comparison model of Rendle, Krichene, Zhang & Anderson, "Neural Collaborative Filtering
/// vs. Matrix Factorization Revisited" (RecSys 2020), who found that a well-tuned dot product
/// matches or beats NeuMF's learned similarity; our reports put the two side by side so they
/// show whichever is true on the data at hand.
public struct ImplicitMF: Sendable {
    /// Number of users.
    public let userCount: Int
    /// Number of items.
    public let itemCount: Int
    /// Latent dimension d.
    public let dim: Int
    /// The global bias b.
    public var globalBias: Float
    /// User biases b_u (they do not change a user's ranking; kept so the logit is calibrated).
    public var userBias: [Float]
    /// Item biases b_i (the popularity part of the model).
    public var itemBias: [Float]
    /// User factors, `userCount × dim`, row-major.
    public var userFactors: [Float]
    /// Item factors, `itemCount × dim`, row-major.
    public var itemFactors: [Float]

    /// A fresh model: factors from N(0, `initStddev`²), biases zero.
    /// - Precondition: counts ≥ 0, `dim` ≥ 1, `initStddev` ≥ 0.
    public init(userCount: Int, itemCount: Int, dim: Int, initStddev: Float = 0.1,
                using rng: inout some RandomNumberGenerator) {
        precondition(userCount >= 0 && itemCount >= 0 && dim >= 1 && initStddev >= 0, "ImplicitMF: invalid shape")
        self.userCount = userCount
        self.itemCount = itemCount
        self.dim = dim
        globalBias = 0
        userBias = [Float](repeating: 0, count: userCount)
        itemBias = [Float](repeating: 0, count: itemCount)
        let sd = Double(initStddev)
        userFactors = (0..<(userCount * dim)).map { _ in Float(Gaussian.sample(using: &rng) * sd) }
        itemFactors = (0..<(itemCount * dim)).map { _ in Float(Gaussian.sample(using: &rng) * sd) }
    }

    /// The logit z = b + b_u + b_i + p_u·q_i.
    public func logit(user u: Int, item i: Int) -> Float {
        precondition(u >= 0 && u < userCount && i >= 0 && i < itemCount, "ImplicitMF: index out of range")
        return userFactors.withUnsafeBufferPointer { p in
            itemFactors.withUnsafeBufferPointer { q in
                globalBias + userBias[u] + itemBias[i] + Kernels.dot(p.baseAddress! + u * dim, q.baseAddress! + i * dim, count: dim)
            }
        }
    }
}

extension ImplicitMF: RankingScorer {
    /// Writes the logits of `items` for `user` (monotone in the predicted probability σ(z)).
    /// - Complexity: O(|items|·d); no allocation.
    public func score(user u: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count >= items.count, "ImplicitMF.score: scores buffer too small")
        let d = dim, base = globalBias + userBias[u]
        userFactors.withUnsafeBufferPointer { pf in
            itemFactors.withUnsafeBufferPointer { qf in
                itemBias.withUnsafeBufferPointer { bi in
                    let p = pf.baseAddress! + u * d
                    for k in items.indices {
                        let i = Int(items[k])
                        scores[k] = base + bi[i] + Kernels.dot(p, qf.baseAddress! + i * d, count: d)
                    }
                }
            }
        }
    }
}
