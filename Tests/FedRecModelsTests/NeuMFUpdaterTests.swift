import FedRecMath
import Testing
@testable import FedRecModels

/// The optimizer step applied to embedding rows and the per-epoch example lists.
@Suite struct NeuMFUpdaterTests {
    static func arch() throws -> NeuMFArchitecture {
        try NeuMFArchitecture(config: NeuMFConfig(gmfDim: 2, mlpLayers: [4, 3]), itemCount: 5)
    }

    /// Stages two examples on item 2 with row gradients g₁, g₂ and applies one update.
    static func applyTwoGradients(_ optimizer: NeuMFOptimizer) throws -> (before: [Float], after: [Float], arch: NeuMFArchitecture) {
        let arch = try Self.arch()
        var rng = SeededGenerator(seed: 51)
        var global = arch.initialGlobalParameters(using: &rng)
        let before = global
        var users = [Float](repeating: 0.5, count: arch.embeddingDim)
        let ws = NeuMFWorkspace(arch: arch, capacity: 4)
        let updater = NeuMFUpdater(arch: arch, optimizer: optimizer, userRows: 1, capacity: 4)
        let e = arch.embeddingDim
        for b in 0..<2 {
            ws.users[b] = 0
            ws.items[b] = 2
            for j in 0..<e { ws.dItem[b * e + j] = b == 0 ? Float(j + 1) : -0.25 * Float(j + 1) }  // g₁ + g₂ = 0.75·g₁
        }
        ws.dDense.update(repeating: 0)
        users.withUnsafeMutableBufferPointer { u in global.withUnsafeMutableBufferPointer { g in
            updater.apply(ws, count: 2, userTable: u.baseAddress!, global: g, updateUser: false, updateGlobal: true)
        }}
        #expect(users.allSatisfy { $0 == 0.5 })
        return (before, global, arch)
    }

    @Test func lazyAdamSumsRepeatedRowsIntoOneStepAndSkipsUntouchedRows() throws {
        let lr: Float = 0.01
        let (before, after, arch) = try Self.applyTwoGradients(.adam(.init(learningRate: lr)))
        // One Adam step from zero moments moves θ by −lr·sign(g₁ + g₂); here g₁ + g₂ = 0.75·g₁ > 0 everywhere.
        for (k, i) in arch.itemEmbeddingRange(2).enumerated() {
            #expect(abs((before[i] - after[i]) - lr) < 1e-6, "coordinate \(k)")
        }
        for item in [0, 1, 3, 4] { for i in arch.itemEmbeddingRange(item) { #expect(after[i] == before[i]) } }
        // A zero dense gradient leaves the dense block where it was.
        #expect(Array(after[arch.denseOffset...]) == Array(before[arch.denseOffset...]))
    }

    @Test func sgdAddsUpTheRowGradients() throws {
        let lr: Float = 0.1
        let (before, after, arch) = try Self.applyTwoGradients(.sgd(learningRate: lr))
        for (k, i) in arch.itemEmbeddingRange(2).enumerated() {
            #expect(abs((before[i] - after[i]) - lr * 0.75 * Float(k + 1)) < 1e-6)
        }
        for item in [0, 1, 3, 4] { for i in arch.itemEmbeddingRange(item) { #expect(after[i] == before[i]) } }
    }

    @Test func epochExamplesHoldEveryPositiveOnceAndOnlyTrueNegatives() {
        // Two users over 12 items: rows of distinct ascending items.
        let offsets = [0, 4, 10]
        let sortedItems: [Int32] = [0, 3, 7, 11, 1, 2, 3, 4, 5, 6]
        let rowOf: [Int32] = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
        let rowUsers: [Int32] = [5, 9]
        var order = (0..<Int32(10)).map { $0 }
        var rng = SeededGenerator(seed: 52)
        var examples = NeuMFExamples()
        examples.fillImplicit(offsets: offsets, sortedItems: sortedItems, rowOf: rowOf, rowUsers: rowUsers, order: &order,
                              itemCount: 12, negatives: 3, using: &rng)
        #expect(examples.count == 10 * 4)
        let own: [Int32: Set<Int32>] = [5: Set(sortedItems[0..<4]), 9: Set(sortedItems[4..<10])]
        var positives: [String] = []
        for k in 0..<examples.count {
            let u = examples.users[k], i = examples.items[k]
            if examples.targets[k] == 1 {
                #expect(own[u]!.contains(i))
                positives.append("\(u):\(i)")
            } else {
                #expect(examples.targets[k] == 0 && !own[u]!.contains(i) && i >= 0 && i < 12)
            }
        }
        #expect(positives.sorted() == ["5:0", "5:11", "5:3", "5:7", "9:1", "9:2", "9:3", "9:4", "9:5", "9:6"])
    }
}
