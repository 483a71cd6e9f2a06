import FedRecReport
import Foundation

/// An HTTP response: status, header fields and a body whose length is always sent as
/// `Content-Length` (this server never uses chunked responses).
public struct HTTPResponse: Sendable {
    /// The status.
    public var status: HTTPStatus
    /// Header fields other than `Content-Length` and `Connection`, which the writer adds.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: HTTPStatus = .ok, contentType: String = "text/plain; charset=utf-8")
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// An `application/json` response with the already-encoded JSON text `json`.
    public static func json(_ json: String, status: HTTPStatus = .ok) -> HTTPResponse {
        text(json, status: status, contentType: "application/json")
    }

    /// An `application/json` response encoding `value` with `encoder` (default: sorted keys).
    public static func json(encoding value: some Encodable, status: HTTPStatus = .ok, encoder: JSONEncoder? = nil) -> HTTPResponse {
        let encoder = encoder ?? {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return encoder
        }()
        do {
            return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(try encoder.encode(value)))
        } catch {
            return .error(HTTPError(.internalError, "the response could not be encoded as JSON"))
        }
    }

    /// A binary response with `contentType` (default `application/octet-stream`; tensor bodies pass
    /// their own type, docs/protocol.md §3).
    public static func binary(_ bytes: [UInt8], contentType: String = "application/octet-stream") -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": contentType], body: bytes)
    }

    /// The JSON error response `{"error": code, "message": ...}` with the error's status.
    /// A 401 also carries `WWW-Authenticate: Bearer` (RFC 6750 §3).
    public static func error(_ error: some HTTPResponseError) -> HTTPResponse {
        let error = error.httpError
        var response = json(errorBody(error), status: HTTPStatus(error.status))
        if error.status == 401 { response.headers.add("WWW-Authenticate", "Bearer realm=\"fedrec\"") }
        return response
    }

    /// The JSON error body `{"error":"<code>","message":"<message>"}` for `error`.
    public static func errorBody(_ error: some HTTPResponseError) -> String {
        let error = error.httpError
        return "{\"error\":\(jsonString(error.code.name)),\"message\":\(jsonString(error.message))}"
    }

    /// `string` as a JSON string literal (RFC 8259 §7 escapes).
    public static func jsonString(_ string: String) -> String { JSONText.quoted(string) }

    /// The wire bytes of this response: status line, headers, `Content-Length`, `Connection`, body.
    ///
    /// - Parameters:
    ///   - keepAlive: whether the connection stays open; `false` adds `Connection: close`.
    ///   - version: the request's version; an HTTP/1.0 keep-alive answer says `Connection: keep-alive`.
    ///   - includeBody: false for `HEAD` requests (the length is still sent).
    ///   - date: the `Date` header value, if the writer has a clock.
    public func serialized(keepAlive: Bool, version: HTTPVersion = .http1_1, includeBody: Bool = true, date: String? = nil) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        if let date { head += "Date: \(date)\r\n" }
        for (name, value) in headers
        where !HTTPHeaders.equalsIgnoringCase(name, "Content-Length") && !HTTPHeaders.equalsIgnoringCase(name, "Connection") {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(body.count)\r\n"
        if !keepAlive {
            head += "Connection: close\r\n"
        } else if version == .http1_0 {
            head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if includeBody && !body.isEmpty {
            bytes.reserveCapacity(bytes.count + body.count)
            bytes.append(contentsOf: body)
        }
        return bytes
    }
}
