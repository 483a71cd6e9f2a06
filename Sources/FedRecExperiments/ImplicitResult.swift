import FedRecFederation
import FedRecModels
import FedRecPrivacy

/// What an implicit-feedback experiment (``NeuMFExperiment``) reports: NeuMF's ranking metrics
/// under both protocols, beside the popularity baseline and (when asked) implicit MF on the same
/// split, with timings and, for private federated runs, the privacy spent.
///
/// Every ``RankingMetrics`` carries its ``CandidateSet``; the sampled figures are always labelled
/// as such (1 held-out positive among ``NeuMFExperiment/sampledNegatives`` sampled negatives, the
/// NCF paper's protocol), since they are optimistic next to the full ranking.
public struct ImplicitResult: Sendable {
    /// "centralized" or "federated".
    public var setting: String
    /// NeuMF under the full ranking (every item the user has not interacted with).
    public var full: RankingMetrics
    /// NeuMF under the sampled protocol (labelled).
    public var sampled: RankingMetrics
    /// The popularity baseline (training counts) under the full ranking.
    public var popularityFull: RankingMetrics
    /// The popularity baseline under the sampled protocol.
    public var popularitySampled: RankingMetrics
    /// Centralized implicit MF (dot product + biases, same loss) under the full ranking, when run.
    public var implicitMFFull: RankingMetrics?
    /// Centralized implicit MF under the sampled protocol, when run.
    public var implicitMFSampled: RankingMetrics?
    /// Seconds spent training NeuMF (centralized: all epochs; federated: all training rounds).
    public var trainingSeconds: Double
    /// Seconds spent evaluating NeuMF (both protocols; federated: the final evaluation).
    public var evaluationSeconds: Double
    /// Seconds spent training implicit MF (0 when not run).
    public var implicitMFSeconds: Double
    /// Wall seconds of the whole call: training, evaluation and the baselines.
    public var wallSeconds: Double
    /// Federated only: mean seconds per training round (no data loading, no evaluation).
    public var secondsPerRound: Double?
    /// Centralized: epochs run; federated: rounds run.
    public var steps: Int
    /// Federated only: the per-round records.
    public var rounds: [NeuMFRoundRecord]
    /// Federated private runs: the resolved privacy plan (z, C, q, δ, budget).
    public var privacy: ResolvedPrivacy?
    /// Federated private runs: the ledger after the run (rounds recorded, ε spent per accountant).
    public var ledger: PrivacyLedger?
    /// Why a federated run stopped early (the privacy budget), or nil.
    public var stopReason: String?
    /// Federated private runs with adaptive clipping: the clip bound C at the end (nil when C is fixed).
    public var finalClipBound: Double? = nil
    /// Users, items and training interactions of the split.
    public var users: Int, items: Int, trainInteractions: Int
    /// Users evaluated (with a held-out interaction).
    public var evaluatedUsers: Int

    /// Creates a result, for instance from a federated run whose rounds happened on the
    /// aggregation server (`simulate --processes`), so that it is reported as in-process runs are.
    /// - Parameters: one per property (see each); the comparisons, the per-round records and the
    ///   privacy fields default to absent.
    public init(setting: String, full: RankingMetrics, sampled: RankingMetrics, popularityFull: RankingMetrics,
                popularitySampled: RankingMetrics, implicitMFFull: RankingMetrics? = nil, implicitMFSampled: RankingMetrics? = nil,
                trainingSeconds: Double, evaluationSeconds: Double, implicitMFSeconds: Double = 0, wallSeconds: Double,
                secondsPerRound: Double? = nil, steps: Int, rounds: [NeuMFRoundRecord] = [], privacy: ResolvedPrivacy? = nil,
                ledger: PrivacyLedger? = nil, stopReason: String? = nil, users: Int, items: Int, trainInteractions: Int,
                evaluatedUsers: Int) {
        self.setting = setting
        self.full = full
        self.sampled = sampled
        self.popularityFull = popularityFull
        self.popularitySampled = popularitySampled
        self.implicitMFFull = implicitMFFull
        self.implicitMFSampled = implicitMFSampled
        self.trainingSeconds = trainingSeconds
        self.evaluationSeconds = evaluationSeconds
        self.implicitMFSeconds = implicitMFSeconds
        self.wallSeconds = wallSeconds
        self.secondsPerRound = secondsPerRound
        self.steps = steps
        self.rounds = rounds
        self.privacy = privacy
        self.ledger = ledger
        self.stopReason = stopReason
        self.users = users
        self.items = items
        self.trainInteractions = trainInteractions
        self.evaluatedUsers = evaluatedUsers
    }

    /// NeuMF HR@10 under the full ranking (the headline figure). - Precondition: 10 was evaluated.
    public var hitRateAt10: Double { full.hitRate(at: 10) }
    /// NeuMF NDCG@10 under the full ranking. - Precondition: 10 was evaluated.
    public var ndcgAt10: Double { full.ndcg(at: 10) }
    /// NeuMF HR@10 under the sampled protocol. - Precondition: 10 was evaluated.
    public var sampledHitRateAt10: Double { sampled.hitRate(at: 10) }
    /// NeuMF NDCG@10 under the sampled protocol. - Precondition: 10 was evaluated.
    public var sampledNDCGAt10: Double { sampled.ndcg(at: 10) }

    /// ε spent under `accountant` for the released rounds (nil for a non-private or centralized run).
    public func epsilonSpent(_ accountant: AccountantKind) -> Double? {
        ledger?.epsilonSpent[accountant.rawValue]?.epsilon
    }
}
