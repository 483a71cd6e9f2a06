import FedRecMath
import Testing
@testable import FedRecModels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The per-client training API the federation calls.
@Suite struct NeuMFLocalTrainingTests {
    static let config = NeuMFConfig(gmfDim: 4, mlpLayers: [8, 6, 4])

    static func setup(items: Int = 30, seed: UInt64 = 41) throws -> (NeuMFArchitecture, [Float], [Float]) {
        let arch = try NeuMFArchitecture(config: config, itemCount: items)
        var rng = SeededGenerator(seed: seed)
        return (arch, arch.initialUserEmbedding(using: &rng), arch.initialGlobalParameters(using: &rng))
    }

    /// The objective local training minimises in expectation: each positive's cross-entropy
    /// plus `negatives` times the mean cross-entropy of a uniform non-interacted item.
    static func expectedObjective(_ arch: NeuMFArchitecture, user: [Float], global: [Float], positives: [Int32],
                                  negatives: Int = 4) -> Double {
        let others = (0..<Int32(arch.itemCount)).filter { !positives.contains($0) }
        let p = arch.score(userEmbedding: user, items: positives, global: global).map { -log(Double($0)) }.reduce(0, +)
        let n = arch.score(userEmbedding: user, items: others, global: global).map { -log(1 - Double($0)) }.reduce(0, +)
        return p + Double(negatives * positives.count) * n / Double(others.count)
    }

    @Test func deltaIsDenseOverTheGlobalVectorAndNonZeroOnlyWhereTheClientTrained() throws {
        let (arch, user, global) = try Self.setup()
        let positives: [Int32] = [3, 11, 12, 27]
        var rng = SeededGenerator(seed: 42)
        let update = try arch.trainLocally(userEmbedding: user, items: positives, global: global,
                                           options: .init(epochs: 2, negativesPerPositive: 0), using: &rng)
        #expect(update.globalDelta.count == arch.globalCount)
        #expect(update.userEmbedding.count == arch.embeddingDim && update.userEmbedding != user)
        #expect(update.exampleCount == positives.count)
        for item in 0..<arch.itemCount {
            let row = update.globalDelta[arch.itemEmbeddingRange(item)]
            if positives.contains(Int32(item)) {
                #expect(row.contains { $0 != 0 }, "item \(item) was trained on")
            } else {
                #expect(row.allSatisfy { $0 == 0 }, "item \(item) was never touched")
            }
        }
        #expect(update.globalDelta[arch.denseOffset...].contains { $0 != 0 })
    }

    @Test func applyingTheDeltaLowersTheClientsLoss() throws {
        let (arch, user, global) = try Self.setup()
        let positives: [Int32] = [1, 4, 9, 16, 25]
        var rng = SeededGenerator(seed: 43)
        let update = try arch.trainLocally(userEmbedding: user, items: positives, global: global,
                                           options: .init(epochs: 10), using: &rng)
        let moved = zip(global, update.globalDelta).map { $0 + $1 }
        let before = Self.expectedObjective(arch, user: user, global: global, positives: positives)
        let after = Self.expectedObjective(arch, user: update.userEmbedding, global: moved, positives: positives)
        // Untrained, every score is about ½: the objective starts near 25·ln 2 ≈ 17.3.
        #expect(after < 0.9 * before, "objective before \(before), after \(after)")
    }

    @Test func moreLocalEpochsFitTheClientBetter() throws {
        let (arch, user, global) = try Self.setup()
        let positives: [Int32] = [2, 5, 8, 13, 21, 29]
        var rng1 = SeededGenerator(seed: 44), rng2 = SeededGenerator(seed: 44)
        let one = try arch.trainLocally(userEmbedding: user, items: positives, global: global, options: .init(epochs: 1), using: &rng1)
        let many = try arch.trainLocally(userEmbedding: user, items: positives, global: global, options: .init(epochs: 25), using: &rng2)
        #expect(many.meanLoss < 0.8 * one.meanLoss, "1 epoch \(one.meanLoss), 25 epochs \(many.meanLoss)")
    }

    @Test func userOnlyTrainingLeavesTheGlobalModelAlone() throws {
        let (arch, user, global) = try Self.setup()
        let positives: [Int32] = [0, 7, 14]
        var rng = SeededGenerator(seed: 45)
        let update = try arch.trainLocally(userEmbedding: user, items: positives, global: global,
                                           options: .init(epochs: 0, userOnlyEpochs: 3), using: &rng)
        #expect(update.globalDelta.allSatisfy { $0 == 0 })
        #expect(update.userEmbedding != user)
        let fitted = try arch.fitUserEmbedding(userEmbedding: user, items: positives, global: global,
                                               options: .init(epochs: 10), using: &rng)
        #expect(Self.expectedObjective(arch, user: fitted, global: global, positives: positives)
                < Self.expectedObjective(arch, user: user, global: global, positives: positives))
    }

    @Test func explicitClientsTrainOnTheirRatings() throws {
        var config = Self.config
        config.objective = .explicit
        let arch = try NeuMFArchitecture(config: config, itemCount: 10)
        var rng = SeededGenerator(seed: 46)
        let global = arch.initialGlobalParameters(outputBias: 3, using: &rng)
        let user = arch.initialUserEmbedding(using: &rng)
        let update = try arch.trainLocally(userEmbedding: user, items: [1, 2, 3], ratings: [5, 1, 4], global: global,
                                           options: .init(epochs: 40, optimizer: .sgd(learningRate: 0.05)), using: &rng)
        #expect(update.exampleCount == 3)
        #expect(update.meanLoss < 1)
        #expect(throws: ModelError.self) {
            try arch.trainLocally(userEmbedding: user, items: [1, 2], ratings: [5], global: global, using: &rng)
        }
    }

    @Test func inconsistentInputsAreRefusedWithClearErrors() throws {
        let (arch, user, global) = try Self.setup(items: 5)
        var rng = SeededGenerator(seed: 47)
        let all = #expect(throws: ModelError.self) {
            try arch.trainLocally(userEmbedding: user, items: [0, 1, 2, 3, 4], global: global, using: &rng)
        }
        #expect(all?.code == .noNegativeItems)
        let short = #expect(throws: ModelError.self) {
            try arch.trainLocally(userEmbedding: user, items: [1], global: Array(global.dropLast()), using: &rng)
        }
        #expect(short?.code == .invalidInput)
        #expect(throws: ModelError.self) {
            try arch.trainLocally(userEmbedding: [0, 0], items: [1], global: global, using: &rng)
        }
        #expect(throws: ModelError.self) {
            try arch.trainLocally(userEmbedding: user, items: [], global: global, using: &rng)
        }
        #expect(throws: ModelError.self) { try arch.validateGlobal(global.map { _ in .nan }) }
        try arch.validateGlobal(global)
    }
}
