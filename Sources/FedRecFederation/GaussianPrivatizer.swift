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
public struct GaussianPrivatizer: UpdatePrivatizer {
    /// Clip bound, noise multiplier, trust model and minimum update count.
    public let mechanism: GaussianMechanism
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
    }

    /// Always true: runs with this transform must use Poisson sampling.
    public var isPrivate: Bool { true }

    /// Clips the update to L2 ≤ C (keeping it sparse) and, when the client adds noise, makes it
    /// dense and adds N(0, σ_client²) to every coordinate: what a private client sends is dense.
    public func privatizeClientUpdate(_ update: inout ModelUpdate, using rng: inout some RandomNumberGenerator) {
        let bound = mechanism.clipBound
        let norm = update.norm()
        if norm > bound { update.scale(by: Float(bound / norm)) }
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
