import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecHTTP
import FedRecMath
import FedRecModels
import FedRecPrivacy
@testable import FedRecServer
import Foundation
import Testing

/// The coordinator with `--model neumf`: NeuMF's flat global vector through the same round machinery as MF.
@Suite("FederatedRoundCoordinator, NeuMF")
struct NeuMFCoordinatorTests {
    typealias F = FederationFixture

    /// A tiny implicit leave-one-out split (30 users, 25 items).
    static func split() throws -> DataSplit {
        var config = SyntheticConfig.movieLens100K
        config.users = 30
        config.items = 25
        config.meanRatingsPerUser = 8
        config.minRatingsPerUser = 3
        config.maxRatingsPerUser = 15
        config.seed = 11
        return NeuMFExperiment.leaveOneOut(try SyntheticData(config: config).dataset)
    }

    static func config(rounds: Int = 3, persistent: Bool = true, optimizer: ServerOptimizer = .fedAvg(learningRate: 1)) throws -> NeuMFSimulationConfig {
        try NeuMFSimulationConfig(
            rounds: rounds, sampling: .poisson(rate: 0.4), model: NeuMFConfig(gmfDim: 2, mlpLayers: [4, 2]),
            local: NeuMFLocalOptions(epochs: 1, batchSize: 16), evaluationFit: NeuMFLocalOptions(epochs: 1, batchSize: 16),
            persistentUserState: persistent, serverOptimizer: optimizer, seed: 5, threads: 1, reductionChunks: 3)
    }

    static func setup(_ config: NeuMFSimulationConfig, population: Int = 10, items: Int = 25, privacy: ResolvedPrivacy? = nil) throws -> FederationSetup {
        try FederationSetup(neumf: config, privacy: privacy, itemCount: items, clientIDs: F.ids(population), seededSelection: true)
    }

    @Test("the NeuMF layout names every block of the architecture's global vector, in order, and fills it")
    func layoutMatchesArchitecture() throws {
        let setup = try Self.setup(try Self.config())
        let arch = try NeuMFArchitecture(config: NeuMFConfig(gmfDim: 2, mlpLayers: [4, 2]), itemCount: 25)
        let c = try FederatedRoundCoordinator(setup: setup)
        #expect(c.modelLayout.map(\.name) == ["item_embeddings", "mlp.1.weight", "mlp.1.bias", "fusion.weight", "fusion.bias"])
        #expect(c.modelLayout.map(\.count) == arch.globalSegments.map(\.range.count))
        #expect(c.parameterCount == arch.globalCount)
        #expect(setup.trainingPlan.layout == c.modelLayout)
        #expect(setup.trainingPlan.modelKind.neumfPlan?.config == arch.config)
        // The initial model is the in-process simulation's.
        var rng = SeededGenerator(seed: 5, stream: [UInt64.max - 2])
        #expect(c.parameters == arch.initialGlobalParameters(using: &rng))
    }

    @Test("a NeuMF update of the right layout is aggregated; an MF-shaped or NaN update is refused at decoding")
    func acceptsRightLayoutRefusesOthers() throws {
        let c = try FederatedRoundCoordinator(setup: try Self.setup(try Self.config()))
        let before = c.parameters
        let round = c.status().round
        let update = F.update(c, round: round)
        let bytes = TensorWireFormat.encode(update)
        #expect(try TensorWireFormat.decode(bytes, expectedLayout: c.modelLayout) == update)
        let mf = TensorMessage(round: round, layout: FederatedRoundCoordinator.layout(itemCount: 25, dim: 4),
                               values: [Float](repeating: 0, count: ItemModel.parameterCount(itemCount: 25, dim: 4)))
        #expect(decodeError(TensorWireFormat.encode(mf), c.modelLayout) == .shapeMismatch)
        var nan = update
        nan.values[nan.values.count - 1] = .nan
        #expect(decodeError(TensorWireFormat.encode(nan), c.modelLayout) == .nonFinite)
        try F.completeRound(c)
        #expect(c.history.first?.released == true)
        #expect(c.parameters != before && c.parameters.count == before.count)
    }

    @Test("central trust refuses a NeuMF update above the clip bound")
    func centralClipBound() throws {
        let privacy = try F.privacy(trust: .central, q: 0.4, rounds: 3, clip: 0.5)
        let c = try FederatedRoundCoordinator(setup: try Self.setup(try Self.config(), privacy: privacy))
        let round = c.status().round
        let k = F.participants(c.setup, round: round)[0]
        #expect(code { _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: 1)) } == .clipBoundExceeded)
        _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: 0.001))
    }

    @Test("a NeuMF run resumes from its checkpoint: parameters, optimizer state, round and ledger")
    func checkpointRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let privacy = try F.privacy(trust: .central, q: 0.4, rounds: 4)
        let setup = try Self.setup(try Self.config(rounds: 4, optimizer: .fedAdam(learningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3)), privacy: privacy)
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        try F.completeRound(a)
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(b.parameters == a.parameters)
        #expect(b.optimizerState == a.optimizerState && b.optimizerState.step == 2)
        #expect(b.status().round == a.status().round)
        #expect(b.ledger?.roundsRun == a.ledger?.roundsRun)
        try F.completeRound(a)
        try F.completeRound(b)
        #expect(b.parameters == a.parameters)
        // The stored setup reads back as NeuMF; an MF setup on the same directory is refused.
        let stored = try JSONDecoder().decode(FederationSetup.self, from: Data(try AtomicFile.read(dir.path + "/" + FederatedRoundCoordinator.setupFile)))
        #expect(stored == setup)
        var mf = setup
        mf.model = .matrixFactorization
        #expect(code { _ = try FederatedRoundCoordinator(setup: mf, stateDirectory: dir.path) } == .setupMismatch)
    }

    @Test("a step that leaves non-finite parameters is undone and stops the run, the round still released")
    func divergedStepIsUndone() throws {
        let c = try FederatedRoundCoordinator(setup: try Self.setup(try Self.config()))
        let before = c.parameters, round = c.status().round
        #expect(F.participants(c.setup, round: round).count >= 2)
        try F.completeRound(c, value: 3e38)  // finite updates whose sum overflows
        #expect(c.parameters == before)
        #expect(c.history.first?.released == true)
        #expect(c.stopReason?.contains("diverged") == true)
        #expect(c.status().state == .stopping)
    }

    @Test("a client whose local step diverges sends a finite (zero) update, never NaN", arguments: [Float.nan, 1e30])
    func divergedClientSendsFinite(poison: Float) throws {
        let split = try Self.split()
        let plan = NeuMFPlan(try Self.config())
        let step = plan.clientStep(itemCount: split.train.itemCount)
        var rng = SeededGenerator(seed: 1, stream: [0, 1])
        var global = step.architecture.initialGlobalParameters(using: &rng)
        for k in 0..<global.count where k % 3 == 0 { global[k] = poison }
        let history = Array(Set(split.train.byUser().items[split.train.byUser().range(of: 0)])).sorted()
        let update = step.train(storedUserEmbedding: step.initialUserEmbedding(client: 0, seed: 1), history: history, global: global,
                                privatizer: IdentityPrivatizer(), using: &rng)
        #expect(update.delta.count == global.count)
        #expect(update.delta.allSatisfy { $0.isFinite })
        #expect(update.userEmbedding?.allSatisfy { $0.isFinite } ?? true)
    }

    @Test("a setup.json written before model kinds existed decodes as MF with its old fingerprint")
    func legacySetupIsMF() throws {
        let setup = try F.setup()
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(setup)) as? [String: Any])
        object.removeValue(forKey: "model")
        let legacy = try JSONDecoder().decode(FederationSetup.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(legacy.model == .matrixFactorization && legacy == setup)
        #expect(!setup.fingerprint.contains("neumf"))
        #expect(try Self.setup(try Self.config()).fingerprint.contains("model=neumf"))
    }

    @Test("clients running NeuMFClientStep against the coordinator reproduce NeuMFSimulation bit for bit",
          arguments: [true, false])
    func matchesInProcessSimulation(persistent: Bool) throws {
        let split = try Self.split()
        let config = try Self.config(rounds: 3, persistent: persistent, optimizer: .fedAvgM(learningRate: 1, momentum: 0.5))
        var sim = try NeuMFSimulation(train: split.train, heldOut: split.test, config: config)
        for _ in 0..<config.rounds { _ = sim.runRound() }
        let n = split.train.userCount
        let c = try FederatedRoundCoordinator(setup: try Self.setup(config, population: n, items: split.train.itemCount))
        let step = try #require(c.setup.model.neumfPlan).clientStep(itemCount: split.train.itemCount)
        var rows = (0..<n).map { step.initialUserEmbedding(client: $0, seed: config.seed) }
        while !c.isFinished {
            let round = c.status().round
            let global = c.parameters
            // Submit in reverse order: the reorder buffer must restore the client order.
            for k in F.participants(c.setup, round: round).reversed() {
                var rng = SeededGenerator(seed: config.seed, stream: NeuMFClientStep.trainingStream(client: Int(k), round: round))
                let update = step.train(storedUserEmbedding: rows[Int(k)], history: sim.history(of: Int(k)).map { $0 }, global: global,
                                        privatizer: IdentityPrivatizer(), using: &rng)
                if let row = update.userEmbedding { rows[Int(k)] = row }
                _ = try c.submitUpdate(clientID: "user-\(k)", round: round,
                                       update: TensorMessage(round: round, layout: c.modelLayout, values: update.delta))
            }
        }
        #expect(c.history.count == config.rounds)
        #expect(c.parameters == sim.global)
        #expect(c.optimizerState == sim.optimizerState)
        if persistent { #expect(rows.flatMap { $0 } == sim.userEmbeddings) }
    }

    private func decodeError(_ bytes: [UInt8], _ layout: [TensorSpec]) -> ServerError.Code? {
        do { _ = try TensorWireFormat.decode(bytes, expectedLayout: layout) } catch { return error.code }
        return nil
    }

    private func code(_ body: () throws -> Void) -> ServerError.Code? {
        do { try body() } catch let e as ServerError { return e.code } catch { return nil }
        return nil
    }
}
