/// Whether the server may apply a round's aggregate.
public enum AggregateDecision: Sendable, Hashable {
    /// Apply the (privatized) sum.
    case release
    /// Drop the round (e.g. fewer updates than the minimum count); the reason is reported.
    case discard(reason: String)
}
