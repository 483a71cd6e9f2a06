import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
@testable import FedRecServer
import Foundation
import Synchronization
import Testing

/// The client's own privacy floor (``ClientRunner/requirements``) and how a client's run ends
/// when the server stops it, over a real loopback socket.
@Suite("ClientRunner: privacy floor and run endings")
struct ClientRunnerEndingTests {
    typealias F = FederationFixture

    /// A running server for `privacy` (nil: not private) over the fixture split, and one shard of all its users.
    struct Server {
        let coordinator: FederatedRoundCoordinator
        let service: FederationService
        let shard: ClientShard
        let url: String
        let port: Int
        let seed: UInt64
        let tokens: ClientTokens

        init(privacy: ResolvedPrivacy?, rounds: Int = 2, q: Double = 0.5, port: Int = 0, tokens: ClientTokens? = nil,
             adaptive: AdaptiveClippingSettings? = nil, prepare: (FederatedRoundCoordinator) throws -> Void = { _ in }) throws {
            let split = try F.split()
            let config = try F.config(rounds: rounds, q: q)
            let ids = (0..<split.train.userCount).map { "user-\($0)" }
            let tokens = tokens ?? ClientTokens.generate(clientIDs: ids)
            self.tokens = tokens
            let setup = FederationSetup(simulation: config, privacy: privacy, itemCount: split.train.itemCount, scale: split.train.scale,
                                        clientIDs: ids, roundDeadlineSeconds: 30, seededSelection: true, adaptiveClipping: adaptive)
            coordinator = try FederatedRoundCoordinator(setup: setup)
            try prepare(coordinator)
            service = try FederationService(coordinator: coordinator, tokens: tokens, port: port)
            self.port = try service.start()
            url = "http://127.0.0.1:\(self.port)"
            shard = ClientShard.split(train: split.train, heldOut: split.test, tokens: tokens, processes: 1)[0]
            seed = config.seed
        }

        func runner(_ requirements: ClientPrivacyRequirements? = nil) -> ClientRunner {
            var runner = ClientRunner(serverURL: url, shard: shard, seed: seed, seededNoise: true, threads: 1, maxOutage: .seconds(5))
            runner.requirements = requirements
            return runner
        }

        /// `fedrec_updates_accepted_total` as `/metrics` shows it.
        var acceptedUpdates: Double? {
            service.metrics.render().split(separator: "\n")
                .first { $0.hasPrefix("fedrec_updates_accepted_total ") }
                .flatMap { Double($0.split(separator: " ").last!) }
        }
    }

    static func privacy(_ trust: TrustModel, z: Double = 1, m: Int? = nil, budget: Double? = 1000, rounds: Int = 2, q: Double = 0.5) throws -> ResolvedPrivacy {
        try F.privacy(trust: trust, z: z, q: q, population: 40, rounds: rounds, m: m, budget: budget)
    }

    static func refusal(_ body: () throws(ServerError) -> ClientRunner.Outcome) -> ServerError? {
        do { _ = try body() } catch { return error }
        return nil
    }

    @Test("a plan below the client's floor is refused before anything is sent: the server receives no update",
          arguments: [
            ("z", try! ClientPrivacyRequirements(minimumNoiseMultiplier: 2)),
            ("C", try! ClientPrivacyRequirements(maximumClipBound: 0.1)),
            ("ε against the server", try! ClientPrivacyRequirements(maximumServerViewEpsilon: 1)),
          ])
    func weakDistributedPlanIsRefused(name: String, requirements: ClientPrivacyRequirements) throws {
        let server = try Server(privacy: try Self.privacy(.local, z: 1))
        defer { server.service.shutdown() }
        let error = try #require(Self.refusal { () throws(ServerError) in try server.runner(requirements).run() }, "\(name)")
        #expect(error.code == .weakPlan)
        #expect(error.message.contains("nothing was sent"))
        let status = server.coordinator.status()
        #expect(status.received == 0 && status.modelVersion == 0 && status.round == 1)
        #expect(server.coordinator.history.isEmpty)
        #expect(server.acceptedUpdates ?? 0 == 0)
    }

    @Test("central trust is refused by a client that requires adding its own noise; a non-private plan by any floor")
    func centralTrustIsRefused() throws {
        let central = try Server(privacy: try Self.privacy(.central))
        defer { central.service.shutdown() }
        let error = try #require(Self.refusal { () throws(ServerError) in try central.runner(try! ClientPrivacyRequirements(requireOwnNoise: true)).run() })
        #expect(error.code == .weakPlan && error.message.contains("central trust"))
        #expect(central.coordinator.status().received == 0 && central.coordinator.history.isEmpty)

        let open = try Server(privacy: nil)
        defer { open.service.shutdown() }
        let refused = try #require(Self.refusal { () throws(ServerError) in try open.runner(try! ClientPrivacyRequirements(maximumClipBound: 10)).run() })
        #expect(refused.code == .weakPlan && refused.message.contains("not private"))
        #expect(open.coordinator.status().received == 0)
    }

    @Test("a plan that meets the floor trains normally, as a client without a floor does")
    func planMeetingTheFloorTrains() throws {
        let requirements = try ClientPrivacyRequirements(minimumNoiseMultiplier: 0.8, maximumClipBound: 0.5, minimumUpdates: 1,
                                                         requireOwnNoise: true, maximumServerViewEpsilon: 100)
        let floored = try Server(privacy: try Self.privacy(.local, z: 1))
        defer { floored.service.shutdown() }
        let outcome = try floored.runner(requirements).run()
        let plain = try Server(privacy: try Self.privacy(.local, z: 1))
        defer { plain.service.shutdown() }
        let reference = try plain.runner().run()
        #expect(outcome.endState == "finished" && outcome.stopReason == nil && outcome.endedAsPlanned)
        #expect(outcome.updatesSubmitted > 0 && outcome.updatesSubmitted == reference.updatesSubmitted)
        #expect(floored.coordinator.history.count == 2)
        #expect(floored.coordinator.parameters == plain.coordinator.parameters)
        #expect(floored.acceptedUpdates == Double(outcome.updatesSubmitted))
    }

    @Test("a server that restarts with a plan below the floor is refused before the re-opened round gets an update")
    func restartWithWeakerPlanIsRefused() throws {
        let first = try Server(privacy: try Self.privacy(.local, z: 1), rounds: 50)
        let runner = first.runner(try ClientPrivacyRequirements(minimumNoiseMultiplier: 1))
        let result = Mutex<Result<ClientRunner.Outcome, ServerError>?>(nil)
        Thread {
            let r: Result<ClientRunner.Outcome, ServerError>
            do throws(ServerError) { r = .success(try runner.run()) } catch { r = .failure(error) }
            result.withLock { $0 = r }
        }.start()
        // Let the client take part under the first plan, then "restart" the server with z = 0.5.
        let clock = ContinuousClock(), start = clock.now
        while first.coordinator.history.isEmpty && clock.now - start < .seconds(60) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(!first.coordinator.history.isEmpty)
        first.service.shutdown()
        let second = try Server(privacy: try Self.privacy(.local, z: 0.5), rounds: 50, port: first.port, tokens: first.tokens)
        defer { second.service.shutdown() }
        while result.withLock({ $0 == nil }) && clock.now - start < .seconds(120) { Thread.sleep(forTimeInterval: 0.01) }
        let outcome = try #require(result.withLock { $0 })
        guard case .failure(let error) = outcome else {
            Issue.record("the client kept training under the weaker plan")
            return
        }
        #expect(error.code == .weakPlan && error.message.contains("below this client's minimum 1"), "\(error)")
        #expect(second.coordinator.status().received == 0 && second.coordinator.history.isEmpty)
    }

    @Test("a run the server stopped (divergence) ends the client with the reason, evaluated on the kept model")
    func divergenceStopEndsTheClient() throws {
        let server = try Server(privacy: nil) { c in
            try F.completeRound(c, value: 3e38)  // finite updates whose sum overflows: the run stops
        }
        defer { server.service.shutdown() }
        #expect(server.coordinator.status().state == .stopping)
        let outcome = try server.runner().run()
        #expect(outcome.endState == ClientRunner.Outcome.stopped && !outcome.endedAsPlanned)
        #expect(outcome.stopReason?.contains("diverged") == true)
        #expect(outcome.updatesSubmitted == 0)
        let evaluation = try #require(outcome.evaluation)
        #expect(evaluation.count > 0 && evaluation.rmse.isFinite)
    }

    @Test("an exhausted budget ends the client as planned, with the reason")
    func budgetExhaustionEndsTheClient() throws {
        // z = 2 at q = 0.3: a budget of ε = 2 allows some rounds, not 50.
        let server = try Server(privacy: try Self.privacy(.central, z: 2, budget: 2.0, rounds: 50, q: 0.3), rounds: 50, q: 0.3) { c in
            var rounds = 0
            while c.status().state == .open && rounds < 50 {
                try F.completeRound(c)
                rounds += 1
            }
        }
        defer { server.service.shutdown() }
        #expect(server.coordinator.status().state == .budgetExhausted)
        let outcome = try server.runner().run()
        #expect(outcome.endState == "budget_exhausted" && outcome.endedAsPlanned)
        #expect(outcome.stopReason?.contains("budget") == true)
    }

    @Test("the outcome line keeps its wire keys for the held-out sums and round-trips")
    func outcomeWireFormat() throws {
        var outcome = ClientRunner.Outcome(roundsJoined: 2, updatesSubmitted: 3, updatesRefused: 1,
                                           evaluation: ErrorMetrics(count: 4, sumSquaredError: 2.5, sumAbsoluteError: 1.5), endState: "stopped")
        outcome.stopReason = "the model diverged"
        let line = outcome.jsonLine()
        #expect(line.contains("\"squared_error\":2.5") && line.contains("\"absolute_error\":1.5") && line.contains("\"count\":4"))
        #expect(line.contains("\"stop_reason\":\"the model diverged\"") && !line.contains("ranking"))
        let back = try ClientShard.decoder.decode(ClientRunner.Outcome.self, from: Data(line.utf8))
        #expect(back == outcome)
    }
}
