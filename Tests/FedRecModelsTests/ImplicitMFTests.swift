import FedRecData
import FedRecMath
import Testing
@testable import FedRecModels

/// Implicit MF (dot product + biases, BCE with sampled negatives), and the client-side
/// negative sampling that both it and federated NeuMF rely on.
@Suite struct ImplicitMFTests {
    @Test func lossFallsAndHitRateBeatsPopularityOnPlantedData() throws {
        let data = NeuMFTrainerTests.planted(seed: 41, usersPerGroup: 20)
        let trainer = try ImplicitMFTrainer(options: .init(dim: 8, epochs: 15, learningRate: 0.05))
        var rng = SeededGenerator(seed: 42)
        var losses: [Double] = []
        let model = try trainer.train(data.train, using: &rng) { epoch, loss in
            #expect(epoch == losses.count + 1)
            losses.append(loss)
        }
        #expect(losses.count == 15)
        #expect(losses.last! < 0.7 * losses.first!)
        let items = (0..<Int32(model.itemCount)).map { $0 }
        let mfHR = NeuMFTrainerTests.hitRate(data) { u in
            var s = [Float](repeating: 0, count: model.itemCount)
            items.withUnsafeBufferPointer { i in s.withUnsafeMutableBufferPointer { model.score(user: u, items: i, into: $0) } }
            return s
        }
        var popularity = [Float](repeating: 0, count: data.train.itemCount)
        for i in data.train.items { popularity[Int(i)] += 1 }
        let popularHR = NeuMFTrainerTests.hitRate(data) { _ in popularity }
        #expect(mfHR > popularHR + 0.15, "implicit MF HR@10 \(mfHR) vs popularity \(popularHR)")
    }

    @Test func scoreIsTheLogitOfTheDotProductWithBiases() {
        var rng = SeededGenerator(seed: 1)
        var model = ImplicitMF(userCount: 2, itemCount: 3, dim: 4, using: &rng)
        model.globalBias = 0.5
        model.userBias[1] = -0.25
        model.itemBias[2] = 1
        let expected = 0.5 - 0.25 + 1 + (0..<4).reduce(Float(0)) { $0 + model.userFactors[4 + $1] * model.itemFactors[8 + $1] }
        var score: [Float] = [0]
        [Int32(2)].withUnsafeBufferPointer { i in score.withUnsafeMutableBufferPointer { model.score(user: 1, items: i, into: $0) } }
        #expect(abs(score[0] - expected) < 1e-6)
        #expect(abs(model.logit(user: 1, item: 2) - expected) < 1e-6)
    }

    @Test func invalidOptionsAreRejected() {
        #expect(throws: ModelError.self) { _ = try ImplicitMFTrainer(options: .init(dim: 0)) }
        #expect(throws: ModelError.self) { _ = try ImplicitMFTrainer(options: .init(learningRate: -1)) }
    }

    /// The examples a federated client builds from its own history alone (one row, the layout
    /// `trainLocally` uses): every negative lies outside the client's positives, every positive
    /// appears once per epoch followed by its negatives.
    @Test func clientNegativesNeverIncludeTheClientsPositives() throws {
        let itemCount = 50
        var rng = SeededGenerator(seed: 9)
        let positives: [Int32] = [0, 3, 4, 5, 17, 30, 31, 48, 49]
        let sampler = try ImplicitSampler(positives: positives.shuffled(using: &rng), itemCount: itemCount)
        var examples = NeuMFExamples()
        var order = (0..<Int32(positives.count)).map { $0 }
        var local = SeededGenerator(seed: 10)
        var seenNegatives = Set<Int32>()
        for _ in 0..<200 {
            examples.fillImplicit(offsets: [0, positives.count], sortedItems: sampler.positives,
                                  rowOf: [Int32](repeating: 0, count: positives.count), rowUsers: [0],
                                  order: &order, itemCount: itemCount, negatives: 4, using: &local)
            #expect(examples.count == positives.count * 5)
            for k in 0..<examples.count where examples.targets[k] == 0 {
                #expect(!positives.contains(examples.items[k]))
                seenNegatives.insert(examples.items[k])
            }
            #expect(examples.items.enumerated().filter { examples.targets[$0.offset] == 1 }.map(\.element).sorted() == positives)
        }
        // 7,200 uniform draws over 41 negatives: each is missed with probability (40/41)^7200 ≈ 1e-77.
        #expect(seenNegatives.count == itemCount - positives.count)
    }
}
