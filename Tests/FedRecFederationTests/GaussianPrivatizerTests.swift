import Foundation
import FedRecMath
import FedRecPrivacy
import Testing
@testable import FedRecFederation

@Suite struct GaussianPrivatizerTests {
    private func sparseUpdate(scale: Float) -> ModelUpdate {
        ModelUpdate(itemCount: 10, dim: 3, touchedItems: [2, 7], globalMeanDelta: scale,
                    rows: [1, 2, 3, 4, 5, 6, 7, 8].map { $0 * scale })
    }

    @Test(arguments: [0.01 as Float, 1, 100])
    func centralTrustClipsToTheBoundAndKeepsTheUpdateSparse(scale: Float) throws {
        let p = GaussianPrivatizer(mechanism: try GaussianMechanism(noiseMultiplier: 1, clipBound: 2, trust: .central), noise: .seeded(1))
        var update = sparseUpdate(scale: scale)
        let before = update.norm()
        var rng = SeededGenerator(seed: 1)
        p.privatizeClientUpdate(&update, using: &rng)
        #expect(!update.isDense)
        #expect(update.norm() <= 2 * (1 + 1e-6))
        if before <= 2 { #expect(update == sparseUpdate(scale: scale)) }
    }

    @Test func nonFiniteUpdateIsZeroedBeforeNoiseSoTheBoundHolds() throws {
        let p = GaussianPrivatizer(mechanism: try GaussianMechanism(noiseMultiplier: 1, clipBound: 1, trust: .central), noise: .seeded(1))
        for bad in [Float.nan, .infinity] {
            var update = ModelUpdate(itemCount: 10, dim: 3, touchedItems: [2], globalMeanDelta: 0, rows: [1, bad, 3, 4])
            var rng = SeededGenerator(seed: 1)
            p.privatizeClientUpdate(&update, using: &rng)
            #expect(update.norm() == 0, "\(bad) in an update must not reach the sum")
        }
    }

    @Test func distributedTrustSendsADenseNoisedVector() throws {
        let p = GaussianPrivatizer(mechanism: try GaussianMechanism(noiseMultiplier: 1, clipBound: 1, trust: .distributed, minimumUpdates: 4), noise: .seeded(1))
        var update = sparseUpdate(scale: 1)
        var rng = SeededGenerator(seed: 2)
        p.privatizeClientUpdate(&update, using: &rng)
        #expect(update.isDense)
        #expect(update.values.count == update.parameterCount)
        #expect(update.values.filter { $0 == 0 }.isEmpty, "every coordinate carries noise, touched or not")
    }

    @Test func distributedAggregateBelowMinimumIsDiscardedAndLeftUntouched() throws {
        let p = GaussianPrivatizer(mechanism: try GaussianMechanism(noiseMultiplier: 1, clipBound: 1, trust: .distributed, minimumUpdates: 5), noise: .seeded(1))
        var sum = [Float](repeating: 1, count: 8)
        var rng = SeededGenerator(seed: 3)
        guard case .discard = p.privatizeAggregate(&sum, participants: 4, using: &rng) else {
            Issue.record("a round with 4 < m = 5 updates must be discarded")
            return
        }
        #expect(sum == [Float](repeating: 1, count: 8))
        #expect(p.privatizeAggregate(&sum, participants: 5, using: &rng) == .release)
    }

    @Test func centralAggregateNoiseHasStddevZC() throws {
        let p = GaussianPrivatizer(mechanism: try GaussianMechanism(noiseMultiplier: 2, clipBound: 0.5, trust: .central), noise: .seeded(1))
        let n = 200_000
        var sum = [Float](repeating: 0, count: n)
        var rng = SeededGenerator(seed: 4)
        #expect(p.privatizeAggregate(&sum, participants: 10, using: &rng) == .release)
        let variance = sum.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        // Sample variance of n draws has relative standard error √(2/n) ≈ 0.3%; allow 5 of them.
        #expect(abs(variance - 1) < 5 * (2.0 / Double(n)).squareRoot())
    }

    @Test func secureNoiseIsNotReproducible() throws {
        let p = GaussianPrivatizer(mechanism: try GaussianMechanism(noiseMultiplier: 1, clipBound: 1, trust: .local), noise: .secure)
        var a = sparseUpdate(scale: 1), b = sparseUpdate(scale: 1)
        var r1 = SeededGenerator(seed: 5), r2 = SeededGenerator(seed: 5)
        p.privatizeClientUpdate(&a, using: &r1)
        p.privatizeClientUpdate(&b, using: &r2)
        #expect(a != b, "secure noise ignores the simulation seed")
    }

    @Test func adaptiveClippingRaisesUpdateNoiseAndMovesTheBoundTowardTheQuantile() throws {
        let accounted = try GaussianMechanism(noiseMultiplier: 1, clipBound: 0.1, trust: .central)
        let adaptive = try AdaptiveClipping(initialClipBound: 0.1, targetQuantile: 0.5, learningRate: 0.2, countNoiseStddev: 2)
        var p = try GaussianPrivatizer(accounted: accounted, adaptive: adaptive, noise: .seeded(1))
        // 1/z_Δ² = 1/z² − 1/(2σ_b)² = 1 − 1/16 ⇒ z_Δ = 4/√15.
        #expect(abs(p.mechanism.noiseMultiplier - 4 / 15.0.squareRoot()) < 1e-12)
        var rng = SeededGenerator(seed: 7)
        // Every update is far above the bound: nobody is unclipped, so C grows by e^{0.2·0.5} a round (plus count noise).
        for _ in 0..<20 {
            #expect(p.unclippedIndicator(norm: 10) == 0)
            p.finishRound(unclippedCount: 0, bitsSummed: 100, expectedParticipants: 100, released: true, using: &rng)
        }
        #expect(p.mechanism.clipBound > 0.5)
        let before = p.mechanism.clipBound
        p.finishRound(unclippedCount: 0, bitsSummed: 100, expectedParticipants: 100, released: false, using: &rng)
        #expect(p.mechanism.clipBound == before, "a discarded round releases no count and moves nothing")
    }
    /// (s₁²/σ₁² + s₂²/σ₂²)^(−1/2): the multiplier of two Gaussian queries released together.
    private static func pairMultiplier(_ s1: Double, _ sigma1: Double, _ s2: Double, _ sigma2: Double) -> Double {
        1 / (s1 * s1 / (sigma1 * sigma1) + s2 * s2 / (sigma2 * sigma2)).squareRoot()
    }

    /// The count's sensitivity as the privatizer releases it: two privatizers on neighbouring rounds
    /// (one more participant, with bit 0 or 1), the same count noise, and the released fraction read
    /// back from the clip step, C' = C·exp(−η(b̄ − γ)) ⇒ b̄ = γ − ln(C'/C)/η; |Δb̄|·n̄ is the change of
    /// the count before noise.
    private static func measuredCountSensitivity(_ p: GaussianPrivatizer, eta: Double, gamma: Double) -> Double {
        let expected = 50.0, n = 48, unclipped = 20.0
        func fraction(_ count: Double, _ bits: Int) -> Double {
            var q = p
            var rng = SeededGenerator(seed: 11)
            let before = q.mechanism.clipBound
            q.finishRound(unclippedCount: count, bitsSummed: bits, expectedParticipants: expected, released: true, using: &rng)
            return gamma - log(q.mechanism.clipBound / before) / eta
        }
        let base = fraction(unclipped, n)
        return [fraction(unclipped, n + 1), fraction(unclipped + 1, n + 1)]
            .map { abs($0 - base) * expected }.max()!
    }

    @Test("the accounted z equals the effective z of the (update sum, count) pair", arguments: [
        (0.8, 2.0), (1.0, 5.0), (1.5, 1.0), (3.0, 2.5),
    ])
    func accountedMultiplierCoversUpdateAndCount(z: Double, sigmaB: Double) throws {
        let clip = 0.3, eta = 0.2, gamma = 0.5
        let accounted = try GaussianMechanism(noiseMultiplier: z, clipBound: clip, trust: .central)
        let adaptive = try AdaptiveClipping(initialClipBound: clip, targetQuantile: gamma, learningRate: eta, countNoiseStddev: sigmaB)
        let p = try GaussianPrivatizer(accounted: accounted, adaptive: adaptive, noise: .seeded(1))
        let countSensitivity = Self.measuredCountSensitivity(p, eta: eta, gamma: gamma)
        #expect(abs(countSensitivity - 0.5) < 1e-9, "adding one user moves the centred count by ½, whatever its bit")
        // Update sum: sensitivity C (the clip), noise z_Δ·C. Count: the measured sensitivity, noise σ_b.
        let effective = Self.pairMultiplier(clip, p.mechanism.noiseMultiplier * clip, countSensitivity, sigmaB)
        #expect(abs(effective - z) < 1e-8 * z)
        #expect(abs(AdaptiveClipping.accountedNoiseMultiplier(updateMultiplier: p.mechanism.noiseMultiplier,
                                                             countNoiseStddev: sigmaB) - z) < 1e-12 * z)
    }

    @Test("the old accounting (raw bits summed, z_Δ for sensitivity ½) fails the same check")
    func rawBitSumUnderAccounts() throws {
        // Before the fix the aggregator released Σbᵢ + N(0, σ_b²): one more participant with bit 1
        // moves it by 1, while z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) assumed ½.
        let z = 1.0, sigmaB = 1.0, clip = 0.3
        let rawSensitivity = [(20.0, 21.0), (20.0, 20.0)].map { abs($0.1 - $0.0) }.max()!
        let oldZDelta = 1 / (1 / (z * z) - 1 / (4 * sigmaB * sigmaB)).squareRoot()
        let effective = Self.pairMultiplier(clip, oldZDelta * clip, rawSensitivity, sigmaB)
        // (z⁻² + 0.75·σ_b⁻²)^(−1/2) = (1.75)^(−1/2) ≈ 0.756 < z = 1: the ledger composed z, the run spent 0.756.
        #expect(abs(effective - 1 / 1.75.squareRoot()) < 1e-12)
        #expect(effective < 0.76 * z)
    }
    @Test("a clipped update's norm never ends above C: the privatizer uses Clipping's (1 − 2⁻²⁰) margin")
    func clippedNormsStayWithinTheBound() throws {
        let bound = 0.37
        let p = GaussianPrivatizer(mechanism: try GaussianMechanism(noiseMultiplier: 1, clipBound: bound, trust: .central))
        var rng = SeededGenerator(seed: 21)
        var overWithoutMargin = 0
        for _ in 0..<3000 {
            let items = 40, dim = 3
            let touched = (0..<items).filter { _ in rng.nextUnitDouble() < 0.3 }.map(Int32.init)
            let rows = (0..<(touched.count * (dim + 1))).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
            var update = ModelUpdate(itemCount: items, dim: dim, touchedItems: touched,
                                     globalMeanDelta: Float(rng.nextUnitDouble()), rows: rows)
            let norm = update.norm()
            try #require(norm > bound)
            var plain = update
            plain.scale(by: Float(bound / norm))  // the factor the privatizer used before
            if plain.norm() > bound { overWithoutMargin += 1 }
            p.privatizeClientUpdate(&update, using: &rng)
            #expect(update.norm() <= bound)
        }
        #expect(overWithoutMargin > 0, "without the margin Float rounding leaves some norms a few ulps above C")
    }
}
