import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 server on POSIX sockets: one accept thread, one thread per open connection up to
/// `maxConnections`, blocking I/O bounded by per-phase deadlines, and graceful shutdown.
///
/// Lifecycle:
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0), router: router)
/// let port = try server.start()                      // bound; accepting on a background thread
/// let signals = ShutdownSignals.install { _ in server.shutdown() }
/// server.waitUntilStopped()                          // returns after in-flight requests finish
/// signals.cancel(); try writeCheckpoint()
/// ```
/// Each connection reads with a deadline chosen by the parser's phase: `idleTimeout` between
/// requests (then the connection closes silently), `headerTimeout` from the first byte of a request
/// to the end of its head, and `bodyTimeout` for the body (a slow sender gets 408 and is closed).
/// Writes time out after `writeTimeout`. Over `maxConnections`, new connections get 503 and close.
///
/// `shutdown()` closes the listening socket, closes idle keep-alive connections at once, and lets
/// connections in the middle of a request finish it (bounded by the timeouts above) and answer with
/// `Connection: close`. `waitUntilStopped()` returns when every connection thread has exited.
public final class HTTPServer: Sendable {
    /// Server settings; every limit is finite.
    public struct Configuration: Sendable {
        /// The address to bind: a numeric IPv4/IPv6 literal or `localhost`. Loopback by default.
        public var host: String
        /// The port; 0 picks an ephemeral port, reported by `start()`.
        public var port: Int
        /// Request size limits; derive `maxBodyBytes` from the model's encoded size.
        public var limits: HTTPRequestParser.Limits
        /// The most connections served at once (one thread each); more get 503.
        public var maxConnections: Int
        /// The listen backlog.
        public var backlog: Int32
        /// How long a request head may take from its first byte.
        public var headerTimeout: Duration
        /// How long a request body may take after its head.
        public var bodyTimeout: Duration
        /// How long a keep-alive connection may sit idle between requests.
        public var idleTimeout: Duration
        /// How long one response write may block on a peer that does not read.
        public var writeTimeout: Duration
        /// Where request counts and latencies go (`fedrec_http_*`), if anywhere.
        public var metrics: Metrics?
        /// The stack size of connection threads in bytes.
        public var threadStackSize: Int

        /// Creates a configuration; defaults suit loopback service of ~1 MB bodies.
        public init(
            host: String = "127.0.0.1", port: Int = 0, limits: HTTPRequestParser.Limits = .init(),
            maxConnections: Int = 512, backlog: Int32 = 512,
            headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30),
            idleTimeout: Duration = .seconds(60), writeTimeout: Duration = .seconds(30),
            metrics: Metrics? = nil, threadStackSize: Int = 512 * 1024
        ) {
            precondition(maxConnections >= 1 && backlog >= 1, "the server needs room for at least one connection")
            precondition([headerTimeout, bodyTimeout, idleTimeout, writeTimeout].allSatisfy { $0 > .zero }, "timeouts must be positive")
            self.host = host
            self.port = port
            self.limits = limits
            self.maxConnections = maxConnections
            self.backlog = backlog
            self.headerTimeout = headerTimeout
            self.bodyTimeout = bodyTimeout
            self.idleTimeout = idleTimeout
            self.writeTimeout = writeTimeout
            self.metrics = metrics
            self.threadStackSize = threadStackSize
        }
    }

    private enum Phase: Sendable {
        case created
        case running(listenFD: Int32, port: Int)
        case stopping
    }

    /// The configuration in force.
    public let configuration: Configuration
    private let router: Router
    private let phase = Mutex(Phase.created)
    private let stopping = Atomic<Bool>(false)
    private let activeConnections = Atomic<Int>(0)
    private let threads = DispatchGroup()
    /// A pipe written once at shutdown and never drained: every poller that includes its read end
    /// wakes up and stays woken.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let instruments: Instruments?
    private let date = HTTPDate()

    /// Creates a server; nothing is bound until `start()`.
    public init(configuration: Configuration, router: Router) {
        self.configuration = configuration
        self.router = router
        guard let pipe = POSIXSocket.makePipe() else { preconditionFailure("cannot create the shutdown pipe: errno \(errno)") }
        wakeRead = pipe.read
        wakeWrite = pipe.write
        instruments = configuration.metrics.map(Instruments.init)
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Binds, starts accepting on a background thread, and returns the bound port.
    /// - Throws: `.socketFailure` naming the address when it cannot be bound.
    /// - Precondition: called once.
    @discardableResult
    public func start() throws(ServerError) -> Int {
        let (fd, port) = try POSIXSocket.listen(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        phase.withLock { phase in
            guard case .created = phase else { preconditionFailure("start() may be called only once") }
            phase = .running(listenFD: fd, port: port)
        }
        threads.enter()
        spawn { [self] in
            acceptLoop(listenFD: fd)
            threads.leave()
        }
        return port
    }

    /// The bound port while running.
    public var port: Int? {
        phase.withLock { if case .running(_, let port) = $0 { port } else { nil } }
    }

    /// The number of connections currently open.
    public var connectionCount: Int { activeConnections.load(ordering: .relaxed) }

    /// Whether `shutdown()` has been called.
    public var isShuttingDown: Bool { stopping.load(ordering: .acquiring) }

    /// Begins a graceful shutdown; returns at once (safe from any thread, repeatable).
    public func shutdown() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        phase.withLock { phase in
            if case .created = phase { phase = .stopping }
        }
    }

    /// Blocks until the accept thread and every connection thread have exited after `shutdown()`.
    /// Returns at once if the server was never started.
    public func waitUntilStopped() {
        threads.wait()
    }

    // MARK: Accepting

    private func acceptLoop(listenFD: Int32) {
        defer {
            close(listenFD)
            phase.withLock { $0 = .stopping }
        }
        while !stopping.load(ordering: .acquiring) {
            switch POSIXSocket.waitReadable(listenFD, wakeFD: wakeRead, until: .now + .seconds(3600)) {
            case .woken: return
            case .timedOut: continue
            case .readable: break
            }
            let fd = POSIXSocket.acceptConnection(listenFD)
            if fd < 0 {
                switch errno {
                case EINTR, EAGAIN, EWOULDBLOCK, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    usleep(10_000)  // out of descriptors: back off instead of spinning
                    continue
                default: return
                }
            }
            POSIXSocket.configureConnected(fd)
            POSIXSocket.setSendTimeout(fd, configuration.writeTimeout)
            if activeConnections.load(ordering: .relaxed) >= configuration.maxConnections {
                instruments?.protocolError(.unavailable)
                // A short drain (the request usually follows the connect at once) keeps the kernel
                // from resetting the connection over unread bytes; it also slows a flood down.
                var busy = HTTPResponse.error(ServerError(.unavailable, "the server is at its limit of \(configuration.maxConnections) connections; retry shortly"))
                busy.headers.add("Retry-After", "1")
                refuse(fd, busy, drainFor: .milliseconds(50))
                close(fd)
                continue
            }
            activeConnections.add(1, ordering: .relaxed)
            threads.enter()
            spawn { [self] in
                serve(fd)
                close(fd)
                activeConnections.subtract(1, ordering: .relaxed)
                threads.leave()
            }
        }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = configuration.threadStackSize
        thread.start()
    }

    // MARK: One connection

    private func serve(_ fd: Int32) {
        var parser = HTTPRequestParser(limits: configuration.limits)
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { readBuffer.deallocate() }
        // nil after each answered request, so the next one (even pipelined) gets fresh deadlines.
        var currentPhase: HTTPRequestParser.Phase? = nil
        var deadline = ContinuousClock.now + configuration.idleTimeout
        // Bounded: every iteration consumes input, answers a request, or waits until a deadline.
        while true {
            switch parser.next() {
            case .request(let request):
                let response = handle(request)
                // Decided after the handler, so a shutdown during it still closes this connection.
                let keepAlive = request.keepAlive && !stopping.load(ordering: .acquiring)
                let bytes = response.serialized(keepAlive: keepAlive, version: request.version, includeBody: request.method != .head, date: date.now())
                guard POSIXSocket.sendAll(fd, bytes), keepAlive else { return }
                currentPhase = nil
                continue
            case .continueExpected:
                guard POSIXSocket.sendAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
                continue
            case .failure(let error):
                instruments?.protocolError(error.code)
                refuse(fd, error)
                return
            case .needMoreData:
                break
            }
            let nowPhase = parser.phase
            if nowPhase != currentPhase {
                currentPhase = nowPhase
                let timeout = switch nowPhase {
                case .idle: configuration.idleTimeout
                case .body: configuration.bodyTimeout
                case .head, .failed: configuration.headerTimeout
                }
                deadline = .now + timeout
            }
            let idle = nowPhase == .idle
            if idle && stopping.load(ordering: .acquiring) { return }
            switch POSIXSocket.waitReadable(fd, wakeFD: idle ? wakeRead : nil, until: deadline) {
            case .woken:
                return
            case .timedOut:
                if idle { return }
                let error = ServerError(.requestTimeout, nowPhase == .body
                    ? "the request body did not arrive within \(configuration.bodyTimeout)"
                    : "the request head did not arrive within \(configuration.headerTimeout)")
                instruments?.protocolError(error.code)
                refuse(fd, error)
                return
            case .readable:
                let n = POSIXSocket.receive(fd, into: readBuffer)
                if n <= 0 {
                    if n == 0, let error = parser.finish() {
                        instruments?.protocolError(error.code)
                        _ = POSIXSocket.sendAll(fd, HTTPResponse.error(error).serialized(keepAlive: false))
                    }
                    return
                }
                parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[..<n]))
            }
        }
    }

    /// Answers `error` and closes gracefully: half-close, then drain what the peer is still sending
    /// (for at most a second and max(16 MiB, twice the body limit)) so the kernel does not reset the
    /// connection and destroy the error response before the peer reads it (RFC 9112 §9.6).
    private func refuse(_ fd: Int32, _ error: ServerError) {
        refuse(fd, HTTPResponse.error(error), drainFor: min(.seconds(1), configuration.headerTimeout))
    }

    private func refuse(_ fd: Int32, _ response: HTTPResponse, drainFor drainTime: Duration) {
        guard POSIXSocket.sendAll(fd, response.serialized(keepAlive: false, date: date.now())) else { return }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        let deadline = ContinuousClock.now + drainTime
        var budget = max(16 << 20, 2 * configuration.limits.maxBodyBytes)
        var scratch = [UInt8](repeating: 0, count: 16384)
        // Bounded by the deadline and the byte budget.
        while budget > 0, case .readable = POSIXSocket.waitReadable(fd, wakeFD: nil, until: deadline) {
            let n = scratch.withUnsafeMutableBytes { POSIXSocket.receive(fd, into: $0) }
            if n <= 0 { return }
            budget -= n
        }
    }

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard let instruments else { return router.respond(to: request) }
        let start = ContinuousClock.now
        let response = router.respond(to: request)
        instruments.record(request: request, route: router.pattern(for: request), status: response.status.code, since: start)
        return response
    }

    /// The server's own metrics: requests by method, route and status; latency by route; refused
    /// requests by reason.
    private struct Instruments: Sendable {
        let metrics: Metrics

        func record(request: HTTPRequest, route: String?, status: Int, since start: ContinuousClock.Instant) {
            let method = [HTTPMethod.get, .head, .post, .put, .delete].contains(request.method) ? request.method.rawValue : "other"
            let route = route ?? "unmatched"
            metrics.histogram("fedrec_http_request_duration_seconds", help: "Time to handle a request, by route (excludes network I/O).", labels: ["route": route])
                .observe(since: start)
            metrics.counter("fedrec_http_requests_total", help: "Requests answered, by method, route and status.", labels: ["method": method, "route": route, "status": String(status)])
                .increment()
        }

        func protocolError(_ code: ServerError.Code) {
            metrics.counter("fedrec_http_protocol_errors_total", help: "Requests refused before routing (malformed, too large, too slow, over capacity), by reason.", labels: ["reason": code.name])
                .increment()
        }
    }
}
