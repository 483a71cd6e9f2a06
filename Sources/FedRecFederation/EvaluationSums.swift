/// The only thing a client reveals when it is evaluated: sums of its prediction errors on its
/// own held-out ratings. Summed over clients (in a fixed order) they give RMSE and MAE.
public struct EvaluationSums: Sendable, Hashable, Codable {
    /// Σ (r̂ − r)².
    public var squaredError: Double
    /// Σ |r̂ − r|.
    public var absoluteError: Double
    /// Number of held-out ratings scored.
    public var count: Int

    /// Creates sums.
    public init(squaredError: Double = 0, absoluteError: Double = 0, count: Int = 0) {
        self.squaredError = squaredError
        self.absoluteError = absoluteError
        self.count = count
    }

    /// Root mean squared error (NaN when empty).
    public var rmse: Double { count > 0 ? (squaredError / Double(count)).squareRoot() : .nan }
    /// Mean absolute error (NaN when empty).
    public var mae: Double { count > 0 ? absoluteError / Double(count) : .nan }

    /// Adds another client's sums.
    public static func += (lhs: inout EvaluationSums, rhs: EvaluationSums) {
        lhs.squaredError += rhs.squaredError
        lhs.absoluteError += rhs.absoluteError
        lhs.count += rhs.count
    }
}
