/// The privacy seam: where clipping and noise plug into a federated round.
///
/// Two hooks, following the trust models of DESIGN §3:
/// 1. ``privatizeClientUpdate(_:using:)`` runs **on the client**, on its Δ before it leaves
///    (clip to L2 ≤ C; add the client's share of Gaussian noise under `distributed` or `local`
///    trust). It receives the client's own generator, so a seeded simulation stays
///    reproducible; a real deployment passes a secure generator.
/// 2. ``privatizeAggregate(_:participants:using:)`` runs **on the server**, on the dense sum of
///    the round's updates before it is divided and applied (central noise N(0, z²C²) under
///    `central` trust; the minimum-count check of `distributed` trust, discarding a round with
///    too few updates).
///
/// The mechanism (clip, add noise) lives here; the accounting (ε over rounds) does not: it is
/// the job of FedRecPrivacy's accountants, which assume **Poisson** subsampling — hence
/// ``isPrivate``, which makes the simulation refuse fixed-size sampling.
public protocol UpdatePrivatizer: Sendable {
    /// True when this transform gives a differential-privacy guarantee; such runs must use
    /// Poisson sampling and the fixed denominator q·N.
    var isPrivate: Bool { get }
    /// True when the noise comes from the system CSPRNG: the engine then draws each round's
    /// participants from the CSPRNG too, since anyone who knows who took part can undo the
    /// amplification by sampling that ε counts on. Seeded noise keeps seeded selection, so a seed
    /// reproduces both.
    var drawsSecureNoise: Bool { get }

    /// Transforms one client's update in place before it leaves the client.
    /// Call ``ModelUpdate/withDenseValues(_:)`` before adding noise: a noised update is dense.
    func privatizeClientUpdate(_ update: inout ModelUpdate, using rng: inout some RandomNumberGenerator)

    /// Transforms the round's summed update (dense, ``ItemModel`` layout) in place and decides
    /// whether the round is released. `participants` is the number of updates in the sum.
    func privatizeAggregate(
        _ sum: inout [Float], participants: Int, using rng: inout some RandomNumberGenerator
    ) -> AggregateDecision
    /// The bit a client reports for adaptive clipping: 1 when its update norm (before clipping)
    /// is within the current bound. Transforms without adaptive clipping return 0.
    func unclippedIndicator(norm: Double) -> Double
    /// Called once after each round on the server with the round's summed indicators
    /// (`unclippedCount`) and the number of indicators in that sum (`bitsSummed`, one per
    /// aggregated update), so a transform can adapt (e.g. move its clip bound toward a quantile of
    /// update norms).
    mutating func finishRound(
        unclippedCount: Double, bitsSummed: Int, expectedParticipants: Double, released: Bool,
        using rng: inout some RandomNumberGenerator)
}

extension UpdatePrivatizer {
    /// No noise of its own (the identity): selection follows the seed.
    public var drawsSecureNoise: Bool { false }
    /// No adaptive clipping: reports 0.
    public func unclippedIndicator(norm: Double) -> Double { 0 }
    /// No adaptation.
    public mutating func finishRound(
        unclippedCount: Double, bitsSummed: Int, expectedParticipants: Double, released: Bool,
        using rng: inout some RandomNumberGenerator
    ) {}
}
