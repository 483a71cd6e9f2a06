import Testing
@testable import FedRecMath

@Suite struct KernelsTests {
    @Test(arguments: [0, 1, 7, 8, 9, 33])
    func dotMatchesNaiveSumForEveryTailLength(n: Int) {
        let a = (0..<n).map { Float($0) * 0.5 - 3 }
        let b = (0..<n).map { Float(n - $0) * 0.25 }
        let naive = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let fast = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { Kernels.dot(pa, $0) } }
        #expect(abs(fast - naive) <= 1e-4 * max(1, abs(naive)))
    }

    @Test func axpyAddsScaledVector() {
        let x: [Float] = (0..<11).map(Float.init)
        var y = [Float](repeating: 1, count: 11)
        x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { Kernels.axpy(2, px, $0) } }
        #expect(y == x.map { 1 + 2 * $0 })
    }

    @Test func normOfThreeFourIsFive() {
        let v: [Float] = [3, 4, 0, 0, 0]
        #expect(v.withUnsafeBufferPointer { Kernels.norm2($0) } == 5)
    }

    @Test func allFiniteDetectsNaNAndInfinity() {
        #expect([Float(1), 2].withUnsafeBufferPointer { Kernels.allFinite($0) })
        #expect(![Float(1), .nan].withUnsafeBufferPointer { Kernels.allFinite($0) })
        #expect(![Float.infinity].withUnsafeBufferPointer { Kernels.allFinite($0) })
    }
}
