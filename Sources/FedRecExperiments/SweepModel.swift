/// The model every point of a sweep trains, which fixes the data view, the split and the metrics.
///
/// - `mf`: biased matrix factorization on explicit ratings, per-user random holdout, RMSE and MAE
///   (lower is better).
/// - `neumf`: NeuMF (He et al., WWW 2017) on implicit feedback, leave-one-out by timestamp,
///   HR@10 and NDCG@10 over the full ranking (higher is better), with the NCF paper's sampled
///   1 + 99 protocol recorded beside them as labelled extra figures.
public enum SweepModel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Biased matrix factorization, explicit ratings.
    case mf
    /// NeuMF, implicit feedback.
    case neumf

    /// The metrics the report charts against ε, headline first.
    public var chartedMetrics: [SweepMetric] {
        switch self {
        case .mf: [.rmse, .mae]
        case .neumf: [.hitRate, .ndcg]
        }
    }

    /// The metric learning curves, the "Δ vs non-private" column and the ε chart's headline follow.
    public var headline: SweepMetric { chartedMetrics[0] }
}
