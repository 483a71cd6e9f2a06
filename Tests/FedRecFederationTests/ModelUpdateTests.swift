import Testing
@testable import FedRecFederation

@Suite struct ModelUpdateTests {
    // Two items of a 3-item, dim-2 model: item 0 and item 2 touched.
    let sparse = ModelUpdate(itemCount: 3, dim: 2, touchedItems: [0, 2], globalMeanDelta: 0.5,
                             rows: [1, 2, 3, /* item 2 */ 4, 5, 6])

    @Test func sparseUpdateDensifiesIntoTheItemModelLayout() {
        // [μ | b0 b1 b2 | q0 q1 q2]
        #expect(sparse.denseVector() == [0.5, 1, 0, 4, 2, 3, 0, 0, 5, 6])
        var d = sparse
        d.makeDense()
        #expect(d.isDense)
        #expect(d.values == sparse.denseVector())
    }

    @Test func normIsTheSameSparseOrDense() {
        let expected = (0.25 + 1 + 4 + 9 + 16 + 25 + 36).squareRoot()
        var d = sparse
        d.makeDense()
        #expect(abs(sparse.norm() - expected) < 1e-9)
        #expect(abs(d.norm() - expected) < 1e-9)
    }

    @Test func scalingClipsBothForms() {
        var s = sparse
        s.scale(by: 0.5)
        #expect(s.globalMeanDelta == 0.25)
        #expect(s.denseVector() == sparse.denseVector().map { $0 * 0.5 })
    }

    @Test func accumulatorSumsSparseAndDenseUpdatesAndClearsTouchedRows() {
        var acc = UpdateAccumulator(itemCount: 3, dim: 2)
        acc.add(sparse)
        acc.add(sparse)
        var dense = sparse
        dense.makeDense()
        acc.add(dense)
        var target = [Float](repeating: 1, count: 10)
        let n = target.withUnsafeMutableBufferPointer { acc.drain(into: $0) }
        #expect(n == 3)
        #expect(target == sparse.denseVector().map { 1 + 3 * $0 })
        #expect(acc.sum.allSatisfy { $0 == 0 })
        #expect(acc.count == 0)
        // Reused after a drain: only the new update comes out.
        acc.add(sparse)
        var again = [Float](repeating: 0, count: 10)
        again.withUnsafeMutableBufferPointer { _ = acc.drain(into: $0) }
        #expect(again == sparse.denseVector())
    }
}
