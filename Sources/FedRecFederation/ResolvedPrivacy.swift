import FedRecPrivacy

/// Privacy settings resolved for one population and schedule: FedRecPrivacy's ``PrivacyPlan``
/// (z, δ, q, T, mechanism) plus what a simulation adds — defaults for δ and m that depend on the
/// population, the ε the plan spends under both accountants, and where the noise comes from.
public struct ResolvedPrivacy: Sendable, Hashable, Codable {
    /// The calibrated (or fixed-noise) plan.
    public var plan: PrivacyPlan
    /// The ε budget the ledger enforces: the target when one was given, else the plan's ε.
    public var epsilonBudget: Double
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

    /// The clip bound, noise multiplier, trust model and minimum update count.
    public var mechanism: GaussianMechanism { plan.mechanism }
    /// δ of every (ε, δ) statement.
    public var delta: Double { plan.delta }
    /// Poisson sampling rate q.
    public var samplingRate: Double { plan.samplingRate }
    /// Rounds planned.
    public var rounds: Int { plan.rounds }

    /// The default δ for a population of `population` users: min(10⁻⁵, 1/(10·N)), below 1/N as
    /// user-level DP requires (δ ≥ 1/N would allow publishing one user's data outright).
    public static func defaultDelta(population: Int) -> Double {
        min(1e-5, 1 / (10 * Double(max(population, 1))))
    }

    /// The default m of distributed trust for `expected` = qN participants per round:
    /// ⌊qN − 3√(qN)⌋, at least 1, so a round is discarded with probability about 0.1% while the
    /// noise of a released sum of n updates, zC·√(n/m), stays close to zC.
    public static func defaultMinimumUpdates(expected: Double) -> Int {
        max(1, Int((expected - 3 * expected.squareRoot()).rounded(.down)))
    }

    /// Resolves `settings` for `population` users sampled at rate `q` for `rounds` rounds.
    /// - Throws: `PrivacyError` for invalid or unreachable settings (the message names the option).
    public init(_ settings: PrivacySettings, population: Int, samplingRate q: Double, rounds: Int) throws {
        precondition(settings.enabled, "ResolvedPrivacy is for private runs")
        let delta = settings.delta ?? Self.defaultDelta(population: population)
        let m = settings.trust == .distributed
            ? settings.minimumUpdates ?? Self.defaultMinimumUpdates(expected: q * Double(population)) : 1
        if let z = settings.noiseMultiplier {
            plan = try .fixedNoise(noiseMultiplier: z, delta: delta, samplingRate: q, rounds: rounds, clipBound: settings.clipBound,
                                   trust: settings.trust, minimumUpdates: m, accountant: settings.accountant)
        } else if let target = settings.targetEpsilon {
            plan = try .calibrated(targetEpsilon: target, delta: delta, samplingRate: q, rounds: rounds, clipBound: settings.clipBound,
                                   trust: settings.trust, minimumUpdates: m, accountant: settings.accountant)
        } else {
            throw PrivacyError(.invalidParameter, "a private run needs --epsilon E (a budget to calibrate the noise to) or --noise-multiplier z; or --no-dp for a non-private run")
        }
        let z = plan.noiseMultiplier
        plannedEpsilonRDP = try NoiseCalibration.epsilon(noiseMultiplier: z, samplingRate: q, steps: rounds, delta: delta, accountant: .rdp)
        plannedEpsilonPLD = try NoiseCalibration.epsilon(noiseMultiplier: z, samplingRate: q, steps: rounds, delta: delta, accountant: .pld)
        epsilonBudget = settings.targetEpsilon ?? plan.epsilonBudget
        calibrated = settings.noiseMultiplier == nil
        placement = settings.placement
        noise = settings.noise
    }
}
