import Testing
@testable import FedRecModels

@Suite struct AdamOptimizerTests {
    let hyper = AdamOptimizer.Hyperparameters(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)

    @Test func twoDenseStepsMatchHandComputedValues() {
        // By hand: step 1, m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g², so θ moves by η·sign(g) = 0.1.
        // Step 2 with g = (0.2, 0.3): m = (0.065, 0.021), v = (2.8975e-4, 9.999e-5),
        // m̂ = m / 0.19, v̂ = v / 0.001999, θ₀ = 0.9 − 0.1·0.342105/0.380719 = 0.8101425,
        // θ₁ = −1.9 − 0.1·0.110526/0.223652 = −1.9494190.
        var adam = AdamOptimizer(parameterCount: 2, hyperparameters: hyper)
        var theta: [Float] = [1, -2]
        adam.update(&theta, gradient: [0.5, -0.1])
        #expect(abs(theta[0] - 0.9) < 1e-6 && abs(theta[1] + 1.9) < 1e-6)
        // Moments in float: 1 − β₂ = 0.001 carries a relative rounding error of about 1e-5.
        #expect(abs(adam.firstMoment[0] - 0.05) < 1e-7 && abs(adam.secondMoment[1] - 1e-5) < 1e-4 * 1e-5)
        adam.update(&theta, gradient: [0.2, 0.3])
        #expect(adam.step == 2)
        #expect(abs(theta[0] - 0.8101425) < 1e-6)
        #expect(abs(theta[1] + 1.9494190) < 1e-6)
        #expect(abs(adam.firstMoment[0] - 0.065) < 1e-7 && abs(adam.firstMoment[1] - 0.021) < 1e-7)
        #expect(abs(adam.secondMoment[0] - 2.8975e-4) < 1e-4 * 2.8975e-4 && abs(adam.secondMoment[1] - 9.999e-5) < 1e-4 * 9.999e-5)
    }

    @Test func simdBodyAndScalarTailAgree() {
        // 11 parameters: 8 go through the SIMD loop, 3 through the scalar tail; equal inputs must move equally.
        var adam = AdamOptimizer(parameterCount: 11, hyperparameters: hyper)
        var theta = [Float](repeating: 1, count: 11)
        for g: Float in [0.3, -0.7, 0.1] {
            adam.update(&theta, gradient: [Float](repeating: g, count: 11))
        }
        for i in 1..<11 { #expect(theta[i] == theta[0]) }
    }

    @Test func lazyRowUpdateLeavesOtherRowsAndMomentsUntouched() {
        // A 3×4 table; only row 1 is touched, at global step 5.
        var table: [Float] = (0..<12).map(Float.init)
        var m = [Float](repeating: 0, count: 12), v = [Float](repeating: 0, count: 12)
        let grad: [Float] = [1, -1, 2, -2]
        table.withUnsafeMutableBufferPointer { t in m.withUnsafeMutableBufferPointer { mp in v.withUnsafeMutableBufferPointer { vp in
            grad.withUnsafeBufferPointer { g in
                AdamOptimizer.updateRows(UnsafeMutableBufferPointer(rebasing: t[4..<8]), gradient: g,
                                         firstMoment: UnsafeMutableBufferPointer(rebasing: mp[4..<8]),
                                         secondMoment: UnsafeMutableBufferPointer(rebasing: vp[4..<8]),
                                         step: 5, hyperparameters: hyper)
            }
        }}}
        for i in [0, 1, 2, 3, 8, 9, 10, 11] {
            #expect(table[i] == Float(i))
            #expect(m[i] == 0 && v[i] == 0)
        }
        // By hand at t = 5 from zero moments: m = 0.1·g, v = 0.001·g²,
        // m̂ = 0.1·g / (1 − 0.9⁵) = 0.1·g / 0.40951, v̂ = 0.001·g² / (1 − 0.999⁵) = 0.001·g² / 0.004990010,
        // step = 0.1·m̂/√v̂ = 0.1 · (0.244194·|g|)/(0.447663·|g|)·sign(g) = 0.0545489·sign(g).
        for (k, g) in grad.enumerated() {
            let expected = Float(4 + k) - 0.0545489 * (g > 0 ? 1 : -1)
            #expect(abs(table[4 + k] - expected) < 2e-5)
        }
    }

    @Test func invalidHyperparametersAreRejected() {
        #expect(throws: ModelError.self) { try AdamOptimizer.Hyperparameters(learningRate: 0).validate() }
        #expect(throws: ModelError.self) { try AdamOptimizer.Hyperparameters(beta1: 1).validate() }
        #expect(throws: ModelError.self) { try AdamOptimizer.Hyperparameters(beta2: -0.1).validate() }
    }
}
