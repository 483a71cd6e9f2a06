#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error type of FedRecHTTP: a stable machine-readable code, the HTTP status it maps to,
/// and a message that tells the caller what was wrong and how to fix it.
///
/// Responses carry it as the JSON body `{"error": code.name, "message": message}` (see
/// `HTTPResponse.error(_:)` and docs/protocol.md). `Code` is an open struct rather than an enum so
/// the modules above (FedRecServer's `ServerError`) can use the same names and statuses and add
/// their own codes without breaking callers.
public struct HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, snake_case error identifier plus the HTTP status a response for it carries.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The identifier sent as `"error"` in JSON bodies and used as the `reason` metric label.
        public let name: String
        /// The HTTP status code of a response carrying this error.
        public let status: Int

        /// Creates a code; `name` should be snake_case and stable, since clients match on it.
        /// - Precondition: `name` is not empty and `status` is in 400...599.
        public init(_ name: String, status: Int) {
            precondition(!name.isEmpty, "error code names must not be empty")
            precondition((400...599).contains(status), "error codes map to 4xx or 5xx statuses")
            self.name = name
            self.status = status
        }

        /// The identifier.
        public var description: String { name }

        // MARK: HTTP framing (the request parser and router)
        /// Malformed request line, header, path or body framing (400).
        public static let badRequest = Code("bad_request", status: 400)
        /// No valid bearer token (401).
        public static let unauthorized = Code("unauthorized", status: 401)
        /// Authenticated but not allowed to do this (403).
        public static let forbidden = Code("forbidden", status: 403)
        /// No route for the path (404).
        public static let notFound = Code("not_found", status: 404)
        /// A route exists for the path but not for the method (405).
        public static let methodNotAllowed = Code("method_not_allowed", status: 405)
        /// The client was too slow to send the request head or body (408).
        public static let requestTimeout = Code("request_timeout", status: 408)
        /// The request conflicts with the server's state (409).
        public static let conflict = Code("conflict", status: 409)
        /// A body was sent without `Content-Length` (chunked uploads are refused) (411).
        public static let lengthRequired = Code("length_required", status: 411)
        /// The body is larger than the configured limit (413).
        public static let payloadTooLarge = Code("payload_too_large", status: 413)
        /// The request target is longer than the request-line limit (414).
        public static let uriTooLong = Code("uri_too_long", status: 414)
        /// The body has a content type the route does not accept (415).
        public static let unsupportedMediaType = Code("unsupported_media_type", status: 415)
        /// An `Expect` header other than `100-continue` (417).
        public static let expectationFailed = Code("expectation_failed", status: 417)
        /// The header section is larger than the configured limit (431).
        public static let headersTooLarge = Code("request_header_fields_too_large", status: 431)
        /// An unexpected failure inside a handler (500); the message never leaks internals.
        public static let internalError = Code("internal_error", status: 500)
        /// A feature of HTTP this server does not implement, for example a transfer coding (501).
        public static let notImplemented = Code("not_implemented", status: 501)
        /// The server is at its connection limit or shutting down (503).
        public static let unavailable = Code("service_unavailable", status: 503)
        /// An HTTP version other than 1.0 or 1.1 (505).
        public static let httpVersionNotSupported = Code("http_version_not_supported", status: 505)

        // MARK: Local failures (never sent by the server itself)
        /// A file could not be read, written, synced or renamed.
        public static let ioFailure = Code("io_failure", status: 500)
        /// A socket could not be created, bound or connected.
        public static let socketFailure = Code("socket_failure", status: 503)
        /// The client's peer did not answer in time.
        public static let timedOut = Code("timed_out", status: 504)
        /// The peer sent a response this client cannot parse.
        public static let badResponse = Code("bad_response", status: 502)
    }

    /// What kind of failure this is.
    public var code: Code
    /// What was wrong and how to fix it, in words a user can act on.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The HTTP status of a response carrying this error.
    public var status: Int { code.status }

    /// `"code: message"`.
    public var description: String { "\(code.name): \(message)" }
}

extension HTTPError {
    /// An error for a failed system call, with `errno` rendered as text.
    static func system(_ code: Code, _ what: String, errno err: Int32) -> HTTPError {
        HTTPError(code, "\(what): \(String(cString: strerror(err))) (errno \(err))")
    }
}

/// An error that a route handler may throw to answer with a JSON error response of its own code,
/// status and message (`Router` and `HTTPResponse.error(_:)`); `HTTPError` is one, and modules
/// above conform their own error types.
public protocol HTTPResponseError: Error {
    /// The error as the HTTP response describes it: code name, status and message.
    var httpError: HTTPError { get }
}

extension HTTPError: HTTPResponseError {
    /// The error itself.
    public var httpError: HTTPError { self }
}
