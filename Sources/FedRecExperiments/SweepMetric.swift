/// One figure a sweep records per point, with its direction, so reports and charts label it and
/// compare with it the right way round (a private run loses accuracy when RMSE rises but when
/// HR@10 falls).
public struct SweepMetric: Sendable, Hashable, CustomStringConvertible {
    /// The results.csv column and chart file stem, e.g. `rmse`, `hr_at_10`.
    public var id: String
    /// The label in tables and on axes, e.g. `RMSE`, `HR@10`.
    public var label: String
    /// True for ranking quality (HR, NDCG), false for errors (RMSE, MAE).
    public var higherIsBetter: Bool
    /// Reads the figure from a record (nil when the record's model does not report it).
    let read: @Sendable (SweepRecord) -> Double?

    /// Held-out root mean squared error of the predicted ratings (lower is better).
    public static let rmse = SweepMetric(id: "rmse", label: "RMSE", higherIsBetter: false) { $0.rmse }
    /// Held-out mean absolute error (lower is better).
    public static let mae = SweepMetric(id: "mae", label: "MAE", higherIsBetter: false) { $0.mae }
    /// HR@10 over the full ranking of every item the user has not interacted with: the share of
    /// users whose held-out item is among the top 10 (higher is better).
    public static let hitRate = SweepMetric(id: "hr_at_10", label: "HR@10", higherIsBetter: true) { $0.hitRate }
    /// NDCG@10 over the full ranking: 1/log₂(rank + 1) of the held-out item when in the top 10,
    /// else 0, averaged over users (higher is better).
    public static let ndcg = SweepMetric(id: "ndcg_at_10", label: "NDCG@10", higherIsBetter: true) { $0.ndcg }
    /// HR@10 under the sampled protocol (the held-out item among 99 sampled negatives; optimistic
    /// next to the full ranking, reported for comparison with the NCF paper).
    public static let sampledHitRate = SweepMetric(id: "sampled_hr_at_10", label: "HR@10 (sampled 1+99)", higherIsBetter: true) { $0.sampledHitRate }
    /// NDCG@10 under the sampled protocol.
    public static let sampledNDCG = SweepMetric(id: "sampled_ndcg_at_10", label: "NDCG@10 (sampled 1+99)", higherIsBetter: true) { $0.sampledNDCG }

    /// The figure of `record`, or nil when its model does not report it.
    public func value(_ record: SweepRecord) -> Double? { read(record) }

    /// `"lower is better"` or `"higher is better"`.
    public var direction: String { higherIsBetter ? "higher is better" : "lower is better" }

    /// The label.
    public var description: String { label }

    /// Equal when the ids agree.
    public static func == (a: SweepMetric, b: SweepMetric) -> Bool { a.id == b.id }

    /// Hashes the id.
    public func hash(into h: inout Hasher) { h.combine(id) }
}
