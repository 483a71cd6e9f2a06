import FedRecMath
import Testing
@testable import FedRecModels

/// Finite-difference checks of the dense layer and the ReLU: the analytic float gradients of
/// L = Σ c ⊙ act(W·X + b) against central differences of L evaluated in double precision
/// (X feature-major: `inputs × batch`).
@Suite struct DenseLayerTests {
    static let batch = 19, inputs = 5, outputs = 4, offset = 3   // 19 = a 16-wide tile + a scalar tail

    static func values(_ n: Int, seed: UInt64, scale: Double = 1) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in Float((rng.nextUnitDouble() * 2 - 1) * scale) }
    }

    /// L in double precision for parameters `p` (the layer at `offset`) and inputs `x`.
    static func loss(_ p: [Double], _ x: [Double], _ c: [Double], relu: Bool) -> Double {
        var total = 0.0
        for b in 0..<batch {
            for o in 0..<outputs {
                var z = p[offset + outputs * inputs + o]
                for k in 0..<inputs { z += p[offset + o * inputs + k] * x[k * batch + b] }
                total += c[o * batch + b] * (relu ? max(z, 0) : z)
            }
        }
        return total
    }

    @Test(arguments: [false, true])
    func analyticGradientsMatchFiniteDifferences(relu: Bool) {
        let layer = DenseLayer(inputCount: Self.inputs, outputCount: Self.outputs, offset: Self.offset)
        let params = Self.values(layer.end + 2, seed: 1)   // padding either side of the layer's slice
        let x = Self.values(Self.batch * Self.inputs, seed: 2)
        let c = Self.values(Self.batch * Self.outputs, seed: 3)
        var y = [Float](repeating: 0, count: Self.batch * Self.outputs)
        var dParams = [Float](repeating: 0, count: params.count)
        var dx = [Float](repeating: 0, count: x.count)
        var dy = c
        params.withUnsafeBufferPointer { p in x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                layer.forward(parameters: p, input: xp, output: yp, batch: Self.batch)
                if relu { MatrixKernels.relu(yp) }
            }
            dy.withUnsafeMutableBufferPointer { g in
                if relu { y.withUnsafeBufferPointer { MatrixKernels.reluBackward(activations: $0, gradient: g) } }
                dParams.withUnsafeMutableBufferPointer { dp in dx.withUnsafeMutableBufferPointer { dxp in
                    layer.backward(parameters: p, input: xp, outputGradient: UnsafeBufferPointer(g), inputGradient: dxp,
                                   parameterGradient: dp, batch: Self.batch)
                }}
            }
        }}
        let pd = params.map(Double.init), xd = x.map(Double.init), cd = c.map(Double.init)
        let h = 1e-6
        for i in params.indices {
            var plus = pd, minus = pd
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.loss(plus, xd, cd, relu: relu) - Self.loss(minus, xd, cd, relu: relu)) / (2 * h)
            #expect(abs(Double(dParams[i]) - numeric) < 1e-5, "parameter \(i)")
        }
        // Padding outside the layer's slice gets no gradient.
        #expect(dParams[0] == 0 && dParams[params.count - 1] == 0)
        for i in x.indices {
            var plus = xd, minus = xd
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.loss(pd, plus, cd, relu: relu) - Self.loss(pd, minus, cd, relu: relu)) / (2 * h)
            #expect(abs(Double(dx[i]) - numeric) < 1e-5, "input \(i)")
        }
    }

    @Test func reluBackwardMatchesFiniteDifferencesAwayFromTheKink() {
        let z: [Float] = [-1.5, -0.2, 0.3, 2.0, -0.01, 0.7, 1.1, -3, 0.05]
        var a = z
        a.withUnsafeMutableBufferPointer { MatrixKernels.relu($0) }
        var g = [Float](repeating: 1, count: z.count)
        a.withUnsafeBufferPointer { ap in g.withUnsafeMutableBufferPointer { MatrixKernels.reluBackward(activations: ap, gradient: $0) } }
        let h = 1e-4
        for i in z.indices {
            let numeric = (max(Double(z[i]) + h, 0) - max(Double(z[i]) - h, 0)) / (2 * h)
            #expect(abs(Double(g[i]) - numeric) < 1e-9)
        }
    }

    @Test func heInitialisationHasVarianceTwoOverFanIn() {
        // 64·256 weights: the sample variance of N(0, 2/64) has relative sd √(2/16384) ≈ 1.1%; allow 5 sd.
        let layer = DenseLayer(inputCount: 64, outputCount: 256, offset: 0)
        var p = [Float](repeating: 1, count: layer.parameterCount)
        var rng = SeededGenerator(seed: 4)
        p.withUnsafeMutableBufferPointer { layer.initialize($0, scheme: .he, using: &rng) }
        let w = p[layer.weightRange].map(Double.init)
        let variance = w.reduce(0) { $0 + $1 * $1 } / Double(w.count)
        #expect(abs(variance / (2.0 / 64) - 1) < 5 * (2.0 / Double(w.count)).squareRoot())
        #expect(p[layer.biasRange].allSatisfy { $0 == 0 })
    }

    @Test func glorotInitialisationStaysWithinItsBound() {
        let layer = DenseLayer(inputCount: 24, outputCount: 1, offset: 2)
        var p = [Float](repeating: 9, count: layer.end)
        var rng = SeededGenerator(seed: 5)
        p.withUnsafeMutableBufferPointer { layer.initialize($0, scheme: .glorot, using: &rng) }
        let bound = Float((6.0 / 25).squareRoot())
        #expect(p[layer.weightRange].allSatisfy { abs($0) <= bound })
        #expect(p[layer.biasRange].allSatisfy { $0 == 0 })
        #expect(p[0] == 9 && p[1] == 9)
    }
}
