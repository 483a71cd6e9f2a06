import Testing
@testable import FedRecHTTP

@Suite struct RouterTests {
    private func makeRouter() -> Router {
        var router = Router()
        router.add(.get, "/healthz") { _ in .text("ok") }
        router.add(.post, "/v1/rounds/{r}/updates") { request in .text("round \(request.pathParameters["r"] ?? "?")") }
        router.add(.get, "/v1/rounds/current/updates") { _ in .text("literal") }
        router.add(.get, "/v1/fail") { _ in throw HTTPError(.conflict, "already submitted") }
        router.add(.get, "/v1/crash") { _ in throw CancellationError() }
        return router
    }

    private func body(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func routesByMethodAndCapturesParameters() {
        let router = makeRouter()
        let response = router.respond(to: HTTPRequest(method: .post, path: "/v1/rounds/17/updates"))
        #expect(response.status.code == 200)
        #expect(body(response) == "round 17")
        #expect(router.pattern(for: HTTPRequest(method: .post, path: "/v1/rounds/3/updates")) == "/v1/rounds/{r}/updates")
    }

    @Test func literalSegmentsBeatParameters() {
        let router = makeRouter()
        #expect(body(router.respond(to: HTTPRequest(method: .get, path: "/v1/rounds/current/updates"))) == "literal")
    }

    @Test func unknownPathIs404WithJSONError() {
        let response = makeRouter().respond(to: HTTPRequest(method: .get, path: "/nope"))
        #expect(response.status.code == 404)
        #expect(body(response).hasPrefix("{\"error\":\"not_found\",\"message\":"))
        #expect(response.headers["Content-Type"] == "application/json")
    }

    @Test func wrongMethodIs405WithAllow() {
        let response = makeRouter().respond(to: HTTPRequest(method: .delete, path: "/healthz"))
        #expect(response.status.code == 405)
        #expect(response.headers["Allow"] == "GET, HEAD")
    }

    @Test func emptyParameterSegmentDoesNotMatch() {
        #expect(makeRouter().respond(to: HTTPRequest(method: .post, path: "/v1/rounds//updates")).status.code == 404)
    }

    @Test func headIsServedByGet() {
        #expect(body(makeRouter().respond(to: HTTPRequest(method: .head, path: "/healthz"))) == "ok")
    }

    @Test func thrownHTTPErrorBecomesItsStatusAndOtherErrorsA500() {
        let router = makeRouter()
        let conflict = router.respond(to: HTTPRequest(method: .get, path: "/v1/fail"))
        #expect(conflict.status.code == 409)
        #expect(body(conflict) == "{\"error\":\"conflict\",\"message\":\"already submitted\"}")
        let crash = router.respond(to: HTTPRequest(method: .get, path: "/v1/crash"))
        #expect(crash.status.code == 500)
        #expect(!body(crash).contains("Cancellation"))
    }

    @Test func errorBodyEscapesJSON() {
        let text = HTTPResponse.errorBody(HTTPError(.badRequest, "quote \" backslash \\ newline \n tab \t bell \u{7}"))
        #expect(text == #"{"error":"bad_request","message":"quote \" backslash \\ newline \n tab \t bell \u0007"}"#)
    }

    @Test func serializedResponseCarriesLengthAndConnection() {
        let response = HTTPResponse.text("hi")
        let closing = String(decoding: response.serialized(keepAlive: false), as: UTF8.self)
        #expect(closing == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
        let http10 = String(decoding: response.serialized(keepAlive: true, version: .http1_0, includeBody: false), as: UTF8.self)
        #expect(http10.hasSuffix("Content-Length: 2\r\nConnection: keep-alive\r\n\r\n"))
    }

    @Test func bearerTokenIsExtractedCaseInsensitively() {
        #expect(HTTPRequest(method: .get, path: "/", headers: ["authorization": "bearer abc"]).bearerToken == "abc")
        #expect(HTTPRequest(method: .get, path: "/", headers: ["Authorization": "Basic abc"]).bearerToken == nil)
        #expect(HTTPRequest(method: .get, path: "/", headers: ["Authorization": "Bearer "]).bearerToken == nil)
    }

    @Test func queryParametersAreDecoded() {
        let request = HTTPRequest(method: .get, path: "/", query: "a=1&name=caf%C3%A9&flag&bad=%ZZ")
        #expect(request.queryParameter("a") == "1")
        #expect(request.queryParameter("name") == "café")
        #expect(request.queryParameter("flag") == "")
        #expect(request.queryParameter("bad") == nil)
        #expect(request.queryParameter("missing") == nil)
    }

    @Test func headersSetReplacesEveryFieldOfThatName() {
        var headers: HTTPHeaders = ["X-A": "1", "x-a": "2", "B": "3"]
        #expect(headers.values(for: "x-A") == ["1", "2"])
        headers.set("X-a", "9")
        #expect(headers.values(for: "X-A") == ["9"])
        headers.set("b", nil)
        #expect(headers["B"] == nil)
        #expect(headers.count == 1)
    }

    @Test func httpDateIsIMFFixdate() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
