/// An HTTP request method: a case-sensitive token such as `GET`.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The method token as sent.
    public let rawValue: String
    /// Creates a method from its token.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The token.
    public var description: String { rawValue }

    /// `GET`.
    public static let get = HTTPMethod(rawValue: "GET")
    /// `HEAD`: answered like `GET` without a body.
    public static let head = HTTPMethod(rawValue: "HEAD")
    /// `POST`.
    public static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`.
    public static let put = HTTPMethod(rawValue: "PUT")
    /// `DELETE`.
    public static let delete = HTTPMethod(rawValue: "DELETE")
}

/// The HTTP protocol version of a request: 1.0 or 1.1 (others are refused with 505).
public enum HTTPVersion: String, Sendable, Hashable {
    /// HTTP/1.0: connections close after each response unless the client asks for keep-alive.
    case http1_0 = "HTTP/1.0"
    /// HTTP/1.1: connections stay open unless either side sends `Connection: close`.
    case http1_1 = "HTTP/1.1"
}

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

/// Percent-decoding (RFC 3986 §2.1) into strict UTF-8.
enum PercentDecoding {
    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not valid UTF-8.
    static func decode(_ text: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue)
                else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
