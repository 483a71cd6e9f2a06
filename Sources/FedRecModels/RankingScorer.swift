import FedRecMath

/// Anything that scores items for a user, higher meaning "recommend first": the interface
/// ranking metrics evaluate, so the same evaluation code serves biased MF, NeuMF, the
/// popularity baseline and a federated client's local model.
public protocol RankingScorer: Sendable {
    /// Number of items in the catalogue (valid item indices are `0..<itemCount`).
    var itemCount: Int { get }

    /// Writes the score of `items[k]` for `user` into `scores[k]` for every k.
    /// Called concurrently for different users; NaN scores rank last.
    /// - Precondition: `scores.count >= items.count`.
    func score(user: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>)
}

/// A ``RankingScorer`` made from a closure `score(user, item)`: handy in tests and for
/// models without a batched scoring path.
public struct ClosureScorer: RankingScorer {
    /// Number of items in the catalogue.
    public let itemCount: Int
    private let body: @Sendable (Int, Int) -> Float

    /// Creates a scorer over `itemCount` items from `score(user, item)`.
    public init(itemCount: Int, score: @escaping @Sendable (_ user: Int, _ item: Int) -> Float) {
        self.itemCount = itemCount
        body = score
    }

    /// Calls the closure for each item.
    public func score(user: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        for k in items.indices { scores[k] = body(user, Int(items[k])) }
    }
}

extension BiasedMF: RankingScorer {
    /// The predictions μ + b_u + b_i + p_u·q_i of `items` for `user`.
    /// - Complexity: O(|items|·dim); no allocation.
    public func score(user u: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count >= items.count, "BiasedMF.score: scores buffer too small")
        let d = dim
        let base = globalMean + userBias[u]
        userFactors.withUnsafeBufferPointer { pf in
        itemFactors.withUnsafeBufferPointer { qf in
        itemBias.withUnsafeBufferPointer { bi in
            let p = pf.baseAddress! + u * d
            for k in items.indices {
                let i = Int(items[k])
                scores[k] = base + bi[i] + Kernels.dot(p, qf.baseAddress! + i * d, count: d)
            }
        }}}
    }
}

extension NeuMF: RankingScorer {}
extension NeuMFScorer: RankingScorer {}
