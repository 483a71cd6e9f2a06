import FedRecHTTP
import Foundation
import Synchronization
import Testing
@testable import FedRecServer

/// A round coordinator with fixed selection, for testing the HTTP glue.
final class FakeCoordinator: RoundCoordinator {
    struct State {
        var round: UInt64 = 3
        var submitted: Set<String> = []
        var sum: [Float]
    }

    let modelLayout = [TensorSpec(name: "item_factors", shape: [4, 2]), TensorSpec(name: "item_bias", shape: [4])]
    let selected: Set<String>
    let state: Mutex<State>

    init(selected: Set<String>) {
        self.selected = selected
        state = Mutex(State(sum: [Float](repeating: 0, count: 12)))
    }

    func status() -> RoundStatus {
        state.withLock { s in
            RoundStatus(round: s.round, state: .open, selected: selected.count, received: s.submitted.count, minUpdates: 1, deadlineSeconds: 5, epsilonSpent: 0.5, epsilonBudget: 4, delta: 1e-5, modelVersion: s.round - 1)
        }
    }

    func checkIn(clientID: String) throws(ServerError) -> CheckInResult {
        let round = state.withLock { $0.round }
        return selected.contains(clientID) ? CheckInResult(round: round, selected: true, deadlineSeconds: 5) : CheckInResult(round: round, selected: false, retryAfterSeconds: 2)
    }

    func currentModel(clientID: String) throws(ServerError) -> ModelSnapshot {
        let round = state.withLock { $0.round }
        return ModelSnapshot(model: TensorMessage(round: round, layout: modelLayout, values: (0..<12).map(Float.init)), version: round - 1)
    }

    func admitUpdate(clientID: String, round: UInt64) throws(ServerError) {
        try state.withLock { (s) throws(ServerError) in try admit(s, clientID, round) }
    }

    private func admit(_ s: State, _ clientID: String, _ round: UInt64) throws(ServerError) {
        guard round == s.round else { throw ServerError(.staleRound, "round \(round) is closed; the open round is \(s.round)") }
        guard selected.contains(clientID) else { throw ServerError(.notSelected, "\(clientID) is not selected in round \(round)") }
        guard !s.submitted.contains(clientID) else { throw ServerError(.duplicateUpdate, "\(clientID) already submitted in round \(round)") }
    }

    func submitUpdate(clientID: String, round: UInt64, update: TensorMessage) throws(ServerError) -> UpdateReceipt {
        try state.withLock { (s) throws(ServerError) -> UpdateReceipt in
            try admit(s, clientID, round)
            s.submitted.insert(clientID)
            for i in s.sum.indices { s.sum[i] += update.values[i] }
            return UpdateReceipt(round: round)
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct FederationRoutesTests {
    let tokens = ClientTokens.generate(clientIDs: ["alice", "bob", "carol"])
    let coordinator = FakeCoordinator(selected: ["alice", "bob"])
    let metrics = Metrics()

    let operatorToken = ClientTokens.generate(clientIDs: ["operator"]).entries[0].token

    private func router(publicCounts: Bool = false) -> Router {
        var router = Router()
        FederationRoutes.install(on: &router, coordinator: coordinator, authenticator: BearerAuthenticator(tokens: tokens), metrics: metrics,
                                 counts: CountAccess(operatorToken: operatorToken, publicCounts: publicCounts))
        return router
    }

    private func asOperator() -> HTTPHeaders { ["Authorization": "Bearer \(operatorToken)"] }

    private func auth(_ id: String) -> HTTPHeaders { ["Authorization": "Bearer \(tokens.token(for: id)!)", "Content-Type": TensorWireFormat.contentType] }

    private func update(round: UInt64 = 3, values: [Float]? = nil) -> [UInt8] {
        TensorWireFormat.encode(TensorMessage(round: round, layout: coordinator.modelLayout, values: values ?? [Float](repeating: 0.5, count: 12)))
    }

    private func post(_ router: Router, _ path: String, as id: String, body: [UInt8]) -> HTTPResponse {
        router.respond(to: HTTPRequest(method: .post, path: path, headers: auth(id), body: body))
    }

    @Test func everyRouteButHealthzNeedsAToken() {
        let router = router()
        #expect(router.respond(to: HTTPRequest(method: .get, path: "/healthz")).status.code == 200)
        for (method, path) in [(HTTPMethod.get, "/v1/status"), (.post, "/v1/checkin"), (.get, "/v1/model"), (.post, "/v1/rounds/3/updates"), (.get, "/metrics")] {
            #expect(router.respond(to: HTTPRequest(method: method, path: path)).status.code == 401, "\(path)")
        }
    }

    @Test func statusAndCheckInAreSnakeCaseJSON() {
        let router = router()
        let status = String(decoding: router.respond(to: HTTPRequest(method: .get, path: "/v1/status", headers: auth("carol"))).body, as: UTF8.self)
        #expect(status.contains("\"epsilon_spent\":0.5"))
        #expect(status.contains("\"model_version\":2"))
        #expect(status.contains("\"state\":\"open\""))
        let checkIn = String(decoding: post(router, "/v1/checkin", as: "carol", body: []).body, as: UTF8.self)
        #expect(checkIn == "{\"retry_after_seconds\":2,\"round\":3,\"selected\":false}")
    }

    @Test func updatesAreCheckedInProtocolOrderAndCounted() {
        let router = router()
        #expect(post(router, "/v1/rounds/3/updates", as: "carol", body: [1, 2, 3]).status.code == 403)  // admission before decoding
        #expect(post(router, "/v1/rounds/2/updates", as: "alice", body: update(round: 2)).status.code == 409)
        #expect(post(router, "/v1/rounds/x/updates", as: "alice", body: update()).status.code == 400)
        #expect(post(router, "/v1/rounds/3/updates", as: "alice", body: update(round: 4)).status.code == 400)
        var nan = [Float](repeating: 0, count: 12)
        nan[9] = .nan
        #expect(post(router, "/v1/rounds/3/updates", as: "alice", body: update(values: nan)).status.code == 422)
        let wrongShape = TensorWireFormat.encode(TensorMessage(round: 3, layout: [TensorSpec(name: "item_factors", shape: [12])], values: [Float](repeating: 0, count: 12)))
        #expect(post(router, "/v1/rounds/3/updates", as: "alice", body: wrongShape).status.code == 422)
        var plain = HTTPRequest(method: .post, path: "/v1/rounds/3/updates", headers: ["Authorization": "Bearer \(tokens.token(for: "alice")!)", "Content-Type": "application/json"], body: update())
        #expect(router.respond(to: plain).status.code == 415)
        plain.headers.set("Content-Type", TensorWireFormat.contentType + "; charset=binary")
        #expect(router.respond(to: plain).status.code == 200)
        #expect(post(router, "/v1/rounds/3/updates", as: "alice", body: update()).status.code == 409)  // duplicate
        #expect(coordinator.state.withLock { $0.sum } == [Float](repeating: 0.5, count: 12))  // nothing rejected touched the sum
        let text = metrics.render()
        for reason in ["not_selected", "stale_round", "bad_request", "non_finite", "shape_mismatch", "unsupported_media_type", "duplicate_update"] {
            #expect(text.contains("fedrec_updates_rejected_total{reason=\"\(reason)\"}"), "\(reason)")
        }
        #expect(text.contains("fedrec_updates_accepted_total 1\n"))
    }

    @Test("the FedRec-Unclipped header must be an integer; a fixed-C coordinator refuses any bit, nothing is recorded")
    func unclippedHeaderIsParsedAndRefusedByFixedBound() {
        let router = router()
        for value in ["yes", "1.0", "", "1"] {
            var headers = auth("alice")
            headers.add(FederationRoutes.unclippedHeader, value)
            let response = router.respond(to: HTTPRequest(method: .post, path: "/v1/rounds/3/updates", headers: headers, body: update()))
            #expect(response.status.code == 400, "\(value)")
        }
        #expect(coordinator.state.withLock { $0.submitted.isEmpty })
        #expect(post(router, "/v1/rounds/3/updates", as: "alice", body: update()).status.code == 200)
    }

    @Test func participantCountsAreWithheldFromClientsButNotFromTheOperator() throws {
        let router = router()
        let client = router.respond(to: HTTPRequest(method: .get, path: "/v1/status", headers: auth("carol")))
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(client.body)) as? [String: Any])
        #expect(client.status.code == 200 && seen["selected"] == nil && seen["received"] == nil && seen["round"] as? Int == 3)
        let op = router.respond(to: HTTPRequest(method: .get, path: "/v1/status", headers: asOperator()))
        #expect(op.status.code == 200 && String(decoding: op.body, as: UTF8.self).contains("\"selected\":2"))
        // /metrics counts accepted updates: refused to clients, served to the operator.
        let scrape = router.respond(to: HTTPRequest(method: .get, path: "/metrics", headers: auth("bob")))
        #expect(scrape.status.code == 403 && String(decoding: scrape.body, as: UTF8.self).contains("operator token"))
        #expect(router.respond(to: HTTPRequest(method: .get, path: "/metrics", headers: asOperator())).status.code == 200)
        // --public-counts: everyone sees them.
        let open = self.router(publicCounts: true)
        #expect(String(decoding: open.respond(to: HTTPRequest(method: .get, path: "/v1/status", headers: auth("carol"))).body, as: UTF8.self)
            .contains("\"selected\":2"))
        #expect(open.respond(to: HTTPRequest(method: .get, path: "/metrics", headers: auth("bob"))).status.code == 200)
        // The operator is not a client: it cannot check in or submit.
        #expect(router.respond(to: HTTPRequest(method: .post, path: "/v1/checkin", headers: asOperator())).status.code == 401)
    }

    @Test func operatorTokenFileIsCreatedPrivateAndRefusedWhenUnsafe() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-operator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("operator-token").path
        let first = try CountAccess.operatorToken(at: path)
        #expect(first.created && first.token.count == 64)
        #expect(try AtomicFile.permissions(of: path) & 0o777 == 0o600)
        let again = try CountAccess.operatorToken(at: path)
        #expect(!again.created && again.token == first.token)
        chmod(path, 0o644)
        #expect((#expect(throws: ServerError.self) { try CountAccess.operatorToken(at: path) })?.code == .invalidTokenFile)
        chmod(path, 0o600)
        try Data("not a token\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        #expect((#expect(throws: ServerError.self) { try CountAccess.operatorToken(at: path) })?.code == .invalidTokenFile)
    }

    @Test func metricsRefreshGaugesFromStatus() {
        let router = router()
        let response = router.respond(to: HTTPRequest(method: .get, path: "/metrics", headers: asOperator()))
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.headers["Content-Type"] == Metrics.contentType)
        #expect(text.contains("fedrec_round 3\n"))
        #expect(text.contains("fedrec_epsilon_budget 4\n"))
    }

    @Test func bodyLimitIsExactlyOneUpdate() {
        #expect(FederationRoutes.limits(for: coordinator.modelLayout).maxBodyBytes == update().count)
    }

    @Test func clientTalksToTheServerOverLoopback() throws {
        let server = HTTPServer(configuration: .init(limits: FederationRoutes.limits(for: coordinator.modelLayout), metrics: metrics), router: router())
        let port = try server.start()
        defer {
            server.shutdown()
            server.waitUntilStopped()
        }
        let alice = try FederationClient(url: "http://127.0.0.1:\(port)", token: tokens.token(for: "alice")!)
        let ticket = try alice.checkIn()
        #expect(ticket.selected && ticket.round == 3)
        let model = try alice.fetchModel()
        #expect(model.round == 3 && model.layout == coordinator.modelLayout && model.values[11] == 11)
        let receipt = try alice.submit(TensorMessage(round: model.round, layout: model.layout, values: [Float](repeating: 1, count: 12)))
        #expect(receipt == UpdateReceipt(round: 3))
        let again = #expect(throws: ServerError.self) { try alice.submit(TensorMessage(round: 3, layout: model.layout, values: [Float](repeating: 1, count: 12))) }
        #expect(again?.code == .duplicateUpdate)
        #expect(try alice.status().received == nil, "clients do not see the exact counts")
        #expect(alice.http.connectionsOpened == 1)
        let stranger = try FederationClient(url: "http://127.0.0.1:\(port)", token: String(repeating: "0", count: 64))
        #expect((#expect(throws: ServerError.self) { try stranger.checkIn() })?.code == .unauthorized)
    }
}
