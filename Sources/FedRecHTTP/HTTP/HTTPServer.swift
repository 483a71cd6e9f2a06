import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 server on POSIX sockets: one accept thread, one thread per open connection up to
/// `maxConnections` (at most `maxConnectionsPerPeer` from one peer address), blocking I/O bounded
/// by per-phase deadlines, and graceful shutdown.
///
/// Lifecycle:
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0), router: router)
/// let port = try server.start()                      // bound; accepting on a background thread
/// let signals = ShutdownSignals.install { _ in server.shutdown() }
/// server.waitUntilStopped()                          // returns after in-flight requests finish
/// signals.cancel(); try writeCheckpoint()
/// ```
/// Each connection reads with a deadline chosen by the parser's phase: a new connection must send
/// its first complete request head within `headerTimeout` of being accepted (closed silently if it
/// sent nothing, 408 otherwise); later, `idleTimeout` between requests (then the connection closes
/// silently), `headerTimeout` from the first byte of a request to the end of its head, and
/// `bodyTimeout` for the body (a slow sender gets 408 and is closed). Writes time out after
/// `writeTimeout`.
///
/// **Connection limits.** A new connection that would exceed `maxConnectionsPerPeer` for its peer
/// address, or `maxConnections` in all, first evicts the longest-idle connection that is between
/// requests (of that peer, resp. of anyone; idle for at least `evictionGrace` and with no unread
/// input, so a request on its way is not lost): a connection that has not started a request holds no
/// work, and a client whose idle keep-alive connection is closed re-sends on a fresh one
/// (``HTTPClient``). Only when every counted connection is in the middle of a request does the new
/// one get 503 with `Retry-After: 1`. So idle sockets cannot lock clients out, and one peer can
/// occupy at most `maxConnectionsPerPeer` slots with slow requests (each bounded by the timeouts).
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
        /// The most connections from one peer address (IPv4 address, or IPv6 address); more get 503.
        public var maxConnectionsPerPeer: Int

        /// The one default connection cap (docs/protocol.md §1), for ``HTTPServer`` and
        /// `FederationService` alike: room for 1,000 concurrent clients.
        public static let defaultMaxConnections = 1024
        /// The default per-peer cap: a quarter of ``defaultMaxConnections``.
        public static let defaultMaxConnectionsPerPeer = 256
        /// How long a connection must have been idle before a new one may evict it: a client may
        /// have sent a request that has not arrived or not been read yet.
        public var evictionGrace: Duration
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
            maxConnections: Int = Configuration.defaultMaxConnections,
            maxConnectionsPerPeer: Int = Configuration.defaultMaxConnectionsPerPeer, backlog: Int32 = 512,
            headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30),
            idleTimeout: Duration = .seconds(60), writeTimeout: Duration = .seconds(30),
            metrics: Metrics? = nil, threadStackSize: Int = 512 * 1024, evictionGrace: Duration = .milliseconds(250)
        ) {
            precondition(maxConnections >= 1 && maxConnectionsPerPeer >= 1 && backlog >= 1, "the server needs room for at least one connection")
            precondition([headerTimeout, bodyTimeout, idleTimeout, writeTimeout].allSatisfy { $0 > .zero }, "timeouts must be positive")
            self.host = host
            self.port = port
            self.limits = limits
            self.maxConnections = maxConnections
            self.maxConnectionsPerPeer = maxConnectionsPerPeer
            self.evictionGrace = evictionGrace
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
    private let table = Mutex(ConnectionTable())
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
    public func start() throws(HTTPError) -> Int {
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

    /// The number of open connections in the middle of a request (not evictable).
    public var busyConnectionCount: Int { table.withLock { $0.busyCount } }

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
            var peer: [UInt8] = []
            let fd = POSIXSocket.acceptConnection(listenFD, peer: &peer)
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
            let admission = table.withLock {
                $0.admit(fd: fd, peer: peer, maxTotal: configuration.maxConnections, maxPerPeer: configuration.maxConnectionsPerPeer,
                         grace: configuration.evictionGrace)
            }
            guard let id = admission else {
                instruments?.protocolError(.unavailable)
                // A short drain (the request usually follows the connect at once) keeps the kernel
                // from resetting the connection over unread bytes; it also slows a flood down.
                let full = table.withLock { $0.count(of: peer) } >= configuration.maxConnectionsPerPeer
                let why = full ? "this address has \(configuration.maxConnectionsPerPeer) connections in the middle of a request, the limit per address"
                    : "the server is at its limit of \(configuration.maxConnections) connections, all in the middle of a request"
                var busy = HTTPResponse.error(HTTPError(.unavailable, "\(why); retry shortly"))
                busy.headers.add("Retry-After", "1")
                refuse(fd, busy, drainFor: .milliseconds(50))
                close(fd)
                continue
            }
            activeConnections.add(1, ordering: .relaxed)
            threads.enter()
            spawn { [self] in
                serve(fd, id: id)
                // Out of the table before the descriptor is closed, so an eviction never touches a
                // closed (or reused) descriptor.
                table.withLock { $0.remove(id) }
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

    private func serve(_ fd: Int32, id: Int) {
        var parser = HTTPRequestParser(limits: configuration.limits)
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { readBuffer.deallocate() }
        // nil after each answered request, so the next one (even pipelined) gets fresh deadlines.
        var currentPhase: HTTPRequestParser.Phase? = nil
        // The first request head must be complete within headerTimeout of the accept.
        var firstHeadDeadline: ContinuousClock.Instant? = .now + configuration.headerTimeout
        var deadline = firstHeadDeadline!
        var idleInTable = true
        // Bounded: every iteration consumes input, answers a request, or waits until a deadline.
        while true {
            switch parser.next() {
            case .request(let request):
                firstHeadDeadline = nil
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
                if let first = firstHeadDeadline, nowPhase != .body { deadline = first }
            }
            if parser.phase == .body { firstHeadDeadline = nil }
            let idle = nowPhase == .idle
            if idle && !idleInTable {
                table.withLock { $0.markIdle(id) }
                idleInTable = true
            }
            if idle && stopping.load(ordering: .acquiring) { return }
            switch POSIXSocket.waitReadable(fd, wakeFD: idle ? wakeRead : nil, until: deadline) {
            case .woken:
                return
            case .timedOut:
                if idle { return }
                let error = HTTPError(.requestTimeout, nowPhase == .body
                    ? "the request body did not arrive within \(configuration.bodyTimeout)"
                    : "the request head did not arrive within \(configuration.headerTimeout)")
                instruments?.protocolError(error.code)
                refuse(fd, error)
                return
            case .readable:
                if idleInTable {
                    // Evicted while idle (the wake-up was the eviction's shutdown): stop here.
                    guard table.withLock({ $0.markBusy(id) }) else { return }
                    idleInTable = false
                }
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
    private func refuse(_ fd: Int32, _ error: HTTPError) {
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

        func protocolError(_ code: HTTPError.Code) {
            metrics.counter("fedrec_http_protocol_errors_total", help: "Requests refused before routing (malformed, too large, too slow, over capacity), by reason.", labels: ["reason": code.name])
                .increment()
        }
    }
}

/// The open connections of an ``HTTPServer`` by peer address, and which of them are idle (between
/// requests, or not yet started one) for at least the grace period and with no unread input:
/// those are evicted, longest idle first, to make room.
/// Not API; every member runs under the server's lock.
struct ConnectionTable {
    struct Entry {
        var peer: [UInt8]
        var fd: Int32
        /// When the connection went idle; nil while it is in the middle of a request.
        var idleSince: ContinuousClock.Instant?
    }

    private var nextID = 0
    private var entries: [Int: Entry] = [:]
    private var perPeer: [[UInt8]: Int] = [:]

    /// Connections in the middle of a request.
    var busyCount: Int { entries.values.filter { $0.idleSince == nil }.count }

    /// Connections counted from `peer`.
    func count(of peer: [UInt8]) -> Int { perPeer[peer] ?? 0 }

    /// Admits a new (idle) connection and returns its id, evicting the longest-idle connection of
    /// `peer` when the peer is at `maxPerPeer`, and the longest-idle one of anyone when the table is
    /// at `maxTotal`; nil when there is no idle connection to evict.
    /// - Complexity: O(connections) when it must evict, else O(1).
    mutating func admit(fd: Int32, peer: [UInt8], maxTotal: Int, maxPerPeer: Int, grace: Duration) -> Int? {
        if count(of: peer) >= maxPerPeer && !evictLongestIdle(grace: grace, where: { $0.peer == peer }) { return nil }
        if entries.count >= maxTotal && !evictLongestIdle(grace: grace, where: { _ in true }) { return nil }
        let id = nextID
        nextID += 1
        entries[id] = Entry(peer: peer, fd: fd, idleSince: .now)
        perPeer[peer, default: 0] += 1
        return id
    }

    /// Marks `id` idle (evictable).
    mutating func markIdle(_ id: Int) { entries[id]?.idleSince = .now }

    /// Marks `id` busy; false when it was evicted (the connection must close without reading).
    mutating func markBusy(_ id: Int) -> Bool {
        guard entries[id] != nil else { return false }
        entries[id]!.idleSince = nil
        return true
    }

    /// Removes `id` (a no-op after an eviction).
    mutating func remove(_ id: Int) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        perPeer[entry.peer]! -= 1
        if perPeer[entry.peer] == 0 { perPeer[entry.peer] = nil }
    }

    /// Shuts down the longest-idle connection matching `filter` that has been idle for `grace`
    /// and has no unread input (a request may be waiting to be read), and removes it (its thread
    /// wakes, finds itself gone and closes); false if there is none.
    /// - Complexity: O(n log n) in the connections, one `poll` per candidate tried.
    private mutating func evictLongestIdle(grace: Duration, where filter: (Entry) -> Bool) -> Bool {
        let cutoff = ContinuousClock.now - grace
        let candidates = entries.compactMap { (id, entry) -> (Int, ContinuousClock.Instant)? in
            guard let since = entry.idleSince, since <= cutoff, filter(entry) else { return nil }
            return (id, since)
        }.sorted { $0.1 < $1.1 }
        for (id, _) in candidates {
            let entry = entries[id]!
            var pfd = pollfd(fd: entry.fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 0) != 0 { continue }  // input (or EOF) waiting: not idle after all
            Glibc.shutdown(entry.fd, Int32(SHUT_RDWR))
            remove(id)
            return true
        }
        return false
    }
}
