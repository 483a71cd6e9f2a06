/// What one local step produced.
public struct LocalTrainingResult: Sendable {
    /// Δ = local − global (sparse: the touched rows and μ).
    public var update: ModelUpdate
    /// ‖Δ‖₂ before any privacy transform.
    public var updateNorm: Double
    /// Σ (r − r̂)² over the client's training ratings, with the global item model and the
    /// user embedding the step started from (the round's training loss before local SGD).
    public var lossSum: Double
    /// Number of training ratings.
    public var ratingCount: Int
    /// True when local training diverged (a non-finite Δ): ``update`` is then zero.
    public var failed: Bool = false
}
