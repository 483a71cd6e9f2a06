import FedRecHTTP
import FedRecPrivacy
import Foundation
import Testing
@testable import FedRecServer

/// Issue #16, defect 5: the lenient or inconsistent corners of the protocol, now strict.
@Suite("Strict HTTP and consistent status", .timeLimit(.minutes(1)))
struct StrictHTTPTests {
    typealias F = FederationFixture
    let tokens = ClientTokens.generate(clientIDs: ["alice", "bob"])
    let operatorToken = ClientTokens.generate(clientIDs: ["operator"]).entries[0].token

    private func router() -> Router {
        var router = Router()
        FederationRoutes.install(on: &router, coordinator: FakeCoordinator(selected: ["alice"]), authenticator: BearerAuthenticator(tokens: tokens),
                                 metrics: Metrics(), counts: CountAccess(operatorToken: operatorToken))
        return router
    }

    private func bearer(_ token: String) -> HTTPHeaders { ["Authorization": "Bearer \(token)"] }

    @Test("a token matches only with its exact case; upper-case hex of a valid token is refused 401")
    func tokensAreCaseSensitive() {
        let router = router()
        let token = tokens.token(for: "alice")!
        #expect(token.contains { $0.isLetter }, "the generated token has hex letters to change case")
        #expect(router.respond(to: HTTPRequest(method: .get, path: "/v1/status", headers: bearer(token))).status.code == 200)
        #expect(router.respond(to: HTTPRequest(method: .get, path: "/v1/status", headers: bearer(token.uppercased()))).status.code == 401)
        #expect(BearerAuthenticator(tokens: tokens).clientID(forToken: token.uppercased()) == nil)
        // The operator token too.
        let op = CountAccess(operatorToken: operatorToken)
        #expect(op.isOperator(HTTPRequest(method: .get, path: "/metrics", headers: bearer(operatorToken))))
        #expect(!op.isOperator(HTTPRequest(method: .get, path: "/metrics", headers: bearer(operatorToken.uppercased()))))
    }

    @Test("a request with two Authorization headers is refused 400 by the parser")
    func duplicateAuthorizationRefused() throws {
        let token = tokens.token(for: "alice")!
        var parser = HTTPRequestParser(limits: .init())
        let text = "GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nAuthorization: Bearer \(token)\r\n\r\n"
        Array(text.utf8).withUnsafeBytes { parser.append($0) }
        guard case .failure(let error) = parser.next() else {
            Issue.record("two Authorization headers were accepted")
            return
        }
        #expect(error.code == .badRequest && error.message.contains("Authorization"))
        var one = HTTPRequestParser(limits: .init())
        Array("GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n".utf8).withUnsafeBytes { one.append($0) }
        guard case .request = one.next() else {
            Issue.record("one Authorization header was refused")
            return
        }
    }

    @Test("a check-in body is empty or a JSON object; anything else is 400", arguments: [
        ("", 200), ("{}", 200), (" {\"x\": 1} \n", 200), ("\r\n", 200), ("hello", 400), ("[1, 2]", 400), ("{", 400), ("42", 400),
    ])
    func checkInBody(body: String, status: Int) {
        var headers = bearer(tokens.token(for: "bob")!)
        headers.add("Content-Type", "application/json")
        let response = router().respond(to: HTTPRequest(method: .post, path: "/v1/checkin", headers: headers, body: Array(body.utf8)))
        #expect(response.status.code == status, "\(body)")
    }

    @Test("wait outside 0…30 (nan, -1, inf, 31, text) is refused 400 with the range, like a bad after_round", arguments: [
        "wait=nan", "wait=-1", "wait=inf", "wait=31", "wait=abc", "after_round=abc", "after_round=-1", "after_round=1&wait=nan",
    ])
    func statusQueryValidated(query: String) {
        let response = router().respond(to: HTTPRequest(method: .get, path: "/v1/status", query: query, headers: bearer(tokens.token(for: "bob")!)))
        #expect(response.status.code == 400, "\(query)")
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(query.contains("wait") ? "from 0 to 30" : "after_round must be"), "\(text)")
    }

    @Test("valid long-poll parameters are still served")
    func statusQueryAccepted() {
        for query in ["after_round=9&wait=0", "after_round=3&wait=0.05", "wait=0"] {
            let response = router().respond(to: HTTPRequest(method: .get, path: "/v1/status", query: query, headers: bearer(tokens.token(for: "bob")!)))
            #expect(response.status.code == 200, "\(query)")
        }
    }

    @Test("after every round the model and the status name the same round, also after a restart of a finished run")
    func modelAndStatusAgreeAfterTheRun() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try F.setup(config: try F.config(rounds: 2))
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        try F.completeRound(a)
        #expect(a.status().state == .finished)
        #expect(try a.currentModel(clientID: "user-0").round == a.status().round)
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(b.status().state == .finished && b.status().round == 2)
        #expect(try b.currentModel(clientID: "user-0").round == 2)
    }

    @Test("an exhausted budget: the model names the round the status reports")
    func modelAndStatusAgreeWhenTheBudgetIsExhausted() throws {
        let privacy = try F.privacy(trust: .central, z: 1, rounds: 50, budget: 1.0)
        let c = try FederatedRoundCoordinator(setup: try F.setup(config: try F.config(rounds: 50), privacy: privacy))
        for _ in 0..<50 where c.status().state == .open { try F.completeRound(c) }
        #expect(c.status().state == .budgetExhausted)
        #expect(try c.currentModel(clientID: "user-0").round == c.status().round)
    }

    @Test("a non-private run has no epsilon_budget in its status; a private one has it")
    func nonPrivateStatusHasNoBudget() throws {
        let plain = try FederatedRoundCoordinator(setup: try F.setup())
        #expect(plain.status().epsilonBudget == nil)
        let json = String(decoding: try FederationRoutes.jsonEncoder.encode(plain.status()), as: UTF8.self)
        #expect(!json.contains("epsilon_budget"))
        let dp = try FederatedRoundCoordinator(setup: try F.setup(privacy: try F.privacy()))
        #expect(dp.status().epsilonBudget == 1000)
    }
}
