import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
@testable import FedRecServer
import Foundation
import Synchronization
import Testing

@Suite("Federation over loopback")
struct FederationLoopbackTests {
    typealias F = FederationFixture

    /// Runs the server in-process and one `ClientRunner` per shard on its own thread over real sockets.
    static func runOverHTTP(train: RatingsDataset, heldOut: RatingsDataset, config: SimulationConfig, privacy: PrivacySettings,
                            shards count: Int) throws -> (ErrorMetrics, FederatedRoundCoordinator, [ClientRunner.Outcome]) {
        let plan = try FederatedExperiment(simulation: config, privacy: privacy).plan(population: train.userCount)
        let ids = (0..<train.userCount).map { "user-\($0)" }
        let tokens = ClientTokens.generate(clientIDs: ids)
        let setup = FederationSetup(simulation: config, privacy: plan, itemCount: train.itemCount, scale: train.scale,
                                    clientIDs: ids, roundDeadlineSeconds: 30, seededSelection: true)
        let coordinator = try FederatedRoundCoordinator(setup: setup)
        let service = try FederationService(coordinator: coordinator, tokens: tokens)
        let port = try service.start()
        defer { service.shutdown() }
        var seededNoise = false
        if case .seeded = plan?.noise { seededNoise = true }
        let shards = ClientShard.split(train: train, heldOut: heldOut, tokens: tokens, processes: count)
        let results = Mutex<[Int: Result<ClientRunner.Outcome, any Error>]>([:])
        let group = DispatchGroup()
        for (p, shard) in shards.enumerated() {
            group.enter()
            let runner = ClientRunner(serverURL: "http://127.0.0.1:\(port)", shard: shard, seed: config.seed, seededNoise: seededNoise, threads: 1)
            Thread {
                let r: Result<ClientRunner.Outcome, any Error>
                do { r = .success(try runner.run()) } catch { r = .failure(error) }
                results.withLock { $0[p] = r }
                group.leave()
            }.start()
        }
        group.wait()
        var sums = ErrorMetrics()
        var outcomes: [ClientRunner.Outcome] = []
        for p in 0..<count {
            let outcome = try results.withLock { $0[p]! }.get()
            outcomes.append(outcome)
            sums += outcome.evaluation ?? ErrorMetrics()
        }
        return (sums, coordinator, outcomes)
    }

    @Test("three client shards over HTTP reproduce the in-process simulation bit for bit (non-private)")
    func matchesInProcessNonPrivate() throws {
        let split = try F.split()
        let config = try F.config(rounds: 4, q: 0.3)
        let reference = try FederatedExperiment(simulation: config, privacy: .none).run(train: split.train, heldOut: split.test)
        let (sums, coordinator, outcomes) = try Self.runOverHTTP(train: split.train, heldOut: split.test, config: config, privacy: .none, shards: 3)
        #expect(coordinator.model == reference.result.model)
        #expect(abs(sums.rmse - reference.result.final.rmse) < 1e-9)
        #expect(sums.count == reference.result.final.count)
        #expect(outcomes.allSatisfy { $0.endState == "finished" })
    }

    @Test("distributed trust with seeded noise over HTTP reproduces the in-process model and ledger")
    func matchesInProcessPrivate() throws {
        let split = try F.split()
        let config = try F.config(rounds: 3, q: 0.5)
        let privacy = PrivacySettings(enabled: true, targetEpsilon: nil, noiseMultiplier: 0.8, clipBound: 0.5, trust: .distributed,
                                      minimumUpdates: 5, noise: .seeded(9), accountant: .rdp)
        let reference = try FederatedExperiment(simulation: config, privacy: privacy).run(train: split.train, heldOut: split.test)
        let (sums, coordinator, _) = try Self.runOverHTTP(train: split.train, heldOut: split.test, config: config, privacy: privacy, shards: 2)
        #expect(coordinator.model == reference.result.model)
        #expect(abs(sums.rmse - reference.result.final.rmse) < 1e-9)
        #expect(coordinator.ledger?.roundsRun == reference.ledger?.roundsRun)
    }
}
