/// A complete, validated HTTP request as produced by `HTTPRequestParser`.
public struct HTTPRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The percent-decoded path, always starting with `/` and valid UTF-8.
    public var path: String
    /// The raw query string after `?` (not decoded), if any.
    public var query: String?
    /// The protocol version.
    public var version: HTTPVersion
    /// The header fields.
    public var headers: HTTPHeaders
    /// The body (empty when the request carried none).
    public var body: [UInt8]
    /// Parameters captured by the router from `{name}` segments of the matched pattern.
    public var pathParameters: [String: String] = [:]

    /// Creates a request (tests and in-process callers; the server builds them with the parser).
    public init(
        method: HTTPMethod, path: String, query: String? = nil, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// Whether the connection may carry another request after this one: HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` (RFC 9112 §9.3).
    public var keepAlive: Bool {
        switch version {
        case .http1_1: !headers.containsToken("close", in: "Connection")
        case .http1_0: headers.containsToken("keep-alive", in: "Connection")
        }
    }

    /// The token of an `Authorization: Bearer <token>` header, if present and well formed.
    public var bearerToken: String? {
        guard let value = headers["Authorization"] else { return nil }
        let parts = value.trimmingSpaces().split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, HTTPHeaders.equalsIgnoringCase(parts[0], "Bearer") else { return nil }
        let token = parts[1].trimmingSpaces()
        return token.isEmpty ? nil : String(token)
    }

    /// The first value of query parameter `name` (decoded; `+` is not treated as a space).
    public func queryParameter(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if let key = PercentDecoding.decode(kv[0]), key == name {
                return kv.count > 1 ? PercentDecoding.decode(kv[1]) : ""
            }
        }
        return nil
    }
}
