/// The privacy settings of a planned run, resolved once before training: either a target ε (calibrate
/// z for the planned rounds) or a given z (compute the ε it will spend). What `fedrec simulate
/// --epsilon E --delta D [--trust …]` and `--noise-multiplier z` resolve to.
public struct PrivacyPlan: Sendable, Hashable, Codable {
    /// The ε budget of the run (the target when calibrated, else the planned ε).
    public let epsilonBudget: Double
    /// δ of every (ε, δ) statement.
    public let delta: Double
    /// q: the Poisson sampling rate of clients per round.
    public let samplingRate: Double
    /// T: the planned rounds.
    public let rounds: Int
    /// z: the noise multiplier of every released sum.
    public let noiseMultiplier: Double
    /// ε after the planned rounds under ``accountant`` (≤ ``epsilonBudget``).
    public let plannedEpsilon: Double
    /// The accountant that computed ``plannedEpsilon``.
    public let accountant: AccountantKind
    /// The mechanism: clip bound, trust model and noise placement parameters.
    public let mechanism: GaussianMechanism

    /// Calibrates the smallest z whose ε after `rounds` rounds at rate `samplingRate` is ≤ `targetEpsilon`.
    /// - Throws: `PrivacyError.invalidParameter` for bad parameters; `.unreachableTarget` if no z in
    ///   the search range meets the target.
    public static func calibrated(
        targetEpsilon: Double, delta: Double, samplingRate: Double, rounds: Int, clipBound: Double,
        trust: TrustModel = .distributed, minimumUpdates: Int = 1, accountant: AccountantKind = .pld
    ) throws -> PrivacyPlan {
        let result = try NoiseCalibration.calibrate(targetEpsilon: targetEpsilon, delta: delta, samplingRate: samplingRate,
                                                    steps: rounds, accountant: accountant)
        let mechanism = try GaussianMechanism(noiseMultiplier: result.noiseMultiplier, clipBound: clipBound,
                                              trust: trust, minimumUpdates: minimumUpdates)
        return PrivacyPlan(epsilonBudget: targetEpsilon, delta: delta, samplingRate: samplingRate, rounds: rounds,
                           noiseMultiplier: result.noiseMultiplier, plannedEpsilon: result.epsilon,
                           accountant: accountant, mechanism: mechanism)
    }

    /// The plan for a given z: ε after `rounds` rounds becomes the budget (so the ledger refuses any
    /// round beyond the plan).
    /// - Throws: `PrivacyError.invalidParameter` for bad parameters.
    public static func fixedNoise(
        noiseMultiplier: Double, delta: Double, samplingRate: Double, rounds: Int, clipBound: Double,
        trust: TrustModel = .distributed, minimumUpdates: Int = 1, accountant: AccountantKind = .pld
    ) throws -> PrivacyPlan {
        let mechanism = try GaussianMechanism(noiseMultiplier: noiseMultiplier, clipBound: clipBound,
                                              trust: trust, minimumUpdates: minimumUpdates)
        let epsilon = try NoiseCalibration.epsilon(noiseMultiplier: noiseMultiplier, samplingRate: samplingRate,
                                                   steps: rounds, delta: delta, accountant: accountant)
        return PrivacyPlan(epsilonBudget: epsilon, delta: delta, samplingRate: samplingRate, rounds: rounds,
                           noiseMultiplier: noiseMultiplier, plannedEpsilon: epsilon, accountant: accountant,
                           mechanism: mechanism)
    }

    /// A fresh ledger for this plan.
    /// - Throws: as ``PrivacyLedger/init(runID:configFingerprint:epsilonBudget:delta:mechanism:samplingRate:noiseSource:)``.
    public func makeLedger(runID: String, configFingerprint: String, noiseSource: NoiseSource) throws -> PrivacyLedger {
        try PrivacyLedger(runID: runID, configFingerprint: configFingerprint, epsilonBudget: epsilonBudget, delta: delta,
                          mechanism: mechanism, samplingRate: samplingRate, noiseSource: noiseSource)
    }
}
