#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The exact (ε, δ) curve of the Gaussian mechanism without sampling (Balle & Wang, "Improving the
/// Gaussian Mechanism for Differential Privacy", ICML 2018, Theorem 8).
///
/// T compositions of the Gaussian mechanism with noise multiplier z are exactly one Gaussian
/// mechanism with μ = √T / z (Dong, Roth & Su 2019: μ-GDP composes as √(Σμᵢ²)), and
/// δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2). This is the q = 1 closed form the accountants are
/// checked against, and what ``PLDAccountant`` uses when no event is subsampled.
public enum ExactGaussianPrivacy {
    /// μ = √(Σ countᵢ / zᵢ²): the single Gaussian equivalent to the composition.
    public static func mu(noiseMultiplier z: Double, steps: Int) -> Double {
        (Double(steps)).squareRoot() / z
    }

    /// δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2), computed in log space so it stays accurate
    /// when both terms are tiny.
    /// - Precondition: μ > 0 and ε ≥ 0.
    public static func delta(epsilon: Double, mu: Double) -> Double {
        precondition(mu > 0 && epsilon >= 0, "invalid Gaussian parameters")
        let a = Special.logNormalCDF(-epsilon / mu + mu / 2)
        let b = epsilon + Special.logNormalCDF(-epsilon / mu - mu / 2)
        if b >= a { return 0 }
        return exp(a) * -expm1(b - a)
    }

    /// The smallest ε ≥ 0 with δ(ε) ≤ `delta`, by bracketing and bisection to relative 1e-12,
    /// returning the upper end of the final bracket (so δ(ε) ≤ `delta` holds for the result).
    /// - Precondition: μ > 0 and 0 < δ < 1.
    public static func epsilon(delta target: Double, mu: Double) -> Double {
        precondition(mu > 0 && target > 0 && target < 1, "invalid Gaussian parameters")
        if delta(epsilon: 0, mu: mu) <= target { return 0 }
        var lo = 0.0
        var hi = max(1.0, mu * mu)
        while delta(epsilon: hi, mu: mu) > target { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi || hi - lo <= 1e-12 * hi { break }
            if delta(epsilon: mid, mu: mu) > target { lo = mid } else { hi = mid }
        }
        return hi
    }
}
