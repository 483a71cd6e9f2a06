import FedRecPrivacy

/// Privacy settings resolved for one population and schedule: the noise multiplier, δ, m and the
/// ε the planned rounds will spend under each accountant.
public struct PrivacyPlan: Sendable, Hashable, Codable {
    /// The clip bound, noise multiplier, trust model and minimum update count.
    public var mechanism: GaussianMechanism
    /// δ of every (ε, δ) statement.
    public var delta: Double
    /// The ε budget the ledger enforces.
    public var epsilonBudget: Double
    /// Poisson sampling rate q.
    public var samplingRate: Double
    /// Rounds planned.
    public var rounds: Int
    /// ε of the planned rounds under RDP.
    public var plannedEpsilonRDP: Double
    /// ε of the planned rounds under PLD.
    public var plannedEpsilonPLD: Double
    /// Whether z was calibrated from the budget (true) or given (false).
    public var calibrated: Bool
    /// Per-party or aggregate noise.
    public var placement: NoisePlacement
    /// Where the noise comes from.
    public var noise: NoiseSource

    /// The default δ for a population of `population` users: min(10⁻⁵, 1/(10·N)), below 1/N as
    /// user-level DP requires (δ ≥ 1/N would allow publishing one user's data outright).
    public static func defaultDelta(population: Int) -> Double {
        min(1e-5, 1 / (10 * Double(max(population, 1))))
    }

    /// The default m of distributed trust for an expected `expected` = qN participants per round:
    /// ⌊qN − 3√(qN)⌋, at least 1.
    public static func defaultMinimumUpdates(expected: Double) -> Int {
        max(1, Int((expected - 3 * expected.squareRoot()).rounded(.down)))
    }

    /// Resolves `settings` for `population` users sampled at rate `q` for `rounds` rounds.
    /// - Throws: `PrivacyError` for invalid or unreachable settings (the message names the option).
    public init(_ settings: PrivacySettings, population: Int, samplingRate q: Double, rounds: Int) throws {
        precondition(settings.enabled, "PrivacyPlan is for private runs")
        let delta = settings.delta ?? Self.defaultDelta(population: population)
        let m: Int
        if settings.trust == .distributed {
            m = settings.minimumUpdates ?? Self.defaultMinimumUpdates(expected: q * Double(population))
        } else {
            m = 1
        }
        let z: Double
        if let given = settings.noiseMultiplier {
            z = given
        } else if let target = settings.targetEpsilon {
            z = try NoiseCalibration.calibrate(targetEpsilon: target, delta: delta, samplingRate: q, steps: rounds,
                                               accountant: settings.accountant).noiseMultiplier
        } else {
            throw PrivacyError(.invalidParameter, "a private run needs --epsilon E (a budget to calibrate the noise to) or --noise-multiplier z; or --no-dp for a non-private run")
        }
        mechanism = try GaussianMechanism(noiseMultiplier: z, clipBound: settings.clipBound, trust: settings.trust, minimumUpdates: m)
        self.delta = delta
        samplingRate = q
        self.rounds = rounds
        plannedEpsilonRDP = try NoiseCalibration.epsilon(noiseMultiplier: z, samplingRate: q, steps: rounds, delta: delta, accountant: .rdp)
        plannedEpsilonPLD = try NoiseCalibration.epsilon(noiseMultiplier: z, samplingRate: q, steps: rounds, delta: delta, accountant: .pld)
        epsilonBudget = settings.targetEpsilon ?? max(plannedEpsilonRDP, plannedEpsilonPLD)
        calibrated = settings.noiseMultiplier == nil
        placement = settings.placement
        noise = settings.noise
    }
}
