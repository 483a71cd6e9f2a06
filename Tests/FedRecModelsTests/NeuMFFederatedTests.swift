import FedRecMath
import Testing
@testable import FedRecModels

/// The local-training API driven the way the federation drives it: plain FedAvg (every user
/// each round, Δ averaged over users and added to the global model) on planted data.
@Suite struct NeuMFFederatedTests {
    @Test func fedAvgOverLocalUpdatesLearnsThePlantedGroups() throws {
        let data = NeuMFTrainerTests.planted(seed: 71, usersPerGroup: 20)
        let rows = data.train.byUser()
        let histories = (0..<rows.userCount).map { Array(rows.items[rows.range(of: $0)]) }
        let arch = try NeuMFArchitecture(config: NeuMFTrainerTests.config, itemCount: data.train.itemCount)
        var rng = SeededGenerator(seed: 72)
        var global = arch.initialGlobalParameters(using: &rng)
        var users = (0..<rows.userCount).map { _ in arch.initialUserEmbedding(using: &rng) }
        let options = NeuMFLocalOptions(epochs: 2, optimizer: .adam(.init(learningRate: 0.02)))
        var firstLoss = 0.0, lastLoss = 0.0
        for round in 1...20 {
            var sum = [Float](repeating: 0, count: arch.globalCount)
            var loss = 0.0
            for u in 0..<rows.userCount {
                var client = SeededGenerator(seed: 73, stream: [UInt64(u), UInt64(round)])
                let update = try arch.trainLocally(userEmbedding: users[u], items: histories[u], global: global,
                                                   options: options, using: &client)
                #expect(update.globalDelta.count == arch.globalCount)
                users[u] = update.userEmbedding
                sum.withUnsafeMutableBufferPointer { s in update.globalDelta.withUnsafeBufferPointer { Kernels.axpy(1, $0, s) } }
                loss += update.meanLoss
            }
            global.withUnsafeMutableBufferPointer { g in sum.withUnsafeBufferPointer { Kernels.axpy(1 / Float(rows.userCount), $0, g) } }
            if round == 1 { firstLoss = loss } else { lastLoss = loss }
        }
        #expect(lastLoss < 0.8 * firstLoss)

        let scorer = try NeuMFScorer(architecture: arch, global: global)
        let federatedHR = NeuMFTrainerTests.hitRate(data) { scorer.scoreAll(userEmbedding: users[$0]) }
        var popularity = [Float](repeating: 0, count: data.train.itemCount)
        for i in data.train.items { popularity[Int(i)] += 1 }
        let popularHR = NeuMFTrainerTests.hitRate(data) { _ in popularity }
        #expect(federatedHR > popularHR + 0.15, "federated NeuMF HR@10 \(federatedHR) vs popularity \(popularHR)")
    }
}
