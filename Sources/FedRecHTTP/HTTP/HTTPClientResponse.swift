import Foundation

/// A response received by `HTTPClient`.
public struct HTTPClientResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The header fields.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]

    /// The body as UTF-8 text (invalid sequences repaired).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The server's JSON error (`{"error": ..., "message": ...}`) for a 4xx/5xx response, or nil.
    public var error: HTTPError? {
        guard status >= 400 else { return nil }
        struct Body: Decodable {
            var error: String
            var message: String
        }
        let decoded = try? JSONDecoder().decode(Body.self, from: Data(body))
        let code = HTTPError.Code(decoded?.error ?? "http_\(status)", status: min(max(status, 400), 599))
        return HTTPError(code, decoded?.message ?? "HTTP \(status): \(text.prefix(200))")
    }
}
