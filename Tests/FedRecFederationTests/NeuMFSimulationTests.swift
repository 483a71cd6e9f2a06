import FedRecData
import FedRecMath
import FedRecModels
import FedRecPrivacy
import Testing
@testable import FedRecFederation

/// Federated NeuMF: update shape and clipping, bit-for-bit determinism across thread counts,
/// learning on planted implicit data, and the refusals of the constructor.
@Suite struct NeuMFSimulationTests {
    /// 4 taste groups of `usersPerGroup` users over 4 × 20 items. Each user picks 10 items of its
    /// own group (popular ones more often: weight ∝ 1/(1 + rank/3)) and 2 anywhere, in random
    /// time order except that the last in-group pick comes last; leave-one-out holds it out.
    static func planted(seed: UInt64, usersPerGroup: Int = 15) -> DataSplit {
        let groups = 4, itemsPerGroup = 20
        let userCount = groups * usersPerGroup, itemCount = groups * itemsPerGroup
        var rng = SeededGenerator(seed: seed)
        var users: [Int32] = [], items: [Int32] = [], times: [Int64] = []
        let weights = (0..<itemsPerGroup).map { 1 / (1 + Double($0) / 3) }
        let total = weights.reduce(0, +)
        for u in 0..<userCount {
            let g = u / usersPerGroup
            var chosen: [Int] = []
            while chosen.count < 10 {
                var r = rng.nextUnitDouble() * total
                var k = 0
                while r >= weights[k] && k < itemsPerGroup - 1 { r -= weights[k]; k += 1 }
                let item = g * itemsPerGroup + k
                if !chosen.contains(item) { chosen.append(item) }
            }
            let last = chosen.removeLast()
            while chosen.count < 11 {
                let item = rng.nextIndex(below: itemCount)
                if !chosen.contains(item) && item != last { chosen.append(item) }
            }
            for (k, i) in (chosen + [last]).enumerated() {
                users.append(Int32(u))
                items.append(Int32(i))
                times.append(Int64(k == chosen.count ? 1000 : rng.nextIndex(below: 999)))
            }
        }
        let data = RatingsDataset(userCount: userCount, itemCount: itemCount, users: users, items: items,
                                  ratings: [Float](repeating: 1, count: users.count), timestamps: times,
                                  feedback: .implicit, source: "planted")
        return DataSplit.leaveLastOut(data)
    }

    static let model = NeuMFConfig(gmfDim: 8, mlpLayers: [16, 8, 4])

    static func config(rounds: Int, rate: Double = 0.5, threads: Int = 1, seed: UInt64 = 7) throws -> NeuMFSimulationConfig {
        try NeuMFSimulationConfig(rounds: rounds, sampling: .poisson(rate: rate), model: model,
                                  local: NeuMFLocalOptions(epochs: 2, batchSize: 32, optimizer: .adam(.init(learningRate: 0.02))),
                                  seed: seed, threads: threads, reductionChunks: 4)
    }

    /// Local trust puts all the noise N(0, (zC)²) on each client; central trust none (the server adds it).
    static func seededPrivatizer(clip: Double, z: Double, trust: TrustModel = .local) throws -> GaussianPrivatizer {
        GaussianPrivatizer(mechanism: try GaussianMechanism(noiseMultiplier: z, clipBound: clip, trust: trust),
                           noise: .seeded(5))
    }

    @Test func clientUpdateHasTheGlobalShapeAndIsClippedToTheBound() throws {
        let split = Self.planted(seed: 1)
        let arch = try NeuMFArchitecture(config: Self.model, itemCount: split.train.itemCount)
        var rng = SeededGenerator(seed: 2)
        let global = arch.initialGlobalParameters(using: &rng)
        let rows = split.train.byUser()
        let update = try arch.trainLocally(userEmbedding: arch.initialUserEmbedding(using: &rng),
                                           items: Array(rows.items[rows.range(of: 0)]), global: global,
                                           options: .init(optimizer: .adam(.init(learningRate: 0.05))), using: &rng)
        #expect(update.globalDelta.count == arch.globalCount)
        let before = update.globalDelta.withUnsafeBufferPointer { Kernels.norm2($0) }
        let clip = 0.05
        #expect(before > 2 * clip, "the test needs an update larger than the bound (norm \(before))")
        var delta = update.globalDelta
        try Self.seededPrivatizer(clip: clip, z: 1, trust: .central).privatizeFlatUpdate(&delta, using: &rng)
        let after = delta.withUnsafeBufferPointer { Kernels.norm2($0) }
        #expect(delta.count == arch.globalCount)
        #expect(abs(after - clip) <= clip * 1e-5)
        // Clipping only rescales: the direction is kept.
        let cosine = zip(delta, update.globalDelta).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / (after * before)
        #expect(cosine > 0.99999)

        // A diverged (non-finite) update is zeroed, so the bound holds for every input.
        var broken = update.globalDelta
        broken[3] = .nan
        try Self.seededPrivatizer(clip: clip, z: 1, trust: .central).privatizeFlatUpdate(&broken, using: &rng)
        #expect(broken.allSatisfy { $0 == 0 })
    }

    @Test func noisedUpdateIsDenseWithTheClientNoiseLevel() throws {
        let n = 20_000
        var delta = [Float](repeating: 0, count: n)
        var rng = SeededGenerator(seed: 3)
        try Self.seededPrivatizer(clip: 0.5, z: 2).privatizeFlatUpdate(&delta, using: &rng)
        // Local trust: every coordinate gets N(0, (zC)²) = N(0, 1); the sample variance of n
        // draws has standard deviation √(2/n) ≈ 0.01, so 0.05 is 5σ.
        let variance = delta.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        #expect(abs(variance - 1) < 0.05)
        #expect(delta.allSatisfy { $0 != 0 })
    }

    @Test func sameSeedGivesTheSameBitsOnOneOrManyThreads() throws {
        let split = Self.planted(seed: 4)
        let privatizer = try Self.seededPrivatizer(clip: 0.5, z: 0.3)
        var results: [([Float], [Float], [RankingMetrics])] = []
        for threads in [1, 3] {
            var sim = try NeuMFSimulation(train: split.train, heldOut: split.test,
                                          config: try Self.config(rounds: 3, threads: threads), privatizer: privatizer)
            for _ in 0..<3 { _ = sim.runRound() }
            results.append((sim.global, sim.userEmbeddings,
                            try sim.evaluate(protocols: [.full, .sampled(negatives: 20, seed: 9)])))
        }
        #expect(results[0].0 == results[1].0)
        #expect(results[0].1 == results[1].1)
        #expect(results[0].2 == results[1].2)
        #expect(results[0].0.allSatisfy { $0.isFinite })
    }

    @Test func federatedNeuMFBeatsPopularityOnPlantedData() throws {
        let split = Self.planted(seed: 11)
        var sim = try NeuMFSimulation(train: split.train, heldOut: split.test,
                                      config: try Self.config(rounds: 20, rate: 0.5, threads: 2))
        var records: [NeuMFRoundRecord] = []
        let result = try sim.run(onRound: { records.append($0) })
        #expect(records.map(\.round) == Array(1...20))
        #expect(records.allSatisfy { $0.released && $0.failedClients == 0 && $0.participants > 0 })
        #expect(records.last!.trainLoss < 0.8 * records.first!.trainLoss)
        let evaluator = try RankingEvaluator(cutoffs: [10])
        let popularity = evaluator.evaluate(PopularityBaseline(train: split.train), train: split.train, test: split.test)
        #expect(result.final.userCount == split.test.count)
        #expect(result.final.hitRate(at: 10) > popularity.hitRate(at: 10) + 0.1,
                "federated HR@10 \(result.final.hitRate(at: 10)) vs popularity \(popularity.hitRate(at: 10))")
        #expect(records.last!.hitRate == result.final.hitRate(at: 10))
    }

    @Test func reconstructedUserStateAlsoLearns() throws {
        let split = Self.planted(seed: 12)
        var config = try Self.config(rounds: 15, rate: 0.5)
        config.persistentUserState = false
        config.local.userOnlyEpochs = 5
        config.local.optimizer = .adam(.init(learningRate: 0.05))
        config.evaluationFit = NeuMFLocalOptions(epochs: 20, batchSize: 32, optimizer: .adam(.init(learningRate: 0.05)))
        var sim = try NeuMFSimulation(train: split.train, heldOut: split.test, config: config)
        let before = sim.userEmbeddings
        let result = try sim.run()
        #expect(sim.userEmbeddings == before, "nothing persists on the clients")
        let popularity = try RankingEvaluator(cutoffs: [10]).evaluate(PopularityBaseline(train: split.train),
                                                                      train: split.train, test: split.test)
        #expect(result.final.hitRate(at: 10) > popularity.hitRate(at: 10) + 0.1,
                "reconstructed HR@10 \(result.final.hitRate(at: 10)) vs popularity \(popularity.hitRate(at: 10))")
    }

    @Test func aDivergingRoundIsUndoneAndStopsTheRunWithTheReason() throws {
        let split = Self.planted(seed: 14)
        var config = try Self.config(rounds: 5)
        config.serverOptimizer = .fedAvg(learningRate: .greatestFiniteMagnitude)
        // Local trust, z·C = 100: every coordinate of the mean update is of order 100/(qN) ≫ 1, so
        // one step at this learning rate overflows.
        var sim = try NeuMFSimulation(train: split.train, heldOut: split.test, config: config,
                                      privatizer: try Self.seededPrivatizer(clip: 1, z: 100))
        let initial = sim.global
        var records: [NeuMFRoundRecord] = []
        let result = try sim.run(onRound: { records.append($0) })
        #expect(records.count == 1, "the run stops at the first diverged round")
        #expect(result.stopReason?.contains("diverged") == true)
        #expect(result.stopReason?.contains("round 1") == true)
        #expect(sim.global == initial, "the diverged step is undone")
        #expect(result.global.allSatisfy { $0.isFinite })
        #expect(result.final.userCount == split.test.count, "the kept model is still evaluated")
    }

    @Test func aRoundWhereEveryClientFailsStopsTheRun() throws {
        let split = Self.planted(seed: 16)
        var config = try Self.config(rounds: 5)
        // Adam at 10³⁰ throws every client's parameters to ~10³⁰ at the first step: the loss is not finite.
        config.local.optimizer = .adam(.init(learningRate: 1e30))
        var sim = try NeuMFSimulation(train: split.train, heldOut: split.test, config: config)
        let initial = sim.global
        var records: [NeuMFRoundRecord] = []
        let result = try sim.run(onRound: { records.append($0) })
        #expect(records.count == 1 && records[0].failedClients == records[0].participants)
        #expect(result.stopReason?.contains("every participant's local training failed in round 1") == true)
        #expect(sim.global == initial, "failed clients send zeros: the model did not move")
    }

    @Test func adaptiveClippingMovesTheBoundTowardTheMedianUpdateNorm() throws {
        let split = Self.planted(seed: 15)
        let mechanism = try GaussianMechanism(noiseMultiplier: 1, clipBound: 1, trust: .local)
        var bounds: [Double] = []
        var medians: [Double] = []
        for start in [1e-2, 1e2] {
            let adaptive = try AdaptiveClipping(initialClipBound: start, targetQuantile: 0.5, learningRate: 1, countNoiseStddev: 2)
            let privatizer = try GaussianPrivatizer(accounted: mechanism, adaptive: adaptive, noise: .seeded(5))
            var sim = try NeuMFSimulation(train: split.train, heldOut: split.test, config: try Self.config(rounds: 25),
                                          privatizer: privatizer)
            var norms: [Double] = []
            for _ in 0..<25 { norms.append(sim.runRound().meanUpdateNorm) }
            bounds.append(try #require(sim.privatizer.adaptive?.clipBound))
            medians.append(norms.suffix(10).sorted()[5])
        }
        // Geometric updates of rate η = 1 move C by up to e^(η/2) a round while (nearly) every
        // update is clipped or none is: 25 rounds span e^12.5 ≈ 3·10⁵, more than the two starts'
        // distance to the update norms.
        for (bound, norm) in zip(bounds, medians) {
            #expect(bound > norm / 5 && bound < norm * 5, "final C \(bound) vs typical update norm \(norm)")
        }
    }

    @Test func refusesExplicitDataAndFixedSizePrivateRounds() throws {
        let split = Self.planted(seed: 13)
        var explicit = split.train
        explicit.feedback = .explicit
        #expect(throws: FederationError.self) {
            _ = try NeuMFSimulation(train: explicit, heldOut: split.test, config: try Self.config(rounds: 1))
        }
        var fixed = try Self.config(rounds: 1)
        fixed.sampling = .fixedSize(clientsPerRound: 5)
        #expect(throws: FederationError.self) {
            _ = try NeuMFSimulation(train: split.train, heldOut: split.test, config: fixed,
                                    privatizer: try Self.seededPrivatizer(clip: 1, z: 1))
        }
        #expect(throws: FederationError.self) {
            _ = try NeuMFSimulationConfig(model: NeuMFConfig(objective: .explicit))
        }
    }
}
