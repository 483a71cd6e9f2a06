import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small blocking HTTP/1.1 client for `fedrec client` and tests: one keep-alive connection,
/// reused across requests and reopened when the server closed it; every step bounded by a timeout;
/// connection failures (nothing listening, reset) retried with exponential backoff.
///
/// An instance is not thread-safe: use one per thread (each holds its own connection).
public final class HTTPClient {
    /// Retry schedule for failures to connect and for 503 answers (the server is at its connection
    /// limit or restarting; it sends 503 only before handling a request).
    public struct RetryPolicy: Sendable, Hashable {
        /// The most connection attempts per request, the first included (1: no retry).
        public var maxAttempts: Int
        /// The delay before the second attempt.
        public var initialDelay: Duration
        /// The longest delay between attempts.
        public var maxDelay: Duration
        /// The factor by which the delay grows after each failed attempt.
        public var multiplier: Double

        /// Creates a policy.
        public init(maxAttempts: Int = 5, initialDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(2), multiplier: Double = 2) {
            precondition(maxAttempts >= 1 && initialDelay >= .zero && maxDelay >= initialDelay && multiplier >= 1, "invalid retry policy")
            self.maxAttempts = maxAttempts
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
            self.multiplier = multiplier
        }

        /// One attempt, no retry.
        public static let none = RetryPolicy(maxAttempts: 1, initialDelay: .zero, maxDelay: .zero)

        /// The delay after failed attempt number `attempt` (1-based): initialDelay·multiplier^(attempt−1), capped.
        public func delay(afterAttempt attempt: Int) -> Duration {
            let seconds = Double(initialDelay.components.seconds) + Double(initialDelay.components.attoseconds) * 1e-18
            let maxSeconds = Double(maxDelay.components.seconds) + Double(maxDelay.components.attoseconds) * 1e-18
            return .seconds(min(maxSeconds, seconds * pow(multiplier, Double(attempt - 1))))
        }
    }

    /// Client settings.
    public struct Configuration: Sendable {
        /// Time allowed to establish a connection.
        public var connectTimeout: Duration
        /// Time allowed for one request, from sending to the last byte of the response.
        public var requestTimeout: Duration
        /// Retries when the server cannot be reached.
        public var retry: RetryPolicy
        /// The largest response body accepted.
        public var maxResponseBytes: Int

        /// Creates a configuration.
        public init(connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(60), retry: RetryPolicy = .init(), maxResponseBytes: Int = 256 << 20) {
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.retry = retry
            self.maxResponseBytes = maxResponseBytes
        }
    }

    /// The server's host.
    public let host: String
    /// The server's port.
    public let port: Int
    /// The configuration.
    public let configuration: Configuration
    /// How many TCP connections this client has opened (keep-alive reuse keeps it at 1).
    public private(set) var connectionsOpened = 0
    private var fd: Int32 = -1
    private var pending: [UInt8] = []
    private var sleep: (Duration) -> Void

    /// Creates a client for `host:port`; nothing connects until the first request.
    public init(host: String, port: Int, configuration: Configuration = .init()) {
        self.host = host
        self.port = port
        self.configuration = configuration
        self.sleep = { duration in Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18) }
    }

    /// Creates a client from a URL of the form `http://HOST:PORT` (a trailing `/` is allowed).
    /// - Throws: `.badRequest` when the URL is not of that form (https is not supported).
    public convenience init(url: String, configuration: Configuration = .init()) throws(HTTPError) {
        var rest = Substring(url)
        guard rest.hasPrefix("http://") else {
            throw HTTPError(.badRequest, "the server URL must start with http:// (for example http://127.0.0.1:8080), not '\(url)'")
        }
        rest = rest.dropFirst(7)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            portText = rest[rest.index(after: close)...].drop { $0 == ":" }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
            portText = "80"
        }
        guard !host.isEmpty, !host.contains("/"), let port = Int(portText), (1...65535).contains(port) else {
            throw HTTPError(.badRequest, "cannot read host and port from '\(url)'; expected http://HOST:PORT")
        }
        self.init(host: String(host), port: port, configuration: configuration)
    }

    deinit { close() }

    /// Closes the connection (the next request opens a new one).
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        pending.removeAll()
    }

    /// `GET path`.
    public func get(_ path: String, headers: HTTPHeaders = [:]) throws(HTTPError) -> HTTPClientResponse {
        try send(.get, path, headers: headers)
    }

    /// `POST path` with `body` of `contentType`.
    public func post(_ path: String, body: [UInt8], contentType: String = "application/json", headers: HTTPHeaders = [:]) throws(HTTPError) -> HTTPClientResponse {
        var headers = headers
        headers.set("Content-Type", contentType)
        return try send(.post, path, headers: headers, body: body)
    }

    /// Sends one request and reads its response.
    ///
    /// Connection failures and 503 answers are retried per `configuration.retry`. A reused keep-alive connection that
    /// turns out closed before any response byte arrives is reopened once and the request re-sent
    /// (the server closes only idle connections, so the request was not processed).
    /// - Throws: `.socketFailure` when the server stays unreachable, `.timedOut`, `.badResponse`.
    public func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: [UInt8] = []) throws(HTTPError) -> HTTPClientResponse {
        var attempt = 1
        // Bounded by maxAttempts.
        while true {
            let response = try sendOnce(method, path, headers: headers, body: body)
            guard response.status == 503, attempt < configuration.retry.maxAttempts else { return response }
            sleep(configuration.retry.delay(afterAttempt: attempt))
            attempt += 1
        }
    }

    private func sendOnce(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: [UInt8]) throws(HTTPError) -> HTTPClientResponse {
        precondition(path.hasPrefix("/"), "request paths start with '/'")
        var head = "\(method.rawValue) \(path) HTTP/1.1\r\nHost: \(host.contains(":") ? "[\(host)]" : host):\(port)\r\n"
        for (name, value) in headers where !HTTPHeaders.equalsIgnoringCase(name, "Content-Length") && !HTTPHeaders.equalsIgnoringCase(name, "Host") {
            head += "\(name): \(value)\r\n"
        }
        if !body.isEmpty || method == .post || method == .put { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var request = Array(head.utf8)
        request.append(contentsOf: body)

        for _ in 0..<2 {
            let reused = fd >= 0
            if !reused { try connectWithRetry() }
            let deadline = ContinuousClock.now + configuration.requestTimeout
            do {
                guard POSIXSocket.sendAll(fd, request) else {
                    let err = errno
                    // The server may have refused the request early (413, 408) and closed: its
                    // answer can still be waiting in the receive buffer.
                    if let (response, _) = try? readResponse(isHead: method == .head, deadline: deadline, reused: false) {
                        close()
                        return response
                    }
                    close()
                    if reused { continue }
                    throw HTTPError.system(.socketFailure, "sending to \(host):\(port) failed", errno: err)
                }
                let (response, keepAlive) = try readResponse(isHead: method == .head, deadline: deadline, reused: reused)
                if !keepAlive { close() }
                return response
            } catch StaleConnection.closed {
                close()
                continue
            } catch let error as HTTPError {
                close()
                throw error
            } catch {
                close()
                throw HTTPError(.badResponse, "unexpected failure reading from \(host):\(port)")
            }
        }
        throw HTTPError(.socketFailure, "the connection to \(host):\(port) closed before a response arrived")
    }

    private enum StaleConnection: Error { case closed }

    private func connectWithRetry() throws(HTTPError) {
        var attempt = 1
        // Bounded by maxAttempts.
        while true {
            do {
                fd = try POSIXSocket.connect(host: host, port: port, timeout: configuration.connectTimeout)
                POSIXSocket.setSendTimeout(fd, configuration.requestTimeout)
                connectionsOpened += 1
                pending.removeAll()
                return
            } catch {
                guard attempt < configuration.retry.maxAttempts else {
                    throw HTTPError(error.code, "\(error.message) (after \(attempt) attempt\(attempt == 1 ? "" : "s"))")
                }
                sleep(configuration.retry.delay(afterAttempt: attempt))
                attempt += 1
            }
        }
    }

    // MARK: Reading a response

    private func fill(deadline: ContinuousClock.Instant, buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        switch POSIXSocket.waitReadable(fd, wakeFD: nil, until: deadline) {
        case .timedOut, .woken:
            throw HTTPError(.timedOut, "\(host):\(port) did not answer within \(configuration.requestTimeout)")
        case .readable:
            let n = POSIXSocket.receive(fd, into: buffer)
            if n < 0 {
                if errno == ECONNRESET { return 0 }
                throw HTTPError.system(.socketFailure, "reading from \(host):\(port) failed", errno: errno)
            }
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            return n
        }
    }

    private func readResponse(isHead: Bool, deadline: ContinuousClock.Instant, reused: Bool) throws -> (HTTPClientResponse, Bool) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        let maxHead = 64 * 1024
        // Bounded: each pass reads more bytes or throws at the deadline; 1xx responses are skipped.
        while true {
            var headEnd: Int?
            while headEnd == nil {
                headEnd = HTTPClient.findHeadEnd(pending)
                if headEnd != nil { break }
                guard pending.count <= maxHead else { throw HTTPError(.badResponse, "the response head from \(host):\(port) exceeds \(maxHead) bytes") }
                if try fill(deadline: deadline, buffer: buffer) == 0 {
                    if pending.isEmpty && reused { throw StaleConnection.closed }
                    throw HTTPError(.badResponse, "\(host):\(port) closed the connection before a complete response")
                }
            }
            let head = Array(pending[..<headEnd!])
            pending.removeFirst(headEnd! + 4)
            let (status, headers) = try parseHead(head)
            if (100...199).contains(status) { continue }
            if headers.values(for: "Transfer-Encoding").count > 0 {
                throw HTTPError(.badResponse, "chunked responses are not supported by this client")
            }
            let keepAlive = !headers.containsToken("close", in: "Connection")
            let noBody = isHead || status == 204 || status == 304
            var length: Int?
            if let text = headers["Content-Length"] {
                guard let value = Int(text), value >= 0 else { throw HTTPError(.badResponse, "bad Content-Length '\(text)' from \(host):\(port)") }
                length = value
            }
            if noBody { length = 0 }
            if let length {
                guard length <= configuration.maxResponseBytes else {
                    throw HTTPError(.badResponse, "the response is \(length) bytes, over the \(configuration.maxResponseBytes)-byte limit")
                }
                while pending.count < length {
                    if try fill(deadline: deadline, buffer: buffer) == 0 {
                        throw HTTPError(.badResponse, "\(host):\(port) closed the connection in the middle of the body")
                    }
                }
                let body = Array(pending[..<length])
                pending.removeFirst(length)
                return (HTTPClientResponse(status: status, headers: headers, body: body), keepAlive)
            }
            // No length: the body runs to the end of the stream.
            while try fill(deadline: deadline, buffer: buffer) > 0 {
                guard pending.count <= configuration.maxResponseBytes else { throw HTTPError(.badResponse, "the response is over the \(configuration.maxResponseBytes)-byte limit") }
            }
            let body = pending
            pending.removeAll()
            return (HTTPClientResponse(status: status, headers: headers, body: body), false)
        }
    }

    private static func findHeadEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    private func parseHead(_ head: [UInt8]) throws(HTTPError) -> (Int, HTTPHeaders) {
        guard let text = String(validating: head, as: UTF8.self) else { throw HTTPError(.badResponse, "the response head is not valid UTF-8") }
        let lines = text.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]), (100...599).contains(status) else {
            throw HTTPError(.badResponse, "malformed status line '\(lines[0].prefix(100))' from \(host):\(port)")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), HTTPHeaders.isToken(line[..<colon]),
                !line.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" })
            else {
                throw HTTPError(.badResponse, "malformed header line '\(line.prefix(100))' from \(host):\(port)")
            }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...].trimmingSpaces()))
        }
        return (status, headers)
    }
}
