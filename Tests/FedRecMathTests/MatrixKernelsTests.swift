import Testing
@testable import FedRecMath

@Suite struct MatrixKernelsTests {
    /// Deterministic pseudo-random values in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
    }

    // Shapes cover the 16- and 8-wide batch tiles, scalar batch tails, odd row counts and
    // input widths that are not multiples of the 4-wide gradient tile.
    static let shapes: [(batch: Int, n: Int, m: Int)] = [(1, 1, 1), (3, 5, 3), (8, 8, 4), (21, 17, 7), (64, 64, 32), (37, 40, 9), (16, 33, 2), (27, 6, 1)]

    @Test(arguments: 0..<shapes.count)
    func affineMatchesNaiveMatrixProduct(shape: Int) {
        let (batch, n, m) = Self.shapes[shape]
        let x = Self.values(batch * n, seed: 1), w = Self.values(m * n, seed: 2), bias = Self.values(m, seed: 3)
        var y = [Float](repeating: .nan, count: batch * m)
        x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in bias.withUnsafeBufferPointer { pb in
            y.withUnsafeMutableBufferPointer { py in
                MatrixKernels.affine(input: px, weights: pw, bias: pb, output: py, batch: batch, inputCount: n, outputCount: m)
            }
        }}}
        for b in 0..<batch {
            for o in 0..<m {
                var s = Double(bias[o])
                for k in 0..<n { s += Double(w[o * n + k]) * Double(x[k * batch + b]) }
                #expect(abs(Double(y[o * batch + b]) - s) < 1e-5 * Double(n))
            }
        }
    }

    @Test(arguments: 0..<shapes.count)
    func transposedProductMatchesNaive(shape: Int) {
        let (batch, n, m) = Self.shapes[shape]
        let g = Self.values(batch * m, seed: 4), w = Self.values(m * n, seed: 5)
        var dx = [Float](repeating: .nan, count: batch * n)
        g.withUnsafeBufferPointer { pg in w.withUnsafeBufferPointer { pw in dx.withUnsafeMutableBufferPointer { pd in
            MatrixKernels.transposedProduct(outputGradient: pg, weights: pw, inputGradient: pd, batch: batch, inputCount: n, outputCount: m)
        }}}
        for b in 0..<batch {
            for k in 0..<n {
                var s = 0.0
                for o in 0..<m { s += Double(w[o * n + k]) * Double(g[o * batch + b]) }
                #expect(abs(Double(dx[k * batch + b]) - s) < 1e-5 * Double(m))
            }
        }
    }

    @Test(arguments: 0..<shapes.count)
    func outerProductsAccumulateOntoExistingGradients(shape: Int) {
        let (batch, n, m) = Self.shapes[shape]
        let g = Self.values(batch * m, seed: 6), x = Self.values(batch * n, seed: 7)
        let w0 = Self.values(m * n, seed: 8), b0 = Self.values(m, seed: 9)
        var dw = w0, db = b0
        g.withUnsafeBufferPointer { pg in x.withUnsafeBufferPointer { px in
            dw.withUnsafeMutableBufferPointer { pw in db.withUnsafeMutableBufferPointer { pb in
                MatrixKernels.accumulateOuterProducts(outputGradient: pg, input: px, weightGradient: pw, biasGradient: pb,
                                                      batch: batch, inputCount: n, outputCount: m)
            }}
        }}
        for o in 0..<m {
            var sb = Double(b0[o])
            for b in 0..<batch { sb += Double(g[o * batch + b]) }
            #expect(abs(Double(db[o]) - sb) < 1e-5 * Double(batch))
            for k in 0..<n {
                var s = Double(w0[o * n + k])
                for b in 0..<batch { s += Double(g[o * batch + b]) * Double(x[k * batch + b]) }
                #expect(abs(Double(dw[o * n + k]) - s) < 1e-5 * Double(batch))
            }
        }
    }

    @Test func outerProductsOverALongBatchSumEveryExample() {
        let batch = 301, n = 64, m = 3
        let g = Self.values(batch * m, seed: 10), x = Self.values(batch * n, seed: 11)
        var dw = [Float](repeating: 0, count: m * n)
        g.withUnsafeBufferPointer { pg in x.withUnsafeBufferPointer { px in dw.withUnsafeMutableBufferPointer { pw in
            MatrixKernels.accumulateOuterProducts(outputGradient: pg, input: px, weightGradient: pw, biasGradient: nil,
                                                  batch: batch, inputCount: n, outputCount: m)
        }}}
        for o in 0..<m {
            for k in 0..<n {
                var s = 0.0
                for b in 0..<batch { s += Double(g[o * batch + b]) * Double(x[k * batch + b]) }
                #expect(abs(Double(dw[o * n + k]) - s) < 1e-4)
            }
        }
    }

    @Test func reluClampsNegativesAndBackwardMasksInactiveUnits() {
        var z: [Float] = [-2, 0, 3, -0.5, 1, 2, -1, 4, 5, -3, 0.25]
        z.withUnsafeMutableBufferPointer { MatrixKernels.relu($0) }
        #expect(z == [0, 0, 3, 0, 1, 2, 0, 4, 5, 0, 0.25])
        var g: [Float] = (1...11).map(Float.init)
        z.withUnsafeBufferPointer { pa in g.withUnsafeMutableBufferPointer { MatrixKernels.reluBackward(activations: pa, gradient: $0) } }
        #expect(g == [0, 0, 3, 0, 5, 6, 0, 8, 9, 0, 11])
    }
}
