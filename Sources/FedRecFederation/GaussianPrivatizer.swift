import FedRecMath
import FedRecPrivacy

/// The differentially private transform of DP-FedAvg (McMahan et al., "Learning Differentially
/// Private Recurrent Language Models", 2018): each client's whole update is clipped to L2 ≤ C, and
/// Gaussian noise is added where the trust model puts it (FedRecPrivacy's ``GaussianMechanism``),
/// so every released sum carries noise of standard deviation at least z·C.
///
/// Noise comes from the system CSPRNG (``SecureGenerator``) unless the run asked for seeded noise
/// (`NoiseSource.seeded`, reproducible simulations only); the client's seeded generator is then used,
/// so a seed reproduces the run bit for bit.
///
/// With adaptive clipping (Andrew et al. 2021) the clip bound follows a quantile of the update
/// norms: clients report whether they were clipped, the server noises the **centred** count
/// Σ(bᵢ − ½) over the bits it summed (sensitivity ½; ``AdaptiveClipping``) and moves C
/// geometrically. The count is a second query on the same users, so the update noise uses
/// z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) > z and the pair costs exactly a Gaussian with the accounted z.
/// (The count noise is drawn once by the aggregator, as in the paper's central setting.)
public struct GaussianPrivatizer: UpdatePrivatizer {
    /// Clip bound, noise multiplier (z_Δ under adaptive clipping), trust model and minimum update count.
    public private(set) var mechanism: GaussianMechanism
    /// The adaptive clipping state, if the bound adapts.
    public private(set) var adaptive: AdaptiveClipping?
    /// Where client noise is drawn: by each party (the default), or once for the aggregate
    /// (a simulation shortcut with the same distribution of the released sum).
    public let placement: NoisePlacement
    /// Where the noise's randomness comes from.
    public let noise: NoiseSource

    /// Creates the transform.
    public init(mechanism: GaussianMechanism, placement: NoisePlacement = .perParty, noise: NoiseSource = .secure) {
        self.mechanism = mechanism
        self.placement = placement
        self.noise = noise
        adaptive = nil
    }

    /// Creates the transform with adaptive clipping: `accounted` is the mechanism the accountant
    /// composes (multiplier z, the initial clip bound); the update noise is raised to z_Δ.
    /// - Throws: `PrivacyError.invalidParameter` if 2σ_b ≤ z (the count would cost more than z allows).
    public init(accounted: GaussianMechanism, adaptive: AdaptiveClipping, placement: NoisePlacement = .perParty,
                noise: NoiseSource = .secure) throws {
        mechanism = try GaussianMechanism(
            noiseMultiplier: try adaptive.updateNoiseMultiplier(forAccounted: accounted.noiseMultiplier),
            clipBound: adaptive.clipBound, trust: accounted.trust, minimumUpdates: accounted.minimumUpdates)
        self.adaptive = adaptive
        self.placement = placement
        self.noise = noise
    }

    /// 1 when the update norm is within the current bound (adaptive clipping only; else 0).
    public func unclippedIndicator(norm: Double) -> Double {
        adaptive.map { $0.unclippedIndicator(norm: norm) } ?? 0
    }

    /// Under adaptive clipping, after a released round: noises the centred count of unclipped
    /// updates, Σ(bᵢ − ½) over the `bitsSummed` bits aggregated, and moves the clip bound (the
    /// noise scales with it, z_Δ·C).
    public mutating func finishRound(
        unclippedCount: Double, bitsSummed: Int, expectedParticipants: Double, released: Bool,
        using rng: inout some RandomNumberGenerator
    ) {
        guard var state = adaptive, released, expectedParticipants > 0 else { return }
        switch noise {
        case .seeded:
            state.update(unclippedCount: unclippedCount, bitsSummed: bitsSummed,
                         expectedParticipants: expectedParticipants, using: &rng)
        case .secure:
            var secure = SecureGenerator()
            state.update(unclippedCount: unclippedCount, bitsSummed: bitsSummed,
                         expectedParticipants: expectedParticipants, using: &secure)
        }
        adaptive = state
        if let next = try? GaussianMechanism(noiseMultiplier: mechanism.noiseMultiplier, clipBound: state.clipBound,
                                             trust: mechanism.trust, minimumUpdates: mechanism.minimumUpdates) {
            mechanism = next
        }
    }

    /// Always true: runs with this transform must use Poisson sampling.
    public var isPrivate: Bool { true }

    /// Clips the update to L2 ≤ C (keeping it sparse) and, when the client adds noise, makes it
    /// dense and adds N(0, σ_client²) to every coordinate: what a private client sends is dense.
    public func privatizeClientUpdate(_ update: inout ModelUpdate, using rng: inout some RandomNumberGenerator) {
        let bound = mechanism.clipBound
        let norm = update.norm()
        if !norm.isFinite {
            // Non-finite values have no norm to clip: send zeros, so the bound holds for every input.
            update = .zero(itemCount: update.itemCount, dim: update.dim)
        } else if let factor = Clipping.scaleFactor(norm: norm, bound: bound) {
            update.scale(by: factor)  // the margin of Clipping: rounding cannot leave ‖Δ‖ above C
        }
        let stddev = mechanism.clientNoiseStddev
        guard placement == .perParty, stddev > 0 else { return }
        update.withDenseValues { values in
            switch noise {
            case .seeded:
                Gaussian.addNoise(to: values, stddev: stddev, using: &rng)
            case .secure:
                var secure = SecureGenerator()
                Gaussian.addNoise(to: values, stddev: stddev, using: &secure)
            }
        }
    }

    /// Refuses to release a `distributed` sum of fewer than m updates; otherwise adds the server's
    /// noise (central trust) and, under aggregate placement, the clients' total noise in one draw.
    public func privatizeAggregate(
        _ sum: inout [Float], participants: Int, using rng: inout some RandomNumberGenerator
    ) -> AggregateDecision {
        do {
            switch noise {
            case .seeded:
                try mechanism.noiseAggregate(&sum, updates: participants, placement: placement, using: &rng)
            case .secure:
                var secure = SecureGenerator()
                try mechanism.noiseAggregate(&sum, updates: participants, placement: placement, using: &secure)
            }
            return .release
        } catch {
            return .discard(reason: "\(error)")
        }
    }
}
