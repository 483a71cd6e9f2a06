/// Which items a held-out positive is ranked against.
public enum CandidateSet: Sendable, Hashable, Codable {
    /// Every item the user did not interact with in training (the honest protocol).
    case full
    /// Each held-out positive against `negatives` items drawn uniformly without replacement
    /// from those the user never interacted with (train or test), as in He et al., "Neural
    /// Collaborative Filtering", 2017. Optimistic compared with ``full``; always report it as sampled.
    case sampled(negatives: Int, seed: UInt64)

    /// A label for reports, e.g. "full ranking" or "sampled: 1 positive + 100 negatives".
    public var label: String {
        switch self {
        case .full: "full ranking"
        case .sampled(let n, _): "sampled: 1 positive + \(n) negatives"
        }
    }

    /// Negatives per held-out positive in the NCF paper's sampled protocol (He et al. 2017:
    /// 1 + 99 = 100 items ranked).
    public static let ncfSampledNegatives = 99

    /// The NCF paper's sampled protocol with FedRec's fixed seed (2017), so every model and every
    /// client is ranked against the same negatives.
    public static let ncfSampled = CandidateSet.sampled(negatives: ncfSampledNegatives, seed: 2017)

    /// True for ``sampled(negatives:seed:)``.
    public var isSampled: Bool { if case .sampled = self { true } else { false } }
}

/// Top-K ranking quality averaged over evaluated users: HR@K, NDCG@K, Precision@K,
/// Recall@K and AUC, labelled with the ``CandidateSet`` they were computed on.
///
/// Stored as per-metric sums over users so partial results (chunks of users, federated
/// clients) combine with `+`; each accessor returns the mean over ``userCount``.
/// Definitions for one user with relevant (held-out) set R and 1-based ranks:
/// HR@K = 1 if some relevant item ranks ≤ K; Precision@K = hits/K (also when K exceeds the
/// candidate count); Recall@K = hits/|R|; NDCG@K = Σ_{relevant, rank ≤ K} 1/log₂(rank + 1)
/// divided by its ideal Σ_{r=1}^{min(K,|R|)} 1/log₂(r + 1) (Järvelin & Kekäläinen 2002);
/// AUC = fraction of (relevant, non-relevant) pairs ordered correctly, ties counting ½.
public struct RankingMetrics: Sendable, Hashable, Codable {
    /// The candidate protocol these numbers come from.
    public var candidates: CandidateSet
    /// The cutoffs K, in the order given to the evaluator.
    public var cutoffs: [Int]
    /// Number of users evaluated (users with at least one relevant held-out item).
    public var userCount: Int
    /// Σ over users of HR@K, one entry per cutoff.
    public var hitSums: [Double]
    /// Σ over users of NDCG@K, one entry per cutoff.
    public var ndcgSums: [Double]
    /// Σ over users of Precision@K, one entry per cutoff.
    public var precisionSums: [Double]
    /// Σ over users of Recall@K, one entry per cutoff.
    public var recallSums: [Double]
    /// Σ over users of AUC.
    public var aucSum: Double

    /// Empty sums for `cutoffs`.
    public init(candidates: CandidateSet, cutoffs: [Int]) {
        self.candidates = candidates
        self.cutoffs = cutoffs
        userCount = 0
        hitSums = Array(repeating: 0, count: cutoffs.count)
        ndcgSums = hitSums
        precisionSums = hitSums
        recallSums = hitSums
        aucSum = 0
    }

    private func mean(_ sums: [Double], _ k: Int) -> Double {
        guard let j = cutoffs.firstIndex(of: k) else {
            preconditionFailure("RankingMetrics: cutoff \(k) was not evaluated (have \(cutoffs))")
        }
        return userCount > 0 ? sums[j] / Double(userCount) : .nan
    }

    /// Mean HR@K (hit rate); NaN with no users. - Precondition: `k` is one of ``cutoffs``.
    public func hitRate(at k: Int) -> Double { mean(hitSums, k) }
    /// Mean NDCG@K. - Precondition: `k` is one of ``cutoffs``.
    public func ndcg(at k: Int) -> Double { mean(ndcgSums, k) }
    /// Mean Precision@K. - Precondition: `k` is one of ``cutoffs``.
    public func precision(at k: Int) -> Double { mean(precisionSums, k) }
    /// Mean Recall@K. - Precondition: `k` is one of ``cutoffs``.
    public func recall(at k: Int) -> Double { mean(recallSums, k) }
    /// Mean per-user AUC; NaN with no users.
    public var auc: Double { userCount > 0 ? aucSum / Double(userCount) : .nan }

    /// The metrics over both groups of users.
    /// - Precondition: same candidate protocol and cutoffs.
    public static func + (a: RankingMetrics, b: RankingMetrics) -> RankingMetrics {
        precondition(a.candidates == b.candidates && a.cutoffs == b.cutoffs,
                     "RankingMetrics: cannot add metrics of different protocols or cutoffs")
        var c = a
        c.userCount += b.userCount
        for j in a.cutoffs.indices {
            c.hitSums[j] += b.hitSums[j]
            c.ndcgSums[j] += b.ndcgSums[j]
            c.precisionSums[j] += b.precisionSums[j]
            c.recallSums[j] += b.recallSums[j]
        }
        c.aucSum += b.aucSum
        return c
    }
}
