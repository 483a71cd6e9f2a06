import Testing
@testable import FedRecPrivacy

@Suite struct AccountantTests {
    static func epsilon(_ kind: AccountantKind, z: Double, q: Double, steps: Int, delta: Double = 1e-5) throws -> Double {
        var acc = kind.makeAccountant()
        try acc.compose(PrivacyEvent.sampledGaussian(noiseMultiplier: z, samplingRate: q, steps: steps))
        return try acc.epsilon(delta: delta)
    }

    @Test func exactGaussianCurveMatchesBalleWangAtKnownPoint() {
        // μ = 1: δ(ε = 1) = Φ(−0.5) − e·Φ(−1.5).
        let expected = 0.3085375387259869 - 2.718281828459045 * 0.06680720126885807
        #expect(abs(ExactGaussianPrivacy.delta(epsilon: 1, mu: 1) - expected) < 1e-14)
        // ε(δ) inverts δ(ε), and the result satisfies the target.
        for mu in [0.1, 1.0, 5.0, 40.0] {
            for delta in [1e-5, 1e-6, 1e-10] {
                let eps = ExactGaussianPrivacy.epsilon(delta: delta, mu: mu)
                #expect(ExactGaussianPrivacy.delta(epsilon: eps, mu: mu) <= delta)
                #expect(abs(ExactGaussianPrivacy.delta(epsilon: eps, mu: mu) / delta - 1) < 1e-6)
            }
        }
    }

    @Test(arguments: [(0.5, 1), (1.0, 100), (2.0, 1000), (5.0, 10000)])
    func fullParticipationMatchesTheClosedForm(z: Double, steps: Int) throws {
        let exact = ExactGaussianPrivacy.epsilon(delta: 1e-5, mu: ExactGaussianPrivacy.mu(noiseMultiplier: z, steps: steps))
        // PLD composes un-sampled Gaussians exactly.
        #expect(abs(try Self.epsilon(.pld, z: z, q: 1, steps: steps) - exact) <= 1e-9 * exact)
        // RDP is an upper bound on the exact value.
        #expect(try Self.epsilon(.rdp, z: z, q: 1, steps: steps) >= exact)
    }

    @Test(arguments: [(0.5, 1), (1.0, 10), (2.0, 50)])
    func discretizedGaussianPLDBoundsTheClosedFormTightly(z: Double, steps: Int) throws {
        // The connect-the-dots machinery on a plain Gaussian, composed by FFT, against Balle–Wang.
        let interval = 1e-3
        let one = SampledGaussianPLD.discretize(sigma: z, q: 1, direction: .remove, interval: interval)
        let composed = one.selfComposed(steps, tailMass: 1e-15)
        let ours = composed.epsilon(delta: 1e-5)
        let exact = ExactGaussianPrivacy.epsilon(delta: 1e-5, mu: ExactGaussianPrivacy.mu(noiseMultiplier: z, steps: steps))
        #expect(ours >= exact - 1e-9)
        #expect(ours <= exact * 1.01 + 1e-3)
    }

    @Test func pairedSelfCompositionEqualsSeparateOnes() {
        let r = SampledGaussianPLD.discretize(sigma: 1.5, q: 0.05, direction: .remove, interval: 1e-3)
        let a = SampledGaussianPLD.discretize(sigma: 1.5, q: 0.05, direction: .add, interval: 1e-3)
        for count in [2, 7, 64] {
            let (pr, pa) = DiscretePLD.selfComposedPair(r, a, count: count, tailMass: 1e-15)
            let sr = r.selfComposed(count, tailMass: 1e-15)
            let sa = a.selfComposed(count, tailMass: 1e-15)
            #expect(pr.lowerIndex == sr.lowerIndex && pr.probs.count == sr.probs.count)
            #expect(pa.lowerIndex == sa.lowerIndex && pa.probs.count == sa.probs.count)
            #expect(zip(pr.probs, sr.probs).allSatisfy { abs($0 - $1) < 1e-13 })
            #expect(zip(pa.probs, sa.probs).allSatisfy { abs($0 - $1) < 1e-13 })
            #expect(abs(pr.epsilon(delta: 1e-5) - sr.epsilon(delta: 1e-5)) < 1e-9)
        }
        #expect(DiscretePLD.bitReversed(1, bits: 4) == 8 && DiscretePLD.bitReversed(6, bits: 3) == 3)
    }

    @Test func moreNoiseGivesSmallerEpsilon() throws {
        for kind in AccountantKind.allCases {
            var last = Double.infinity
            for z in [1.0, 1.5, 2.0, 3.0] {
                let e = try Self.epsilon(kind, z: z, q: 0.01, steps: 20)
                #expect(e < last, "\(kind) z=\(z)")
                last = e
            }
        }
    }

    @Test func moreStepsOrHigherRateGiveLargerEpsilon() throws {
        for kind in AccountantKind.allCases {
            var last = 0.0
            for steps in [1, 5, 20, 60] {
                let e = try Self.epsilon(kind, z: 2, q: 0.01, steps: steps)
                #expect(e > last, "\(kind) T=\(steps)")
                last = e
            }
            last = 0
            for q in [0.001, 0.01, 0.05, 0.2] {
                let e = try Self.epsilon(kind, z: 2, q: q, steps: 20)
                #expect(e > last, "\(kind) q=\(q)")
                last = e
            }
        }
    }

    @Test(arguments: [(0.001, 1.0, 30), (0.01, 2.0, 100), (0.1, 5.0, 100), (0.05, 1.5, 10)])
    func pldIsNeverAboveRdp(q: Double, z: Double, steps: Int) throws {
        for delta in [1e-5, 1e-6] {
            #expect(try Self.epsilon(.pld, z: z, q: q, steps: steps, delta: delta) <= Self.epsilon(.rdp, z: z, q: q, steps: steps, delta: delta))
        }
    }

    @Test func deltaOfEpsilonInvertsEpsilonOfDelta() throws {
        for kind in AccountantKind.allCases {
            var acc = kind.makeAccountant()
            try acc.compose(.poissonSampled(rate: 0.01, event: .gaussian(noiseMultiplier: 1.5)), count: 200)
            let eps = try acc.epsilon(delta: 1e-5)
            let delta = try acc.delta(epsilon: eps)
            #expect(delta <= 1e-5 * (1 + 1e-6), "\(kind)")
            #expect(try acc.delta(epsilon: eps * 0.9) > 1e-5, "\(kind)")
        }
    }

    @Test func composingPiecesEqualsComposingTheWhole() throws {
        let step = PrivacyEvent.poissonSampled(rate: 0.02, event: .gaussian(noiseMultiplier: 2))
        for kind in AccountantKind.allCases {
            var whole = kind.makeAccountant()
            try whole.compose(step, count: 60)
            var pieces = kind.makeAccountant()
            try pieces.compose(.composed([.selfComposed(event: step, count: 20), .selfComposed(event: step, count: 30)]))
            try pieces.compose(step, count: 10)
            let a = try whole.epsilon(delta: 1e-5)
            let b = try pieces.epsilon(delta: 1e-5)
            #expect(abs(a - b) <= 2e-3 * a, "\(kind): \(a) vs \(b)")
            #expect(b >= a * (1 - 1e-9), "\(kind): pieces may only be more pessimistic")
        }
    }

    @Test func mixedSampledAndFullGaussianEventsAreAccounted() throws {
        var pld = PLDAccountant()
        try pld.compose(.poissonSampled(rate: 0.01, event: .gaussian(noiseMultiplier: 2)), count: 20)
        let before = try pld.epsilon(delta: 1e-5)
        try pld.compose(.gaussian(noiseMultiplier: 20))
        let after = try pld.epsilon(delta: 1e-5)
        var rdp = RDPAccountant()
        try rdp.compose(.poissonSampled(rate: 0.01, event: .gaussian(noiseMultiplier: 2)), count: 20)
        try rdp.compose(.gaussian(noiseMultiplier: 20))
        #expect(after > before)
        #expect(after <= (try rdp.epsilon(delta: 1e-5)))
    }

    @Test func emptyAccountantsSpendNothing() throws {
        for kind in AccountantKind.allCases {
            let acc = kind.makeAccountant()
            #expect(try acc.epsilon(delta: 1e-5) == 0)
            #expect(try acc.delta(epsilon: 0.5) == 0)
        }
    }

    @Test func rdpUsesDpAccountingOrderGrid() {
        let orders = RDPAccountant.defaultOrders
        #expect(orders.count == 99 + 53 + 4)
        #expect(orders.first == 1.1 && orders.last == 1024)
    }

    @Test func coarsenedGridStaysAnUpperBound() throws {
        // A grid cap forces coarsening; ε must not drop below the fine-grid value.
        var fine = PLDAccountant()
        try fine.compose(.poissonSampled(rate: 0.01, event: .gaussian(noiseMultiplier: 1)), count: 100)
        var coarse = PLDAccountant(maximumGridSize: 4096)
        try coarse.compose(.poissonSampled(rate: 0.01, event: .gaussian(noiseMultiplier: 1)), count: 100)
        #expect(coarse.discretizationInterval > fine.discretizationInterval)
        let f = try fine.epsilon(delta: 1e-5)
        let c = try coarse.epsilon(delta: 1e-5)
        #expect(c >= f * (1 - 1e-6))
        #expect(c <= f * 1.5)
    }
}
