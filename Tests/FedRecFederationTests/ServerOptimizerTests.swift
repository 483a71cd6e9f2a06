import Foundation
import Testing
@testable import FedRecFederation

/// Each optimizer against steps worked by hand (numbers from the formulas of Reddi et al. 2021,
/// Algorithm 2, evaluated in double precision): x₀ = [1, 2], every round's summed update is
/// [0.4, −0.2] over a denominator of 2, so Δ = [0.2, −0.1].
@Suite struct ServerOptimizerTests {
    func run(_ opt: ServerOptimizer, steps: Int) -> ([Float], ServerOptimizerState) {
        var x: [Float] = [1, 2]
        var state = opt.initialState(parameterCount: 2)
        for _ in 0..<steps {
            var sum: [Float] = [0.4, -0.2]
            x.withUnsafeMutableBufferPointer { xp in
                sum.withUnsafeMutableBufferPointer { sp in
                    opt.step(parameters: xp, sum: sp, denominator: 2, state: &state)
                }
            }
            #expect(sum == [0, 0], "the step clears the sum")
        }
        return (x, state)
    }

    func close(_ a: [Float], _ b: [Double], tol: Double = 2e-6) -> Bool {
        zip(a, b).allSatisfy { abs(Double($0) - $1) <= tol }
    }

    @Test func fedAvgAddsTheAverageTimesTheServerRate() {
        let (x, state) = run(.fedAvg(learningRate: 0.5), steps: 1)
        #expect(close(x, [1.1, 1.95]))
        #expect(state.step == 1)
    }

    @Test func fedAvgMAccumulatesMomentum() {
        // m₁ = Δ = [0.2, −0.1], x₁ = [1.2, 1.9]; m₂ = 0.9·m₁ + Δ = [0.38, −0.19], x₂ = [1.58, 1.71].
        let (x, state) = run(.fedAvgM(learningRate: 1, momentum: 0.9), steps: 2)
        #expect(close(x, [1.58, 1.71]))
        #expect(close(state.firstMoment, [0.38, -0.19]))
    }

    @Test func fedAdamMatchesHandComputedSteps() {
        // v₀ = τ² = 1e-4. Step 1: m = [0.02, −0.01], v = [4.99e-4, 1.99e-4],
        // x = [1.0618461549, 1.9585178184]. Step 2: x = [1.1570842501, 1.8887520282].
        let opt = ServerOptimizer.fedAdam(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.01)
        let (x1, s1) = run(opt, steps: 1)
        #expect(close(x1, [1.0618461549057077, 1.9585178183872134]))
        #expect(close(s1.secondMoment, [4.99e-4, 1.99e-4], tol: 1e-9))
        let (x2, s2) = run(opt, steps: 2)
        #expect(close(x2, [1.1570842501438028, 1.8887520281910952]))
        #expect(close(s2.firstMoment, [0.038, -0.019]))
    }

    @Test func fedYogiMatchesHandComputedSteps() {
        // v₁ = v₀ − (1 − β₂)·Δ²·sign(v₀ − Δ²) = 1e-4 + 0.01·Δ² = [5e-4, 2e-4];
        // x₁ = [1.0618033989, 1.9585786438]; x₂ = [1.1568033989, 1.8890338170].
        let opt = ServerOptimizer.fedYogi(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.01)
        let (x1, s1) = run(opt, steps: 1)
        #expect(close(x1, [1.0618033988749895, 1.9585786437626904]))
        #expect(close(s1.secondMoment, [5e-4, 2e-4], tol: 1e-9))
        let (x2, _) = run(opt, steps: 2)
        #expect(close(x2, [1.1568033988749895, 1.8890338170436471]))
    }

    @Test func yogiSecondMomentShrinksWhenItExceedsTheSquaredUpdate() {
        // v = 1 > Δ² = 0.04: v ← 1 − 0.01·0.04 = 0.9996 (Adam would give 0.99·1 + 0.0004 = 0.9904).
        let opt = ServerOptimizer.fedYogi(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1)
        let (_, s) = run(opt, steps: 1)
        #expect(abs(Double(s.secondMoment[0]) - 0.9996) < 1e-6)
    }

    @Test func stateRoundTripsThroughCodable() throws {
        let (_, state) = run(.fedAdam(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.01), steps: 2)
        let data = try JSONEncoder().encode(state)
        #expect(try JSONDecoder().decode(ServerOptimizerState.self, from: data) == state)
    }

    @Test(arguments: [
        (ServerOptimizer.fedAvg(learningRate: 0), "--server-lr"),
        (.fedAvgM(learningRate: 1, momentum: 1), "--server-momentum"),
        (.fedAdam(learningRate: 1, beta1: -0.1, beta2: 0.9, tau: 1e-3), "--server-beta1"),
        (.fedYogi(learningRate: 1, beta1: 0.9, beta2: 1, tau: 1e-3), "--server-beta2"),
        (.fedAdam(learningRate: 1, beta1: 0.9, beta2: 0.9, tau: 0), "--server-tau"),
    ])
    func rejectsHyperparametersOutOfRange(optimizer: ServerOptimizer, option: String) {
        #expect {
            try optimizer.validate()
        } throws: { error in
            (error as? FederationError)?.message.contains(option) == true
        }
    }
}

