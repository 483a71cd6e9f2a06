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
