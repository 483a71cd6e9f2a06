import FedRecPrivacy

/// The privacy options of a run as a user states them (`--epsilon`, `--noise-multiplier`,
/// `--clip`, `--trust`, …), before they are resolved against the population into a ``PrivacyPlan``.
public struct PrivacySettings: Sendable, Hashable, Codable {
    /// False for a non-private run (`--no-dp`): no clipping, no noise, no accounting.
    public var enabled: Bool
    /// The ε budget. When ``noiseMultiplier`` is nil, z is calibrated so the planned rounds meet it.
    public var targetEpsilon: Double?
    /// A fixed noise multiplier z; the ε it spends is then reported (and capped by ``targetEpsilon`` if set).
    public var noiseMultiplier: Double?
    /// δ of the (ε, δ) guarantee; nil picks min(10⁻⁵, 1/(10·N)) for a population of N users.
    public var delta: Double?
    /// C: the L2 bound of each client's whole update.
    public var clipBound: Double
    /// Who adds the noise.
    public var trust: TrustModel
    /// m of `distributed` trust; nil picks ⌊qN − 3√(qN)⌋ (at least 1), so a round is discarded
    /// only with probability about 0.1% while the released noise stays close to z·C.
    public var minimumUpdates: Int?
    /// Per-party noise (the default) or one aggregate draw (a simulation shortcut).
    public var placement: NoisePlacement
    /// Secure noise (default) or seeded noise for reproducible simulations.
    public var noise: NoiseSource
    /// The accountant used to calibrate z (both are always reported).
    public var accountant: AccountantKind
    /// Adaptive clipping (Andrew et al. 2021); nil keeps C fixed. ``clipBound`` is then the initial bound.
    public var adaptiveClipping: AdaptiveClippingSettings? = nil

    /// Creates settings; the defaults are a private run at ε = 8 with distributed trust and secure noise.
    public init(
        enabled: Bool = true, targetEpsilon: Double? = 8, noiseMultiplier: Double? = nil, delta: Double? = nil,
        clipBound: Double = 0.5, trust: TrustModel = .distributed, minimumUpdates: Int? = nil,
        placement: NoisePlacement = .perParty, noise: NoiseSource = .secure, accountant: AccountantKind = .pld
    ) {
        self.enabled = enabled
        self.targetEpsilon = targetEpsilon
        self.noiseMultiplier = noiseMultiplier
        self.delta = delta
        self.clipBound = clipBound
        self.trust = trust
        self.minimumUpdates = minimumUpdates
        self.placement = placement
        self.noise = noise
        self.accountant = accountant
    }

    /// A non-private run.
    public static let none = PrivacySettings(enabled: false, targetEpsilon: nil)
}

/// How the clip bound adapts (Andrew et al., "Differentially Private Learning with Adaptive
/// Clipping", 2021).
public struct AdaptiveClippingSettings: Sendable, Hashable, Codable {
    /// γ: the quantile of update norms the bound tracks (0.5: the median).
    public var targetQuantile: Double
    /// η: the geometric step of the bound per round (the paper's 0.2).
    public var learningRate: Double
    /// σ_b: noise on the count of unclipped updates; nil picks qN/20 as the paper suggests.
    public var countNoiseStddev: Double?

    /// Creates the settings.
    public init(targetQuantile: Double = 0.5, learningRate: Double = 0.2, countNoiseStddev: Double? = nil) {
        self.targetQuantile = targetQuantile
        self.learningRate = learningRate
        self.countNoiseStddev = countNoiseStddev
    }
}
