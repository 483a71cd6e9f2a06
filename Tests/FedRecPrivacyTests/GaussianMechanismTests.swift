import FedRecMath
import Testing
@testable import FedRecPrivacy

@Suite struct GaussianMechanismTests {
    /// Sample variance of the released sum's first coordinate over many rounds.
    static func releasedVariance(_ mechanism: GaussianMechanism, updates n: Int, placement: NoisePlacement, rounds: Int, seed: UInt64) throws -> Double {
        var rng = SeededGenerator(seed: seed)
        var sum2 = 0.0
        let dimension = 4
        for _ in 0..<rounds {
            var total = [Float](repeating: 0, count: dimension)
            for _ in 0..<n {
                var update = [Float](repeating: 0, count: dimension)  // zero updates: the sum is pure noise
                mechanism.privatizeClientUpdate(&update, placement: placement, using: &rng)
                for i in 0..<dimension { total[i] += update[i] }
            }
            try mechanism.noiseAggregate(&total, updates: n, placement: placement, using: &rng)
            for v in total { sum2 += Double(v) * Double(v) }
        }
        return sum2 / Double(rounds * dimension)
    }

    @Test(arguments: TrustModel.allCases)
    func releasedSumCarriesAtLeastTheCalibratedNoise(trust: TrustModel) throws {
        let m = trust == .distributed ? 8 : 1
        let mechanism = try GaussianMechanism(noiseMultiplier: 1.3, clipBound: 0.7, trust: trust, minimumUpdates: m)
        let n = 10
        let expected = mechanism.releasedNoiseStddev(updates: n)
        #expect(expected >= 1.3 * 0.7 * (1 - 1e-12))
        for placement in NoisePlacement.allCases {
            let samples = 4 * 4000
            let variance = try Self.releasedVariance(mechanism, updates: n, placement: placement, rounds: 4000, seed: 11)
            // The variance estimate of a zero-mean Gaussian has relative standard error √(2/k).
            #expect(abs(variance / (expected * expected) - 1) < 5 * (2.0 / Double(samples)).squareRoot(), "\(trust) \(placement)")
            #expect(variance >= (1.3 * 0.7) * (1.3 * 0.7) * (1 - 5 * (2.0 / Double(samples)).squareRoot()))
        }
    }

    @Test func noiseIsPlacedWhereTheTrustModelPutsIt() throws {
        let z = 2.0, c = 1.5
        let central = try GaussianMechanism(noiseMultiplier: z, clipBound: c, trust: .central)
        #expect(central.clientNoiseStddev == 0 && central.serverNoiseStddev == z * c)
        let distributed = try GaussianMechanism(noiseMultiplier: z, clipBound: c, trust: .distributed, minimumUpdates: 16)
        #expect(distributed.clientNoiseStddev == z * c / 4 && distributed.serverNoiseStddev == 0)
        let local = try GaussianMechanism(noiseMultiplier: z, clipBound: c, trust: .local)
        #expect(local.clientNoiseStddev == z * c && local.serverNoiseStddev == 0)
        #expect(central.serverViewEvent == nil)
        #expect(distributed.serverViewEvent == .gaussian(noiseMultiplier: z / 4))
        #expect(local.serverViewEvent == .gaussian(noiseMultiplier: z))
    }

    @Test func aggregateFastPathAddsNoClientNoise() throws {
        let mechanism = try GaussianMechanism(noiseMultiplier: 1, clipBound: 1, trust: .local)
        var rng = SeededGenerator(seed: 1)
        var update: [Float] = [3, 4]
        let norm = mechanism.privatizeClientUpdate(&update, placement: .aggregate, using: &rng)
        #expect(norm == 5)
        let clipped = Double(update[0]) * Double(update[0]) + Double(update[1]) * Double(update[1])
        #expect(clipped <= 1 && clipped > 0.999)
        #expect(abs(Double(update[0]) / Double(update[1]) - 0.75) < 1e-6)  // direction kept, no noise
    }

    @Test func distributedAggregatorRefusesTooFewUpdates() throws {
        let mechanism = try GaussianMechanism(noiseMultiplier: 1, clipBound: 1, trust: .distributed, minimumUpdates: 5)
        var rng = SeededGenerator(seed: 1)
        var sum = [Float](repeating: 0, count: 3)
        #expect(throws: PrivacyError.self) { try mechanism.noiseAggregate(&sum, updates: 4, using: &rng) }
        do {
            try mechanism.noiseAggregate(&sum, updates: 4, using: &rng)
        } catch let error as PrivacyError {
            #expect(error.code == .tooFewUpdates)
        }
        try mechanism.noiseAggregate(&sum, updates: 5, using: &rng)
    }

    @Test func noiseSourceLabelsSeededNoiseAsNotPrivate() {
        #expect(NoiseSource.seeded(42).description == "seeded (simulation only, not private)")
        #expect(!NoiseSource.seeded(42).isPrivate)
        #expect(NoiseSource.secure.isPrivate)
    }

    @Test func roundEventIsTheSubsampledGaussian() throws {
        let mechanism = try GaussianMechanism(noiseMultiplier: 1.1, clipBound: 1)
        #expect(try mechanism.roundEvent(samplingRate: 0.01) == .poissonSampled(rate: 0.01, event: .gaussian(noiseMultiplier: 1.1)))
        #expect(try mechanism.roundEvent(samplingRate: 1) == .gaussian(noiseMultiplier: 1.1))
    }
}

@Suite struct ClippingTests {
    @Test func clipBoundHoldsForEveryUpdate() {
        var rng = SeededGenerator(seed: 5)
        for trial in 0..<200 {
            let n = 1 + trial * 37 % 5000
            let scale = [1e-3, 1.0, 10.0, 1e4][trial % 4]
            var update = (0..<n).map { _ in Float(Gaussian.sample(using: &rng) * scale) }
            let bound = [0.1, 1.0, 3.7][trial % 3]
            let before = Clipping.clipL2(&update, to: bound)
            let after = update.withUnsafeBufferPointer { Kernels.norm2($0) }
            #expect(after <= bound, "trial \(trial): \(after) > \(bound)")
            if before <= bound {
                #expect(after == before)
            } else {
                #expect(after >= bound * (1 - 1e-5))
            }
        }
    }

    @Test func nonFiniteUpdatesAreZeroed() {
        for bad in [Float.nan, .infinity, -.infinity] {
            var update: [Float] = [1, bad, 2]
            let norm = Clipping.clipL2(&update, to: 1)
            #expect(!norm.isFinite)
            #expect(update == [0, 0, 0])
        }
    }

    @Test func shortUpdatesAreUntouched() {
        var update: [Float] = [0.1, -0.2, 0.05]
        let copy = update
        let norm = Clipping.clipL2(&update, to: 1)
        #expect(update == copy)
        #expect(abs(norm - (0.01 + 0.04 + 0.0025).squareRoot()) < 1e-7)
    }
}

@Suite struct AdaptiveClippingTests {
    @Test func clipBoundTracksTheTargetQuantile() throws {
        // Norms uniform on [0, 10]: the median is 5. Start far away and let C converge.
        var state = try AdaptiveClipping(initialClipBound: 0.5, targetQuantile: 0.5, learningRate: 0.2, countNoiseStddev: 5)
        var rng = SeededGenerator(seed: 8)
        let clients = 1000
        for _ in 0..<300 {
            var count = 0.0
            for _ in 0..<clients { count += state.unclippedIndicator(norm: 10 * rng.nextUnitDouble()) }
            state.update(unclippedCount: count, bitsSummed: clients, expectedParticipants: Double(clients), using: &rng)
        }
        #expect(abs(state.clipBound - 5) < 0.5)
    }

    @Test func updateNoiseMultiplierFoldsInTheCountQuery() throws {
        let state = try AdaptiveClipping(initialClipBound: 1, countNoiseStddev: 5)
        let z = 1.0
        let zDelta = try state.updateNoiseMultiplier(forAccounted: z)
        #expect(zDelta > z)
        // 1/z² = 1/z_Δ² + 1/(2σ_b)²: together they cost exactly Gaussian(z).
        #expect(abs(1 / (zDelta * zDelta) + 1 / 100.0 - 1 / (z * z)) < 1e-12)
        #expect(throws: PrivacyError.self) { try state.updateNoiseMultiplier(forAccounted: 10) }
        #expect(abs(AdaptiveClipping.accountedNoiseMultiplier(updateMultiplier: zDelta, countNoiseStddev: 5) - z) < 1e-12)
    }

    @Test func theReleasedCountIsCentredOverTheBitsSummed() throws {
        // Σ(bᵢ − ½): adding a user with bit 1 moves it by +½, with bit 0 by −½ (sensitivity ½).
        #expect(AdaptiveClipping.centredCount(unclippedCount: 7, bitsSummed: 10) == 2)
        #expect(AdaptiveClipping.centredCount(unclippedCount: 8, bitsSummed: 11) == 2.5)
        #expect(AdaptiveClipping.centredCount(unclippedCount: 7, bitsSummed: 11) == 1.5)
        #expect(AdaptiveClipping.countSensitivity == 0.5)
        // With the same noise draw, b̄ = (Σ(bᵢ − ½) + noise)/n̄ + ½: all unclipped ≈ 1, none ≈ 0.
        var a = try AdaptiveClipping(initialClipBound: 1, countNoiseStddev: 1e-9)
        var rng = SeededGenerator(seed: 3)
        #expect(abs(a.update(unclippedCount: 100, bitsSummed: 100, expectedParticipants: 100, using: &rng) - 1) < 1e-6)
        #expect(abs(a.update(unclippedCount: 0, bitsSummed: 100, expectedParticipants: 100, using: &rng)) < 1e-6)
    }
}
