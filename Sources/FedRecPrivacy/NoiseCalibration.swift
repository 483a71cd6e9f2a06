#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the smallest noise multiplier z that meets a target (ε, δ) for T steps of the
/// Poisson-subsampled Gaussian at rate q (what `fedrec privacy calibrate` and `--epsilon` use).
///
/// ε(z) decreases in z, so the search brackets the answer and shrinks the bracket (secant steps on
/// log ε against log z, with geometric bisection as the fallback) until [lo, hi] is within the relative
/// tolerance, and returns **hi**: a z whose ε was computed and
/// is ≤ the target, never one that merely should be. For the PLD accountant the bracket starts from the
/// RDP answer, which is feasible for PLD too (ε_PLD ≤ ε_RDP), so only a few PLD evaluations are needed.
public enum NoiseCalibration {
    /// The answer of a calibration.
    public struct Result: Sendable, Hashable, Codable {
        /// The calibrated noise multiplier z.
        public var noiseMultiplier: Double
        /// ε at `noiseMultiplier` (≤ the target).
        public var epsilon: Double
        /// The accountant that computed ε.
        public var accountant: AccountantKind
        /// How many ε evaluations the search made.
        public var evaluations: Int
    }

    /// The largest noise multiplier the search will consider.
    public static let maximumNoiseMultiplier = 1e4
    /// The smallest noise multiplier the search will consider.
    public static let minimumNoiseMultiplier = 1e-2

    /// ε of T steps of the subsampled Gaussian with multiplier z at rate q, under `accountant`
    /// (PLD on a grid of spacing `pldInterval`).
    /// - Throws: `PrivacyError.invalidParameter` for z ≤ 0, q ∉ (0, 1], T < 1 or δ ∉ (0, 1).
    public static func epsilon(
        noiseMultiplier z: Double, samplingRate q: Double, steps: Int, delta: Double, accountant: AccountantKind,
        pldInterval: Double = PLDAccountant.defaultInterval
    ) throws -> Double {
        try PrivacyError.checkDelta(delta)
        var acc: any PrivacyAccountant = accountant == .pld ? PLDAccountant(valueDiscretizationInterval: pldInterval) : RDPAccountant()
        try acc.compose(PrivacyEvent.sampledGaussian(noiseMultiplier: z, samplingRate: q, steps: steps))
        return try acc.epsilon(delta: delta)
    }

    /// The smallest z (to `relativeTolerance`) with ε(z) ≤ `targetEpsilon` at `delta` over `steps` steps
    /// at sampling rate `samplingRate`. `pldInterval` is the PLD grid spacing (coarser is faster and
    /// slightly more conservative).
    /// - Throws: `PrivacyError.invalidParameter` for ε ≤ 0, δ ∉ (0, 1), q ∉ (0, 1], T < 1 or a tolerance
    ///   outside (0, 0.5); `PrivacyError.unreachableTarget` if even z = 10⁴ does not reach the target.
    public static func calibrate(
        targetEpsilon: Double, delta: Double, samplingRate q: Double, steps: Int,
        accountant: AccountantKind = .pld, relativeTolerance: Double = 1e-3,
        pldInterval: Double = PLDAccountant.defaultInterval
    ) throws -> Result {
        guard pldInterval > 0, pldInterval <= 0.1 else {
            throw PrivacyError(.invalidParameter, "PLD interval = \(pldInterval) is outside (0, 0.1]")
        }
        try PrivacyError.checkEpsilon(targetEpsilon, name: "target epsilon")
        guard targetEpsilon > 0 else {
            throw PrivacyError(.invalidParameter, "target epsilon = \(targetEpsilon) must be positive")
        }
        try PrivacyError.checkDelta(delta)
        try PrivacyError.checkSamplingRate(q)
        try PrivacyError.checkCount(steps)
        guard relativeTolerance > 0, relativeTolerance < 0.5 else {
            throw PrivacyError(.invalidParameter, "relative tolerance = \(relativeTolerance) is outside (0, 0.5)")
        }
        var evaluations = 0
        var cache: [Double: Double] = [:]
        func eps(_ z: Double) throws -> Double {
            if let e = cache[z] { return e }
            evaluations += 1
            let e = try epsilon(noiseMultiplier: z, samplingRate: q, steps: steps, delta: delta, accountant: accountant, pldInterval: pldInterval)
            cache[z] = e
            return e
        }

        // Bracket: hi feasible (ε ≤ target), lo infeasible.
        var hi: Double
        var lo: Double? = nil
        if accountant == .pld {
            let rdp = try calibrate(targetEpsilon: targetEpsilon, delta: delta, samplingRate: q, steps: steps,
                                    accountant: .rdp, relativeTolerance: 1e-2)
            evaluations += rdp.evaluations
            hi = rdp.noiseMultiplier
        } else {
            hi = 1
        }
        while try eps(hi) > targetEpsilon {
            lo = hi
            hi *= 2
            if hi > maximumNoiseMultiplier {
                let best = try eps(maximumNoiseMultiplier)
                if best > targetEpsilon {
                    throw PrivacyError(.unreachableTarget, "target epsilon = \(targetEpsilon) at delta = \(delta) is unreachable over \(steps) steps at sampling rate \(q): even noise multiplier z = \(maximumNoiseMultiplier) gives epsilon = \(best); raise epsilon or delta, or lower the steps or the sampling rate")
                }
                hi = maximumNoiseMultiplier
            }
        }
        if lo == nil {
            var candidate = hi * (accountant == .pld ? 0.8 : 0.5)
            while true {
                if candidate < minimumNoiseMultiplier {
                    return Result(noiseMultiplier: hi, epsilon: try eps(hi), accountant: accountant, evaluations: evaluations)
                }
                if try eps(candidate) > targetEpsilon { lo = candidate; break }
                hi = candidate
                candidate *= 0.5
            }
        }
        var low = lo!
        // Shrink [low, hi] to the tolerance. Each step aims a secant of log ε against log z (ε(z) is
        // smooth and close to a power law) a little above the estimated root, then probes just below
        // it; near the root one pair of evaluations usually closes the bracket. Steps that would not
        // shrink the bracket enough fall back to geometric bisection.
        func gap(_ z: Double) throws -> Double { log(try eps(z)) - log(targetEpsilon) }
        while hi / low - 1 > relativeTolerance {
            var next = (low * hi).squareRoot()
            let (gLow, gHigh) = (try gap(low), try gap(hi))
            if gLow.isFinite && gHigh.isFinite && gLow > gHigh {
                let t = gLow / (gLow - gHigh)  // fraction of the way from log low to log hi
                let root = exp(log(low) + t * (log(hi) - log(low)))
                let aim = root * (1 + relativeTolerance / 3)
                if aim > low * (1 + relativeTolerance / 4) && aim < hi / (1 + relativeTolerance / 4) { next = aim }
            }
            if try eps(next) > targetEpsilon {
                low = next
            } else {
                hi = next
                let probe = hi / (1 + relativeTolerance) * (1 + 1e-9)
                if probe > low {
                    if try eps(probe) > targetEpsilon { low = probe } else { hi = probe }
                }
            }
        }
        return Result(noiseMultiplier: hi, epsilon: try eps(hi), accountant: accountant, evaluations: evaluations)
    }
}
