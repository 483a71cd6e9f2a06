import Foundation
import Testing
@testable import FedRecMath

/// The exact discrete Gaussian sampler against its closed-form pmf P[X = x] = exp(−x²/(2σ²)) / Σ_y exp(−y²/(2σ²)).
@Suite struct DiscreteGaussianTests {
    /// The pmf on −k…k (k = 40σ + 10: the mass beyond is below 10⁻³⁰⁰).
    static func pmf(sigmaSquared s2: Double) -> (k: Int, p: [Double]) {
        let k = Int(40 * s2.squareRoot()) + 10
        let w = (-k...k).map { x in exp(-Double(x * x) / (2 * s2)) }
        let z = w.reduce(0, +)
        return (k, w.map { $0 / z })
    }

    /// The upper 10⁻⁴ point of χ²(df), Wilson–Hilferty: df·(1 − 2/(9df) + z·√(2/(9df)))³, z = 3.719.
    static func chiSquareCritical(df: Int) -> Double {
        let d = Double(df), c = 2 / (9 * d)
        return d * pow(1 - c + 3.719 * c.squareRoot(), 3)
    }

    @Test("⌊σ⌋ + 1 is computed exactly from the fraction", arguments: [
        (9 as UInt64, 4 as UInt64, 2 as UInt64), (4, 1, 3), (50, 1, 8), (1, 3, 1), (99, 100, 1), (100, 1, 11),
    ])
    func laplaceScaleIsFloorSigmaPlusOne(a: UInt64, b: UInt64, t: UInt64) {
        #expect(DiscreteGaussian(varianceNumerator: a, varianceDenominator: b).laplaceScale == t)
    }

    @Test("Bernoulli(exp(−n/d)) has probability exp(−n/d)", arguments: [(1 as UInt128, 3 as UInt128), (3, 2), (5, 1), (0, 7)])
    func bernoulliExpMinusMatchesItsProbability(n: UInt128, d: UInt128) {
        var rng = SeededGenerator(seed: 31)
        let trials = 200_000
        var hits = 0
        for _ in 0..<trials where DiscreteGaussian.bernoulliExpMinus(numerator: n, denominator: d, using: &rng) { hits += 1 }
        let p = exp(-Double(n) / Double(d))
        let se = (p * (1 - p) / Double(trials)).squareRoot()
        #expect(abs(Double(hits) / Double(trials) - p) <= 5 * se + 1e-12)
    }

    @Test("samples follow the closed-form pmf (χ² at 10⁻⁴) with its mean and variance",
          arguments: [(9 as UInt64, 4 as UInt64), (1, 3), (50, 1), (7, 10)])
    func samplesMatchThePmf(a: UInt64, b: UInt64) throws {
        let s2 = Double(a) / Double(b)
        let sampler = DiscreteGaussian(varianceNumerator: a, varianceDenominator: b)
        let (k, p) = Self.pmf(sigmaSquared: s2)
        var rng = SeededGenerator(seed: 2020 &+ a &* 31 &+ b)
        let n = 100_000
        var counts = [Int](repeating: 0, count: 2 * k + 1)
        var sum = 0.0, sum2 = 0.0
        for _ in 0..<n {
            let x = Int(sampler.sample(using: &rng))
            try #require(abs(x) <= k, "a draw beyond 40σ")
            counts[x + k] += 1
            sum += Double(x)
            sum2 += Double(x * x)
        }
        // χ² over the values expected at least 20 times, the rest pooled into one tail bin.
        var chi2 = 0.0, bins = 0, tailExpected = 0.0, tailObserved = 0
        for i in 0..<counts.count {
            let e = Double(n) * p[i]
            if e >= 20 {
                chi2 += (Double(counts[i]) - e) * (Double(counts[i]) - e) / e
                bins += 1
            } else {
                tailExpected += e
                tailObserved += counts[i]
            }
        }
        if tailExpected >= 5 {
            chi2 += (Double(tailObserved) - tailExpected) * (Double(tailObserved) - tailExpected) / tailExpected
            bins += 1
        }
        try #require(bins >= 3)
        #expect(chi2 < Self.chiSquareCritical(df: bins - 1), "χ² = \(chi2) over \(bins) bins")
        // Exact moments of the pmf (the variance is a little below σ² for small σ).
        let variance = zip(-k...k, p).map { Double($0 * $0) * $1 }.reduce(0, +)
        let fourth = zip(-k...k, p).map { pow(Double($0), 4) * $1 }.reduce(0, +)
        let mean = sum / Double(n)
        #expect(abs(mean) <= 5 * (variance / Double(n)).squareRoot())
        let sampleVariance = sum2 / Double(n) - mean * mean
        #expect(abs(sampleVariance - variance) <= 5 * ((fourth - variance * variance) / Double(n)).squareRoot())
    }
}
