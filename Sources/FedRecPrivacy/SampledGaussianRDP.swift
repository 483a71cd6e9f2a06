#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Rényi DP of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar & Zhang, "Rényi
/// Differential Privacy of the Sampled Gaussian Mechanism", 2019).
///
/// With μ₀ = N(0, z²), μ₁ = N(1, z²) and the mixture μ = (1 − q)μ₀ + qμ₁, the mechanism is
/// (α, log(A_α)/(α − 1))-RDP for add/remove adjacency, where A_α = E_{x∼μ₀}[(μ(x)/μ₀(x))^α]
/// (their Theorem 4 shows A_α also bounds the other direction, so A_α is the worst case).
public enum SampledGaussianRDP {
    /// The RDP ε(α) of one step of the Poisson-subsampled Gaussian at order α > 1.
    ///
    /// q = 1 gives the plain Gaussian α/(2z²). Integer α uses the exact binomial expansion
    /// A_α = Σₖ C(α, k)(1 − q)^(α−k) qᵏ exp((k² − k)/(2z²)) summed in log space; fractional α
    /// integrates A_α numerically (trapezoid rule on a grid of spacing ≤ 1/6 of the narrowest
    /// width of the log-integrand, which for this analytic integrand is exact to rounding).
    /// - Precondition: 0 < q ≤ 1, z > 0, α > 1.
    public static func rdp(samplingRate q: Double, noiseMultiplier z: Double, order alpha: Double) -> Double {
        precondition(q > 0 && q <= 1 && z > 0 && alpha > 1, "invalid RDP parameters")
        if q == 1 { return alpha / (2 * z * z) }
        let logA = alpha == alpha.rounded() && alpha < 1e6
            ? logAInteger(samplingRate: q, noiseMultiplier: z, order: Int(alpha))
            : logAFractional(samplingRate: q, noiseMultiplier: z, order: alpha)
        return max(0, logA) / (alpha - 1)
    }

    /// log A_α for integer α ≥ 2 by the exact binomial sum, in log space.
    /// - Complexity: O(α).
    public static func logAInteger(samplingRate q: Double, noiseMultiplier z: Double, order alpha: Int) -> Double {
        let logQ = log(q)
        let log1mQ = log1p(-q)
        let a = Double(alpha)
        let twoSigma2 = 2 * z * z
        // Terms tₖ = log C(α,k) + k log q + (α−k) log(1−q) + (k²−k)/(2z²); sum with a running max.
        var terms = [Double](repeating: 0, count: alpha + 1)
        var logBinom = 0.0
        var maxTerm = -Double.infinity
        for k in 0...alpha {
            let kd = Double(k)
            if k > 0 { logBinom += log((a - kd + 1) / kd) }
            let t = logBinom + kd * logQ + (a - kd) * log1mQ + (kd * kd - kd) / twoSigma2
            terms[k] = t
            maxTerm = max(maxTerm, t)
        }
        var sum = 0.0
        for t in terms { sum += exp(t - maxTerm) }
        return maxTerm + log(sum)
    }

    /// log A_α for any real α > 1 by numerical integration of
    /// A_α = ∫ φ_z(x) · ((1 − q) + q·exp((2x − 1)/(2z²)))^α dx.
    ///
    /// The log-integrand h(x) has curvature |h''| ≤ 1/z² + α/(4z⁴), so its features are no
    /// narrower than w = (1/z² + α/(4z⁴))^(−1/2); the grid spacing is w/8 and the range covers
    /// 16 widths beyond both modes (near 0 and near α), where the integrand is below e⁻¹²⁸ of its peak.
    /// - Complexity: O(α/w + z/w) evaluations of exp/log.
    public static func logAFractional(samplingRate q: Double, noiseMultiplier z: Double, order alpha: Double) -> Double {
        let z2 = z * z
        let width = 1 / (1 / z2 + alpha / (4 * z2 * z2)).squareRoot()
        let step = width / 8
        let lower = -16 * z - 1
        let upper = alpha + 16 * z + 1
        let count = Int(((upper - lower) / step).rounded(.up)) + 1
        let logQ = log(q)
        let log1mQ = log1p(-q)
        let logNorm = -0.5 * log(2 * Double.pi * z2)
        var values = [Double](repeating: 0, count: count)
        var maxValue = -Double.infinity
        for i in 0..<count {
            let x = lower + Double(i) * step
            let l1 = logQ + (2 * x - 1) / (2 * z2)
            let mixture = Special.logAddExp(log1mQ, l1)
            let h = logNorm - x * x / (2 * z2) + alpha * mixture
            values[i] = h
            maxValue = max(maxValue, h)
        }
        var sum = 0.0
        for i in 0..<count {
            let weight = (i == 0 || i == count - 1) ? 0.5 : 1.0
            sum += weight * exp(values[i] - maxValue)
        }
        var logA = maxValue + log(sum * step)
        if logA < 1e-2 {
            // Small A_α − 1 (small q, large z): integrate A_α − 1 = ∫ φ(x)·expm1(α·log1p(q·expm1(l(x)))) dx
            // directly, which keeps the relative accuracy that log A loses to cancellation near 1.
            var direct = 0.0
            for i in 0..<count {
                let x = lower + Double(i) * step
                let weight = (i == 0 || i == count - 1) ? 0.5 : 1.0
                let excess = expm1(alpha * log1p(q * expm1((2 * x - 1) / (2 * z2))))
                direct += weight * exp(logNorm - x * x / (2 * z2)) * excess
            }
            logA = log1p(direct * step)
        }
        // Round up by far more than the quadrature error, so the bound can only be pessimistic.
        return logA * (1 + 1e-9) + 1e-17
    }
}
