import Foundation
import Testing
@testable import FedRecMath

@Suite struct GaussianTests {
    /// Standard normal CDF for the KS statistic.
    static func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    @Test func zigguratTableHasEqualAreaLayersReachingThePeak() {
        let t = ZigguratTable.shared
        #expect(t.x.count == 257 && t.f.count == 257)
        #expect(abs(t.x[1] - 3.6541528853610088) < 1e-9)  // Marsaglia & Tsang's r for 256 layers
        #expect(t.x[256] == 0 && t.f[256] == 1)
        // Every layer i ≥ 1 has area x[i]·(f[i+1] − f[i]) = v.
        let v = t.x[1] * t.f[1] + (Double.pi / 2).squareRoot() * erfc(t.x[1] / 2.0.squareRoot())
        for i in 1..<256 {
            #expect(abs(t.x[i] * (t.f[i + 1] - t.f[i]) - v) < 1e-12)
        }
    }

    @Test func samplesHaveStandardNormalMoments() {
        var rng = SeededGenerator(seed: 2024)
        let n = 400_000
        var s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0
        for _ in 0..<n {
            let x = Gaussian.sample(using: &rng)
            s1 += x; s2 += x * x; s3 += x * x * x; s4 += x * x * x * x
        }
        let nd = Double(n)
        // Standard errors: mean 1/√n, E[x²] √2/√n, E[x³] √15/√n, E[x⁴] √96/√n; allow 5 of them.
        #expect(abs(s1 / nd) < 5 / nd.squareRoot())
        #expect(abs(s2 / nd - 1) < 5 * 2.0.squareRoot() / nd.squareRoot())
        #expect(abs(s3 / nd) < 5 * 15.0.squareRoot() / nd.squareRoot())
        #expect(abs(s4 / nd - 3) < 5 * 96.0.squareRoot() / nd.squareRoot())
    }

    @Test func kolmogorovSmirnovAgainstPhi() {
        var rng = SeededGenerator(seed: 7)
        let n = 200_000
        var xs = (0..<n).map { _ in Gaussian.sample(using: &rng) }
        xs.sort()
        var d = 0.0
        for (i, x) in xs.enumerated() {
            let f = Self.phi(x)
            d = max(d, abs(f - Double(i) / Double(n)), abs(Double(i + 1) / Double(n) - f))
        }
        // The KS critical value at significance 0.001 is 1.95/√n.
        #expect(d < 1.95 / Double(n).squareRoot())
    }

    @Test func tailBeyondRIsSampledWithTheRightProbability() {
        // P(|X| > r) = 2(1 − Φ(r)) ≈ 2.58e-4 is exactly the share of draws that take the tail path.
        var rng = SeededGenerator(seed: 99)
        let n = 2_000_000
        let r = ZigguratTable.shared.x[1]
        var beyond = 0
        var beyond45 = 0
        for _ in 0..<n {
            let x = abs(Gaussian.sample(using: &rng))
            if x > r { beyond += 1 }
            if x > 4.5 { beyond45 += 1 }
        }
        let p = 2 * (1 - Self.phi(r))
        let sd = (Double(n) * p * (1 - p)).squareRoot()
        #expect(abs(Double(beyond) - Double(n) * p) < 5 * sd)
        let p45 = 2 * (1 - Self.phi(4.5))
        #expect(abs(Double(beyond45) - Double(n) * p45) < 5 * (Double(n) * p45).squareRoot() + 1)
    }

    @Test func addNoiseHasRequestedVariance() {
        var rng = SeededGenerator(seed: 3)
        var v = [Float](repeating: 1, count: 100_000)
        Gaussian.addNoise(to: &v, stddev: 2.5, using: &rng)
        let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
        let variance = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(v.count - 1)
        #expect(abs(mean - 1) < 5 * 2.5 / Double(v.count).squareRoot())
        // The sample variance has standard error σ²√(2/n).
        #expect(abs(variance - 6.25) < 5 * 6.25 * (2.0 / Double(v.count)).squareRoot())
    }

    @Test func secureGeneratorCopiesNeverRepeatEachOther() {
        var a = SecureGenerator()
        _ = a.next()  // fill the buffer
        var b = a  // b shares the buffer until one of them draws
        let fromA = (0..<600).map { _ in a.next() }
        let fromB = (0..<600).map { _ in b.next() }
        #expect(Set(fromA).isDisjoint(with: Set(fromB)))
        #expect(Set(fromA).count == 600)
    }

    @Test func secureGeneratorGivesUniformBits() {
        var g = SecureGenerator()
        let n = 20_000
        var ones = 0
        for _ in 0..<n { ones += g.next().nonzeroBitCount }
        // 64n fair bits: mean 32n, sd 4√n.
        #expect(abs(Double(ones) - 32 * Double(n)) < 5 * 4 * Double(n).squareRoot())
    }
}
