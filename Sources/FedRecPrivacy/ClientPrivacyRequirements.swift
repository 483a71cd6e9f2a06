/// What a client demands of a server's privacy plan before it sends anything: the client's own
/// floor, checked on its side, so that a misconfigured or dishonest server cannot talk it into
/// sending a weakly protected update.
///
/// Under distributed or local trust the client itself adds the noise that protects it against the
/// server; the server only *publishes* the parameters (z, C, m, placement). A client that simply
/// follows the published plan trusts the server to publish strong ones. With requirements set, the
/// client refuses (and sends nothing) when:
/// - the plan is not private at all, or puts no noise on the client (central trust, or the
///   `aggregate` placement where the server draws the clients' noise) and ``requireOwnNoise`` is set;
/// - z is below ``minimumNoiseMultiplier``, C above ``maximumClipBound``, m below ``minimumUpdates``;
/// - the guarantee against the server itself over the planned rounds exceeds
///   ``maximumServerViewEpsilon`` at ``delta``. The server sees each update with noise of multiplier
///   z/√m (distributed) or z (local) and knows who took part, so no sampling amplification applies:
///   T such Gaussians compose to one of μ = √T·√m/z (Dong, Roth & Su 2019), whose exact ε is
///   ``ExactGaussianPrivacy/epsilon(delta:mu:)``. T is the planned round count: a client that takes
///   part in every round spends at most this.
public struct ClientPrivacyRequirements: Sendable, Hashable, Codable {
    /// The smallest noise multiplier z accepted, or nil.
    public var minimumNoiseMultiplier: Double?
    /// The largest clip bound C accepted, or nil.
    public var maximumClipBound: Double?
    /// The smallest m (distributed trust) accepted, or nil. Local trust counts as m = 1.
    public var minimumUpdates: Int?
    /// Refuse plans where the client adds no noise itself (non-private, central trust, or aggregate placement).
    public var requireOwnNoise: Bool
    /// The largest ε against the server itself over the planned rounds, or nil.
    public var maximumServerViewEpsilon: Double?
    /// δ of ``maximumServerViewEpsilon``.
    public var delta: Double

    /// Creates requirements; the defaults demand nothing.
    /// - Throws: `PrivacyError.invalidParameter` for z ≤ 0, C ≤ 0, m < 1, ε ≤ 0 or δ ∉ (0, 1).
    public init(minimumNoiseMultiplier: Double? = nil, maximumClipBound: Double? = nil, minimumUpdates: Int? = nil,
                requireOwnNoise: Bool = false, maximumServerViewEpsilon: Double? = nil, delta: Double = 1e-5) throws {
        if let z = minimumNoiseMultiplier { try PrivacyError.checkNoiseMultiplier(z, name: "minimum noise multiplier") }
        if let c = maximumClipBound { try PrivacyError.checkClip(c) }
        if let m = minimumUpdates { try PrivacyError.checkCount(m, name: "minimum updates m") }
        if let e = maximumServerViewEpsilon, !(e > 0 && e.isFinite) {
            throw PrivacyError(.invalidParameter, "maximum server-view epsilon = \(e) must be a positive finite number")
        }
        guard delta > 0, delta < 1 else {
            throw PrivacyError(.invalidParameter, "delta = \(delta) is outside (0, 1)")
        }
        self.minimumNoiseMultiplier = minimumNoiseMultiplier
        self.maximumClipBound = maximumClipBound
        self.minimumUpdates = minimumUpdates
        self.requireOwnNoise = requireOwnNoise
        self.maximumServerViewEpsilon = maximumServerViewEpsilon
        self.delta = delta
    }

    /// True when nothing is demanded (every plan passes).
    public var isEmpty: Bool {
        minimumNoiseMultiplier == nil && maximumClipBound == nil && minimumUpdates == nil && !requireOwnNoise
            && maximumServerViewEpsilon == nil
    }

    /// ε against the server over `rounds` rounds of `mechanism`, at `delta`; nil under central
    /// trust (the server sees the clipped update in the clear: no guarantee against it).
    public func serverViewEpsilon(_ mechanism: GaussianMechanism, rounds: Int) -> Double? {
        guard mechanism.trust != .central, rounds >= 1 else { return nil }
        return ExactGaussianPrivacy.epsilon(delta: delta, mu: ExactGaussianPrivacy.mu(noiseMultiplier: Self.serverSeenMultiplier(mechanism), steps: rounds))
    }

    /// The noise multiplier of one update as the server sees it: z/√m (distributed), z (local).
    static func serverSeenMultiplier(_ mechanism: GaussianMechanism) -> Double {
        mechanism.noiseMultiplier / Double(mechanism.trust == .distributed ? mechanism.minimumUpdates : 1).squareRoot()
    }

    /// Checks a published plan: the mechanism (nil for a non-private plan), where the clients'
    /// noise is drawn, and the planned rounds.
    /// - Throws: `PrivacyError(.weakPlan)` naming the first requirement the plan fails, the value
    ///   published and the value required.
    public func check(_ mechanism: GaussianMechanism?, placement: NoisePlacement, rounds: Int) throws {
        if isEmpty { return }
        guard let mechanism else {
            throw PrivacyError(.weakPlan, "the server's plan is not private (no clipping, no noise), but this client requires privacy; ask the operator to run with --epsilon, or drop the client's privacy requirements")
        }
        if requireOwnNoise {
            if mechanism.trust == .central {
                throw PrivacyError(.weakPlan, "the server's plan uses central trust: the server adds all the noise and sees this client's update in the clear; this client requires adding its own noise (distributed or local trust)")
            }
            if placement == .aggregate {
                throw PrivacyError(.weakPlan, "the server's plan draws the clients' noise on the server (aggregate placement, a simulation shortcut): it sees this client's update in the clear; this client requires adding its own noise (per-party placement)")
            }
        }
        if let z = minimumNoiseMultiplier, mechanism.noiseMultiplier < z {
            throw PrivacyError(.weakPlan, "the server's noise multiplier z = \(mechanism.noiseMultiplier) is below this client's minimum \(z)")
        }
        if let c = maximumClipBound, mechanism.clipBound > c {
            throw PrivacyError(.weakPlan, "the server's clip bound C = \(mechanism.clipBound) is above this client's maximum \(c)")
        }
        if let m = minimumUpdates, mechanism.trust != .central {
            let published = mechanism.trust == .distributed ? mechanism.minimumUpdates : 1
            if published < m {
                throw PrivacyError(.weakPlan, "the server releases aggregates of as few as m = \(published) update(s), below this client's minimum \(m)")
            }
        }
        if let limit = maximumServerViewEpsilon {
            guard let e = serverViewEpsilon(mechanism, rounds: rounds) else {
                throw PrivacyError(.weakPlan, "the server's plan uses central trust: there is no guarantee against the server, and this client requires epsilon ≤ \(limit) against it")
            }
            if e > limit {
                throw PrivacyError(.weakPlan, "over the planned \(rounds) rounds the server itself could learn epsilon = \(e) (delta = \(delta)) about this client, above its maximum \(limit); the server needs more noise per update (it publishes z/√m = \(Self.serverSeenMultiplier(mechanism))) or fewer rounds")
            }
        }
    }
}
