import FedRecData

/// Accumulated prediction errors on explicit ratings: RMSE and MAE.
///
/// Kept as sums so parts can be added up in any grouping (per chunk of users, or per
/// federated client, where only these sums leave the device): `a + b` is the metric of the
/// union of both sets.
public struct ErrorMetrics: Sendable, Hashable, Codable {
    /// Number of predictions.
    public var count: Int
    /// Σ (r − r̂)².
    public var sumSquaredError: Double
    /// Σ |r − r̂|.
    public var sumAbsoluteError: Double

    /// Creates accumulated sums (all zero by default).
    public init(count: Int = 0, sumSquaredError: Double = 0, sumAbsoluteError: Double = 0) {
        self.count = count
        self.sumSquaredError = sumSquaredError
        self.sumAbsoluteError = sumAbsoluteError
    }

    /// Root mean squared error √(Σ(r − r̂)²/n); NaN when empty.
    public var rmse: Double { count > 0 ? (sumSquaredError / Double(count)).squareRoot() : .nan }
    /// Mean absolute error Σ|r − r̂|/n; NaN when empty.
    public var mae: Double { count > 0 ? sumAbsoluteError / Double(count) : .nan }

    /// Adds one prediction of `rating`.
    @inlinable
    public mutating func add(prediction: Float, rating: Float) {
        let e = Double(rating) - Double(prediction)
        count += 1
        sumSquaredError += e * e
        sumAbsoluteError += abs(e)
    }

    /// The metrics of both sets together.
    public static func + (a: ErrorMetrics, b: ErrorMetrics) -> ErrorMetrics {
        ErrorMetrics(count: a.count + b.count, sumSquaredError: a.sumSquaredError + b.sumSquaredError,
                     sumAbsoluteError: a.sumAbsoluteError + b.sumAbsoluteError)
    }

    /// Adds another set's sums (for instance one federated client's) in place.
    public static func += (lhs: inout ErrorMetrics, rhs: ErrorMetrics) {
        lhs.count += rhs.count
        lhs.sumSquaredError += rhs.sumSquaredError
        lhs.sumAbsoluteError += rhs.sumAbsoluteError
    }
}
