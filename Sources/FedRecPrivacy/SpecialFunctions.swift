#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Numerically careful scalar functions the accountants need (log-space arithmetic, normal CDF).
enum Special {
    /// log(eˣ + eʸ) without overflow.
    @inline(__always)
    static func logAddExp(_ x: Double, _ y: Double) -> Double {
        let (a, b) = x < y ? (x, y) : (y, x)
        if a == -.infinity { return b }
        return b + log1p(exp(a - b))
    }

    /// log(eˣ − eʸ) for x ≥ y (−∞ when equal).
    @inline(__always)
    static func logSubExp(_ x: Double, _ y: Double) -> Double {
        precondition(x >= y, "logSubExp needs x >= y")
        if y == -.infinity { return x }
        if x == y { return -.infinity }
        return x + log1p(-exp(y - x))
    }

    /// The standard normal CDF Φ(x) = erfc(−x/√2)/2, accurate in both tails.
    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// log Φ(x), accurate far into the lower tail (where Φ underflows) by the asymptotic series of
    /// the Mills ratio.
    static func logNormalCDF(_ x: Double) -> Double {
        if x > -20 {
            let p = normalCDF(x)
            return x > 0 ? log1p(-normalCDF(-x)) : log(p)
        }
        // Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸ …) for x → −∞.
        let t = 1 / (x * x)
        let series = 1 - t * (1 - 3 * t * (1 - 5 * t * (1 - 7 * t)))
        return -0.5 * x * x - log(-x) - 0.5 * log(2 * Double.pi) + log(series)
    }

    /// The inverse of Φ: the x with Φ(x) = p, by Acklam's rational start and Newton–Halley steps
    /// on erfc (relative error near machine precision for 1e-300 < p < 1).
    static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1")
        // Acklam (2003) initial approximation.
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Refine with Halley steps on log Φ (works in the far lower tail too).
        for _ in 0..<3 {
            let logP = logNormalCDF(x)
            let logPdf = -0.5 * x * x - 0.5 * log(2 * Double.pi)
            // f(x) = log Φ(x) − log p, f' = φ/Φ, f'' = −(φ/Φ)(x + φ/Φ).
            let ratio = exp(logPdf - logP)
            let f = logP - log(p)
            let f1 = ratio
            let f2 = -ratio * (x + ratio)
            let step = f / f1 / (1 - 0.5 * f * f2 / (f1 * f1))
            x -= step
            if abs(step) < 1e-15 * max(1, abs(x)) { break }
        }
        return x
    }
}
