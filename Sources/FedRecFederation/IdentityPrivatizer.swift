/// The identity transform of a non-private run (`--no-dp`): no clipping, no noise.
public struct IdentityPrivatizer: UpdatePrivatizer {
    /// Creates the identity transform.
    public init() {}
    /// Always false.
    public var isPrivate: Bool { false }
    /// Leaves the update unchanged (and sparse).
    public func privatizeClientUpdate(_ update: inout ModelUpdate, using rng: inout some RandomNumberGenerator) {}
    /// Leaves the sum unchanged and releases it.
    public func privatizeAggregate(
        _ sum: inout [Float], participants: Int, using rng: inout some RandomNumberGenerator
    ) -> AggregateDecision { .release }
}
