import FedRecMath
import Testing
@testable import FedRecFederation

@Suite struct ItemModelTests {
    @Test func flattenedLayoutIsMeanThenBiasesThenFactorRows() {
        let m = ItemModel(globalMean: 3.5, itemBias: [0.1, -0.2], itemFactors: [1, 2, 3, 4, 5, 6], dim: 3)
        #expect(m.flattened == [3.5, 0.1, -0.2, 1, 2, 3, 4, 5, 6])
        #expect(m.parameterCount == ItemModel.parameterCount(itemCount: 2, dim: 3))
        #expect(m.bias(of: 1) == -0.2)
        #expect(Array(m.parameters[m.factorRange(of: 1)]) == [4, 5, 6])
        #expect(m.itemBias == [0.1, -0.2])
        #expect(m.itemFactors == [1, 2, 3, 4, 5, 6])
    }

    @Test func rebuildsFromItsFlattenedVector() {
        var rng = SeededGenerator(seed: 1)
        let m = ItemModel(itemCount: 7, dim: 4, globalMean: 3, initScale: 0.1, using: &rng)
        let back = ItemModel(flattened: m.flattened, itemCount: 7, dim: 4)
        #expect(back == m)
        #expect(back.globalMean == 3)
        #expect(back.itemBias.allSatisfy { $0 == 0 })
    }
}
