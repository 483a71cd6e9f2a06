import FedRecMath
import Testing
@testable import FedRecModels

@Suite struct NeuMFScorerTests {
    @Test(arguments: [NeuMFObjective.implicit, .explicit])
    func cachedScoresEqualTheFullForwardPass(objective: NeuMFObjective) throws {
        var rng = SeededGenerator(seed: 61)
        let config = NeuMFConfig(gmfDim: 5, mlpLayers: [12, 7, 3], objective: objective, embeddingInitStddev: 0.5)
        var model = try NeuMF(userCount: 4, itemCount: 300, config: config, outputBias: 2, using: &rng)
        // Non-zero first-layer bias, so the user half's bias term is exercised.
        for i in model.architecture.layers[0].biasRange { model.globalParameters[model.architecture.denseOffset + i] = 0.1 }
        let scorer = try NeuMFScorer(model: model)
        #expect(scorer.userCount == 4 && scorer.itemCount == 300)
        for u in 0..<4 {
            let full = model.scoreAll(user: u)
            let cached = scorer.scoreAll(user: u)
            for i in 0..<300 { #expect(abs(full[i] - cached[i]) < 1e-5 * max(1, abs(full[i])), "user \(u) item \(i)") }
        }
        let client = try NeuMFScorer(architecture: model.architecture, global: model.globalParameters)
        let some: [Int32] = [299, 0, 42, 42]
        var out = [Float](repeating: 0, count: 4)
        let row = model.userEmbedding(1)
        row.withUnsafeBufferPointer { r in some.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer {
            client.score(userEmbedding: r, items: i, into: $0)
        }}}
        let full = model.score(user: 1, items: some)
        for k in 0..<4 { #expect(abs(out[k] - full[k]) < 1e-5 * max(1, abs(full[k]))) }
    }

    @Test func scorerRefusesParametersThatDoNotFit() throws {
        let arch = try NeuMFArchitecture(config: .init(gmfDim: 2, mlpLayers: [4, 2]), itemCount: 3)
        #expect(throws: ModelError.self) { try NeuMFScorer(architecture: arch, global: [1, 2, 3]) }
    }
}
