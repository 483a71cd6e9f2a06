import FedRecHTTP

/// The bridge between FedRecHTTP's `HTTPError` and `ServerError`.
///
/// Both codes are a snake_case name plus a status, and `ServerError.Code` repeats every
/// `HTTPError.Code` under the same name and status (pinned by `ServerErrorHTTPTests`), so an error
/// keeps its identity across the bridge: `ServerError(HTTPError(.badRequest, m)).code == .badRequest`.
extension ServerError: HTTPResponseError {
    /// Wraps an error thrown by FedRecHTTP (the HTTP client, sockets, atomic files) with the same
    /// code name, status and message.
    public init(_ error: HTTPError) {
        self.init(Code(error.code.name, status: error.code.status), error.message)
    }

    /// This error as FedRecHTTP answers it: same code name, status and message.
    public var httpError: HTTPError {
        HTTPError(HTTPError.Code(code.name, status: code.status), message)
    }

    /// Evaluates `body`, rethrowing an `HTTPError` as the `ServerError` with the same code and
    /// message: `try ServerError.bridging(AtomicFile.read(path))`.
    public static func bridging<T>(_ body: @autoclosure () throws(HTTPError) -> T) throws(ServerError) -> T {
        do { return try body() } catch { throw ServerError(error) }
    }
}
