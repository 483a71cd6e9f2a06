import FedRecData
import FedRecMath
import Testing
@testable import FedRecModels

/// End-to-end behaviour of centralized NeuMF on a planted implicit data set built here.
@Suite struct NeuMFTrainerTests {
    /// 4 taste groups of `usersPerGroup` users (40 by default) and 30 items. Each user picks 12 items of its own group
    /// (popular ones more often: weight ∝ 1/(1 + rank/3)) and 2 items anywhere. The last
    /// in-group pick is held out (leave-one-out), the rest is training data.
    struct Planted {
        var train: RatingsDataset
        var heldOut: [Int32]   // per user
    }

    static func planted(seed: UInt64, usersPerGroup: Int = 40) -> Planted {
        let groups = 4, itemsPerGroup = 30
        let userCount = groups * usersPerGroup, itemCount = groups * itemsPerGroup
        var rng = SeededGenerator(seed: seed)
        var users: [Int32] = [], items: [Int32] = [], heldOut: [Int32] = []
        let weights = (0..<itemsPerGroup).map { 1 / (1 + Double($0) / 3) }
        for u in 0..<userCount {
            let g = u / usersPerGroup
            var chosen: [Int] = []
            while chosen.count < 12 {
                var r = rng.nextUnitDouble() * weights.reduce(0, +)
                var k = 0
                while r >= weights[k] && k < itemsPerGroup - 1 { r -= weights[k]; k += 1 }
                let item = g * itemsPerGroup + k
                if !chosen.contains(item) { chosen.append(item) }
            }
            heldOut.append(Int32(chosen.removeLast()))
            while chosen.count < 13 {
                let item = rng.nextIndex(below: itemCount)
                if !chosen.contains(item) && Int32(item) != heldOut.last! { chosen.append(item) }
            }
            for i in chosen {
                users.append(Int32(u))
                items.append(Int32(i))
            }
        }
        let train = RatingsDataset(userCount: userCount, itemCount: itemCount, users: users, items: items,
                                   ratings: [Float](repeating: 1, count: users.count), feedback: .implicit, source: "planted")
        return Planted(train: train, heldOut: heldOut)
    }

    /// HR@10 over the full ranking: the held-out item counts as a hit when fewer than 10
    /// non-training items score at least as high (ties go against it).
    static func hitRate(_ planted: Planted, score: (Int) -> [Float]) -> Double {
        let rows = planted.train.byUser()
        var hits = 0
        for u in 0..<rows.userCount {
            let scores = score(u)
            var seen = Set(rows.items[rows.range(of: u)])
            let target = planted.heldOut[u]
            seen.insert(target)
            var better = 0
            for i in 0..<rows.itemCount where !seen.contains(Int32(i)) && scores[i] >= scores[Int(target)] { better += 1 }
            if better < 10 { hits += 1 }
        }
        return Double(hits) / Double(rows.userCount)
    }

    static let config = NeuMFConfig(gmfDim: 8, mlpLayers: [16, 8, 4])

    @Test func lossFallsAndHitRateBeatsPopularityOnPlantedData() throws {
        let data = Self.planted(seed: 31)
        let trainer = try NeuMFTrainer(config: Self.config,
                                       options: .init(epochs: 12, batchSize: 64, optimizer: .adam(.init(learningRate: 0.01))))
        var rng = SeededGenerator(seed: 32)
        var reports: [NeuMFEpochReport] = []
        let model = try trainer.train(data.train, using: &rng) { reports.append($0) }
        #expect(reports.map(\.epoch) == Array(1...12))
        #expect(reports.allSatisfy { $0.exampleCount == data.train.count * 5 && $0.seconds >= 0 })
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $1.elapsedSeconds >= $0.elapsedSeconds + $1.seconds * 0.999 })
        // An untrained model sits at ln 2 ≈ 0.693 per example; a fitted one far below.
        #expect(reports.first!.meanLoss < 0.7)
        #expect(reports.last!.meanLoss < 0.6 * reports.first!.meanLoss)

        var popularity = [Float](repeating: 0, count: data.train.itemCount)
        for i in data.train.items { popularity[Int(i)] += 1 }
        let popularHR = Self.hitRate(data) { _ in popularity }
        let neuralHR = Self.hitRate(data) { model.scoreAll(user: $0) }
        // Popularity only knows each group's head items; the model learns the groups.
        #expect(neuralHR > popularHR + 0.15, "NeuMF HR@10 \(neuralHR) vs popularity \(popularHR)")
    }

    @Test func scoresAreProbabilitiesAndBatchedScoringAgreesWithSingleItems() throws {
        var rng = SeededGenerator(seed: 33)
        let model = try NeuMF(userCount: 3, itemCount: 300, config: Self.config, using: &rng)
        let all = model.scoreAll(user: 2)   // 300 items: two scoring batches
        #expect(all.count == 300 && all.allSatisfy { $0 > 0 && $0 < 1 })
        for i in [0, 17, 255, 256, 299] { #expect(model.score(user: 2, items: [Int32(i)])[0] == all[i]) }
        let viaEmbedding = model.architecture.scoreAll(userEmbedding: model.userEmbedding(2), global: model.globalParameters)
        #expect(viaEmbedding == all)
    }

    @Test func explicitObjectiveFitsRatingsBetterThanTheMean() throws {
        // Ratings 3 ± 1.5 from a planted sign pattern: user parity × item parity.
        var users: [Int32] = [], items: [Int32] = [], ratings: [Float] = []
        var rng = SeededGenerator(seed: 34)
        for u in 0..<60 {
            for _ in 0..<15 {
                let i = rng.nextIndex(below: 40)
                users.append(Int32(u))
                items.append(Int32(i))
                ratings.append((u % 2 == i % 2) ? 4.5 : 1.5)
            }
        }
        let data = RatingsDataset(userCount: 60, itemCount: 40, users: users, items: items, ratings: ratings)
        var config = Self.config
        config.objective = .explicit
        let trainer = try NeuMFTrainer(config: config, options: .init(epochs: 30, batchSize: 32, optimizer: .adam(.init(learningRate: 0.01))))
        var losses: [Double] = []
        let model = try trainer.train(data, using: &rng) { losses.append($0.meanLoss) }
        // The mean predictor's squared error is the rating variance, 2.25; the first epoch starts there.
        #expect(losses.first! > 1)
        var sse = 0.0
        for k in 0..<data.count {
            let p = model.score(user: Int(users[k]), items: [items[k]])[0]
            sse += Double((p - ratings[k]) * (p - ratings[k]))
        }
        #expect(sse / Double(data.count) < 0.25 * 2.25)
    }

    @Test func invalidSettingsAndDataAreRejected() throws {
        #expect(throws: ModelError.self) { try NeuMFTrainer(options: .init(batchSize: 0)) }
        #expect(throws: ModelError.self) { try NeuMFTrainer(config: .init(mlpLayers: [7, 4])) }
        #expect(throws: ModelError.self) { try NeuMFTrainer(options: .init(optimizer: .sgd(learningRate: -1))) }
        let trainer = try NeuMFTrainer(config: Self.config, options: .init(epochs: 1, positiveThreshold: 4))
        let data = RatingsDataset(userCount: 2, itemCount: 3, users: [0, 1], items: [0, 2], ratings: [3, 2])
        var rng = SeededGenerator(seed: 35)
        let error = #expect(throws: ModelError.self) { try trainer.train(data, using: &rng) }
        #expect(error?.message.contains("threshold") == true)
    }
}
