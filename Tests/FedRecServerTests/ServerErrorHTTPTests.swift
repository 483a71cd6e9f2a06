import FedRecHTTP
import Testing
@testable import FedRecServer

/// `ServerError` repeats FedRecHTTP's codes under the same names and statuses, so an error keeps
/// its identity across `ServerError(_: HTTPError)` and `httpError`.
@Suite("ServerError and HTTPError")
struct ServerErrorHTTPTests {
    static let shared: [(HTTPError.Code, ServerError.Code)] = [
        (.badRequest, .badRequest), (.unauthorized, .unauthorized), (.forbidden, .forbidden),
        (.notFound, .notFound), (.methodNotAllowed, .methodNotAllowed), (.requestTimeout, .requestTimeout),
        (.conflict, .conflict), (.lengthRequired, .lengthRequired), (.payloadTooLarge, .payloadTooLarge),
        (.uriTooLong, .uriTooLong), (.unsupportedMediaType, .unsupportedMediaType),
        (.expectationFailed, .expectationFailed), (.headersTooLarge, .headersTooLarge),
        (.internalError, .internalError), (.notImplemented, .notImplemented), (.unavailable, .unavailable),
        (.httpVersionNotSupported, .httpVersionNotSupported), (.ioFailure, .ioFailure),
        (.socketFailure, .socketFailure), (.timedOut, .timedOut), (.badResponse, .badResponse),
    ]

    @Test("every HTTPError code has the ServerError code of the same name and status, both ways")
    func codesAgree() {
        for (http, server) in Self.shared {
            #expect(http.name == server.name && http.status == server.status, "\(http) vs \(server)")
            let bridged = ServerError(HTTPError(http, "m"))
            #expect(bridged.code == server && bridged.message == "m")
            #expect(ServerError(server, "m").httpError == HTTPError(http, "m"))
        }
    }

    @Test("a thrown ServerError still answers with its own code and status through the router")
    func routerAnswersServerError() {
        var router = Router()
        router.add(.get, "/stale") { _ in throw ServerError(.staleRound, "round 3 is closed") }
        let response = router.respond(to: HTTPRequest(method: .get, path: "/stale"))
        #expect(response.status.code == 409)
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(body == #"{"error":"stale_round","message":"round 3 is closed"}"#)
    }
}
