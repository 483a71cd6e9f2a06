#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The privacy loss distribution of one step of the Poisson-subsampled Gaussian mechanism, both
/// directions of add/remove adjacency, discretized pessimistically by connect-the-dots.
///
/// With noise N(0, z²) on a sensitivity-1 sum and sampling rate q (Koskela et al. 2020; Zhu, Dong &
/// Wang 2022 for the dominating pairs):
/// - remove: P = (1 − q)N(0, z²) + qN(−1, z²), Q = N(0, z²), loss L(x) = log(1 − q + q e^((−2x−1)/(2z²)));
/// - add:    P = N(0, z²), Q = (1 − q)N(0, z²) + qN(1, z²), loss L(x) = −log(1 − q + q e^((2x−1)/(2z²))).
/// Both losses decrease in x, so δ(ε) = P(X ≤ x*) − e^ε Q(X ≤ x*) with L(x*) = ε, in closed form
/// through Φ. The noise is truncated where each Gaussian has tail mass ½e⁻⁵⁰ (as `dp_accounting`),
/// which fixes the range of ε on the grid; the upper cut-off's mass ends up in the +∞ mass.
enum SampledGaussianPLD {
    /// The two directions of add/remove adjacency.
    enum Direction: Sendable { case remove, add }

    /// log of the truncation mass per tail (`dp_accounting`'s `log_mass_truncation_bound`).
    static let logTruncationMass = -50.0

    /// The privacy loss at x.
    static func loss(_ x: Double, sigma: Double, q: Double, direction: Direction) -> Double {
        let s2 = 2 * sigma * sigma
        switch direction {
        case .remove:
            return q == 1 ? (-2 * x - 1) / s2 : Special.logAddExp(log1p(-q), log(q) + (-2 * x - 1) / s2)
        case .add:
            return q == 1 ? -(2 * x - 1) / s2 : -Special.logAddExp(log1p(-q), log(q) + (2 * x - 1) / s2)
        }
    }

    /// The exact hockey-stick divergence δ(ε) of one step in `direction`.
    static func delta(epsilon eps: Double, sigma: Double, q: Double, direction: Direction) -> Double {
        let s2 = sigma * sigma
        switch direction {
        case .remove:
            if q < 1 && eps <= log1p(-q) { return -expm1(eps) }
            let l0 = q == 1 ? eps : log(expm1(eps) + q) - log(q)
            let x = -0.5 - s2 * l0
            let upper = (1 - q) * Special.normalCDF(x / sigma) + q * Special.normalCDF((x + 1) / sigma)
            return min(1, max(0, upper - exp(eps + Special.logNormalCDF(x / sigma))))
        case .add:
            if q < 1 && eps >= -log1p(-q) { return 0 }
            let l = q == 1 ? eps : -(log(expm1(-eps) + q) - log(q))
            let x = 0.5 - s2 * l
            let lowerLog = q == 1
                ? Special.logNormalCDF((x - 1) / sigma)
                : Special.logAddExp(log1p(-q) + Special.logNormalCDF(x / sigma), log(q) + Special.logNormalCDF((x - 1) / sigma))
            return min(1, max(0, Special.normalCDF(x / sigma) - exp(eps + lowerLog)))
        }
    }

    /// The range of grid indices connect-the-dots needs: the losses at the noise truncation points.
    static func gridRange(sigma: Double, q: Double, direction: Direction, interval: Double) -> ClosedRange<Int> {
        let cut = sigma * Special.normalQuantile(0.5 * exp(logTruncationMass))  // negative
        let (lowerX, upperX): (Double, Double) = direction == .remove ? (cut - 1, -cut) : (cut, -cut + 1)
        let epsUpper = loss(lowerX, sigma: sigma, q: q, direction: direction)
        let epsLower = loss(upperX, sigma: sigma, q: q, direction: direction)
        let lo = Int((epsLower / interval).rounded(.down))
        let hi = Int((epsUpper / interval).rounded(.up))
        return lo...max(lo, hi)
    }

    /// The pessimistic connect-the-dots PLD of one step in `direction`.
    /// - Complexity: O(n) normal-CDF evaluations, n = the grid size of ``gridRange(sigma:q:direction:interval:)``.
    static func discretize(sigma: Double, q: Double, direction: Direction, interval: Double) -> DiscretePLD {
        let range = gridRange(sigma: sigma, q: q, direction: direction, interval: interval)
        let deltas = range.map { delta(epsilon: Double($0) * interval, sigma: sigma, q: q, direction: direction) }
        return DiscretePLD.connectTheDots(interval: interval, lowerIndex: range.lowerBound, deltas: deltas)
    }
}
