/// Exact sampling of the discrete Gaussian N_ℤ(0, σ²), P[X = x] ∝ exp(−x²/(2σ²)) for x ∈ ℤ, with
/// integer arithmetic only (Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential
/// Privacy", NeurIPS 2020, Algorithms 1–3).
///
/// σ² is a fraction a/b of positive integers, and every step is an integer comparison against a
/// uniform integer: Bernoulli(exp(−γ)) for rational γ (their Algorithm 1), the discrete Laplace
/// Lap_ℤ(t) by rejection (Algorithm 2), and the discrete Gaussian by rejection from Lap_ℤ(t) with
/// t = ⌊σ⌋ + 1 (Algorithm 3). No floating-point value is ever computed, so the output distribution is
/// exactly N_ℤ(0, a/b) given a uniform source of bits — the property that removes the
/// floating-point holes of a Float Gaussian (Mironov 2012). This is a sampler, not a mechanism: a
/// lattice mechanism must also round its input to ℤ (scaled) and account the rounding's effect on
/// sensitivity; secure aggregation needs the same integer noise.
///
/// - Complexity: O(1) expected uniform draws per sample (the rejection rates are bounded by constants,
///   their §5.2). Intermediates are exact `UInt128`s; the largest is (|y|·t·b − a)² for a proposal y,
///   so |y|·t·b must stay below 2⁶⁴ (e.g. σ ≤ 2¹⁰ with b ≤ 2²⁰ leaves |y| up to 2³³): a draw that
///   would overflow stops with a precondition failure rather than return a wrong value.
public struct DiscreteGaussian: Sendable, Hashable {
    /// a: the numerator of σ².
    public let varianceNumerator: UInt64
    /// b: the denominator of σ².
    public let varianceDenominator: UInt64
    /// t = ⌊σ⌋ + 1, the scale of the discrete Laplace proposals.
    public let laplaceScale: UInt64

    /// Creates the sampler of N_ℤ(0, a/b).
    /// - Precondition: 0 < a < 2³² and 0 < b < 2³² (so that the exact intermediates fit 128 bits).
    public init(varianceNumerator a: UInt64, varianceDenominator b: UInt64) {
        precondition(a > 0 && b > 0 && a < 1 << 32 && b < 1 << 32, "σ² = a/b needs 0 < a, b < 2³²")
        varianceNumerator = a
        varianceDenominator = b
        // ⌊σ⌋ = the largest s with s² ≤ a/b, i.e. s²·b ≤ a (integer square root by bisection).
        var lo: UInt64 = 0, hi: UInt64 = 1 << 32
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if UInt128(mid) * UInt128(mid) * UInt128(b) <= UInt128(a) { lo = mid } else { hi = mid }
        }
        laplaceScale = lo + 1
    }

    /// One exact draw of N_ℤ(0, σ²) (their Algorithm 3).
    public func sample(using rng: inout some RandomNumberGenerator) -> Int64 {
        let a = UInt128(varianceNumerator), b = UInt128(varianceDenominator), t = UInt128(laplaceScale)
        while true {
            let y = Self.discreteLaplace(scale: laplaceScale, using: &rng)
            // Accept with probability exp(−(|y| − σ²/t)²/(2σ²)) = exp(−(|y|·t·b − a)² / (2·a·b·t²)).
            let yt = UInt128(y.magnitude) * t * b
            let diff = yt >= a ? yt - a : a - yt
            let (num, o1) = diff.multipliedReportingOverflow(by: diff)
            precondition(!o1, "DiscreteGaussian: intermediate overflow")
            if Self.bernoulliExpMinus(numerator: num, denominator: 2 * a * b * t * t, using: &rng) { return y }
        }
    }

    /// Bernoulli(exp(−n/d)) exactly (their Algorithm 1): for γ ≤ 1 the parity of the first K with
    /// Bernoulli(γ/K) = 0; for γ > 1, ⌊γ⌋ draws of Bernoulli(exp(−1)) and one of exp(−(γ − ⌊γ⌋)).
    /// - Precondition: d > 0.
    public static func bernoulliExpMinus(
        numerator n: UInt128, denominator d: UInt128, using rng: inout some RandomNumberGenerator
    ) -> Bool {
        precondition(d > 0, "denominator must be positive")
        var whole = n / d
        let rest = n % d
        while whole > 0 {
            if !bernoulliExpMinusAtMostOne(numerator: 1, denominator: 1, using: &rng) { return false }
            whole -= 1
        }
        return bernoulliExpMinusAtMostOne(numerator: rest, denominator: d, using: &rng)
    }

    /// Bernoulli(exp(−n/d)) for 0 ≤ n/d ≤ 1.
    static func bernoulliExpMinusAtMostOne(
        numerator n: UInt128, denominator d: UInt128, using rng: inout some RandomNumberGenerator
    ) -> Bool {
        var k: UInt128 = 1
        while true {
            let (dk, overflow) = d.multipliedReportingOverflow(by: k)
            precondition(!overflow, "DiscreteGaussian: intermediate overflow")
            if !bernoulli(numerator: n, denominator: dk, using: &rng) { break }
            k += 1
        }
        return k % 2 == 1
    }

    /// Bernoulli(n/d): a uniform integer in [0, d) below n.
    @inline(__always)
    static func bernoulli(numerator n: UInt128, denominator d: UInt128, using rng: inout some RandomNumberGenerator) -> Bool {
        uniform(below: d, using: &rng) < n
    }

    /// A uniform integer in [0, d) by rejection from the smallest power of two ≥ d (no modulo bias).
    static func uniform(below d: UInt128, using rng: inout some RandomNumberGenerator) -> UInt128 {
        precondition(d > 0, "bound must be positive")
        if d == 1 { return 0 }
        let bits = 128 - (d - 1).leadingZeroBitCount
        let mask: UInt128 = bits == 128 ? ~0 : (1 << UInt128(bits)) - 1
        while true {
            let x = ((UInt128(rng.next()) << 64) | UInt128(rng.next())) & mask
            if x < d { return x }
        }
    }

    /// The discrete Laplace Lap_ℤ(t), P[X = x] ∝ exp(−|x|/t), exactly (their Algorithm 2 with s = 1).
    /// - Precondition: t > 0.
    public static func discreteLaplace(scale t: UInt64, using rng: inout some RandomNumberGenerator) -> Int64 {
        precondition(t > 0, "scale must be positive")
        let tt = UInt128(t)
        while true {
            let u = uniform(below: tt, using: &rng)
            if !bernoulliExpMinusAtMostOne(numerator: u, denominator: tt, using: &rng) { continue }
            var v: UInt128 = 0
            while bernoulliExpMinusAtMostOne(numerator: 1, denominator: 1, using: &rng) { v += 1 }
            let x = u + tt * v
            let negative = rng.next() & 1 == 1
            if negative && x == 0 { continue }
            precondition(x < UInt128(Int64.max), "DiscreteGaussian: sample out of range")
            return negative ? -Int64(x) : Int64(x)
        }
    }
}
