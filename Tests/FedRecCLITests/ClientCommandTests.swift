import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecMath
import FedRecPrivacy
import FedRecServer
import Foundation
import Testing

/// `fedrec client` against an in-process aggregation server on loopback: the client's privacy
/// floor options and its exit status when the server ends the run.
@Suite("fedrec client: privacy floor and exit status", .serialized)
struct ClientCommandTests {
    /// A server over the small split, with one shard directory holding all its users.
    struct Server {
        let coordinator: FederatedRoundCoordinator
        let service: FederationService
        let url: String
        let shard: URL

        init(privacy settings: PrivacySettings, rounds: Int = 2, prepare: (FederatedRoundCoordinator, FederationSetup) throws -> Void = { _, _ in }) throws {
            let split = try ServeProcessTests.split()
            let config = try SimulationConfig(rounds: rounds, sampling: .poisson(rate: 0.5), dim: 4, evaluateEvery: 0, seed: 5, threads: 1, reductionChunks: 2)
            let population = split.train.userCount
            let plan = settings.enabled ? try ResolvedPrivacy(settings, population: population, samplingRate: 0.5, rounds: rounds) : nil
            let ids = (0..<population).map { "user-\($0)" }
            let tokens = ClientTokens.generate(clientIDs: ids)
            let setup = FederationSetup(simulation: config, privacy: plan, itemCount: split.train.itemCount, scale: split.train.scale,
                                        clientIDs: ids, roundDeadlineSeconds: 30, seededSelection: true)
            coordinator = try FederatedRoundCoordinator(setup: setup)
            try prepare(coordinator, setup)
            service = try FederationService(coordinator: coordinator, tokens: tokens)
            url = "http://127.0.0.1:\(try service.start())"
            shard = try temporaryDirectory().appendingPathComponent("shard")
            try ClientShard.split(train: split.train, heldOut: split.test, tokens: tokens, processes: 1)[0].write(to: shard.path)
        }

        func client(_ options: [String]) -> ToolRun {
            runInProcess(["client", "--server", url, "--data", shard.path, "--seed", "5", "--seeded-noise", "--max-outage", "5", "--json"] + options)
        }

        func close() {
            service.shutdown()
            try? FileManager.default.removeItem(at: shard.deletingLastPathComponent())
        }
    }

    static func settings(_ trust: TrustModel, z: Double = 1) -> PrivacySettings {
        PrivacySettings(enabled: true, targetEpsilon: 1000, noiseMultiplier: z, clipBound: 0.5, trust: trust, minimumUpdates: nil,
                        noise: .seeded(1), accountant: .rdp)
    }

    @Test("a plan below --min-noise-multiplier or refused by --require-own-noise ends the client with exit 1; the server receives nothing",
          arguments: [(TrustModel.local, ["--min-noise-multiplier", "3"], "below this client's minimum 3"),
                      (TrustModel.central, ["--require-own-noise"], "central trust")])
    func weakPlanIsRefused(trust: TrustModel, options: [String], expected: String) throws {
        let server = try Server(privacy: Self.settings(trust))
        defer { server.close() }
        let run = server.client(options)
        #expect(run.status == 1)
        #expect(run.stderr.contains("weak_plan") && run.stderr.contains(expected), "stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty)
        let status = server.coordinator.status()
        #expect(status.received == 0 && status.modelVersion == 0 && server.coordinator.history.isEmpty)
        #expect(!server.service.metrics.render().contains("fedrec_updates_accepted_total 1"))
    }

    @Test("a plan meeting the floor trains to the end: exit 0, every round joined")
    func planMeetingTheFloorTrains() throws {
        let server = try Server(privacy: Self.settings(.local, z: 1))
        defer { server.close() }
        let run = server.client(["--min-noise-multiplier", "1", "--max-clip", "0.5", "--min-updates", "1", "--require-own-noise",
                                 "--max-server-epsilon", "100", "--server-delta", "1e-6"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let outcome = try run.json()
        #expect(outcome["end_state"] as? String == "finished")
        #expect((outcome["updates_submitted"] as? Int ?? 0) > 0)
        #expect(server.coordinator.history.count == 2)
    }

    @Test("floor options are validated, and documented in --help")
    func optionsAreValidatedAndDocumented() throws {
        let usage = runInProcess(["client", "--server", "http://127.0.0.1:9", "--data", "/nonexistent", "--server-delta", "1e-6"])
        #expect(usage.status == 2 && usage.stderr.contains("--max-server-epsilon"), "stderr: \(usage.stderr)")
        let help = runInProcess(["client", "--help"])
        for option in ["--min-noise-multiplier", "--max-clip", "--min-updates", "--require-own-noise", "--max-server-epsilon", "--server-delta", "Exit status"] {
            #expect(help.stdout.contains(option), "\(option)")
        }
    }

    @Test("a divergence stop ends the client with exit 1 and the reason, after printing its outcome")
    func divergenceExitsOne() throws {
        let server = try Server(privacy: .none) { coordinator, setup in
            var rng = SeededGenerator(seed: setup.simulation.seed, stream: [UInt64.max, 1])
            let n = coordinator.modelLayout.reduce(0) { $0 + $1.count }
            for k in setup.simulation.sampling.sample(population: setup.population, using: &rng) {
                _ = try coordinator.submitUpdate(clientID: "user-\(k)", round: 1, update: TensorMessage(
                    round: 1, layout: coordinator.modelLayout, values: [Float](repeating: 3e38, count: n)))  // the sum overflows
            }
        }
        defer { server.close() }
        let run = server.client([])
        #expect(run.status == 1)
        #expect(run.stderr.contains("the server stopped the run") && run.stderr.contains("diverged"), "stderr: \(run.stderr)")
        let outcome = try run.json()
        #expect(outcome["end_state"] as? String == "stopped")
        #expect((outcome["stop_reason"] as? String)?.contains("diverged") == true)
    }

    @Test("an exhausted budget ends the client with exit 0 and the reason")
    func budgetExitsZero() throws {
        // z = 2 at q = 0.5: a budget of ε = 2 allows some rounds, not 50.
        var settings = Self.settings(.central, z: 2)
        settings.targetEpsilon = 2
        let server = try Server(privacy: settings, rounds: 50) { coordinator, setup in
            var t: UInt64 = 1
            while coordinator.status().state == .open && t <= 50 {
                var rng = SeededGenerator(seed: setup.simulation.seed, stream: [UInt64.max, t])
                let n = coordinator.modelLayout.reduce(0) { $0 + $1.count }
                for k in setup.simulation.sampling.sample(population: setup.population, using: &rng) {
                    _ = try coordinator.submitUpdate(clientID: "user-\(k)", round: t, update: TensorMessage(
                        round: t, layout: coordinator.modelLayout, values: [Float](repeating: 0.001, count: n)))
                }
                t += 1
            }
        }
        defer { server.close() }
        #expect(server.coordinator.status().state == .budgetExhausted)
        let run = server.client([])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("the run ended") && run.stderr.contains("budget"), "stderr: \(run.stderr)")
        #expect(try run.json()["end_state"] as? String == "budget_exhausted")
    }
}
