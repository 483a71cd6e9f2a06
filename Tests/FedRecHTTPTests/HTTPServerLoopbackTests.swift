import Dispatch
import Foundation
import Synchronization
import Testing
@testable import FedRecHTTP

#if canImport(Glibc)
import Glibc
#endif

/// A raw loopback socket for sending exactly the bytes a test wants.
private final class RawConnection {
    let fd: Int32

    init(port: Int, from source: String? = nil) throws {
        fd = try POSIXSocket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5), from: source)
    }

    deinit { close(fd) }

    func send(_ text: String) { _ = POSIXSocket.sendAll(fd, Array(text.utf8)) }

    /// Everything the server sends until it closes the connection or `timeout` passes.
    func readUntilClosed(timeout: Duration = .seconds(5)) -> String {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + timeout
        while case .readable = POSIXSocket.waitReadable(fd, wakeFD: nil, until: deadline) {
            let n = buffer.withUnsafeMutableBytes { POSIXSocket.receive(fd, into: $0) }
            if n <= 0 { break }
            out.append(contentsOf: buffer[..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads until `count` occurrences of `marker` have arrived (or `timeout`).
    func read(until marker: String, count: Int = 1, timeout: Duration = .seconds(5)) -> String {
        var out = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + timeout
        while out.components(separatedBy: marker).count - 1 < count, case .readable = POSIXSocket.waitReadable(fd, wakeFD: nil, until: deadline) {
            let n = buffer.withUnsafeMutableBytes { POSIXSocket.receive(fd, into: $0) }
            if n <= 0 { break }
            out += String(decoding: buffer[..<n], as: UTF8.self)
        }
        return out
    }
}

/// A server on an ephemeral loopback port with short timeouts, shut down by `stop()`.
private struct TestServer {
    let server: HTTPServer
    let port: Int
    let metrics: Metrics

    init(
        maxBodyBytes: Int = 4096, maxConnections: Int = 64, maxConnectionsPerPeer: Int = 64, headerTimeout: Duration = .milliseconds(300),
        idleTimeout: Duration = .seconds(30), evictionGrace: Duration = .milliseconds(1), extraRoutes: (inout Router) -> Void = { _ in }
    ) throws {
        var router = Router()
        router.add(.get, "/healthz") { _ in .text("ok") }
        router.add(.post, "/echo") { request in HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: request.body) }
        router.add(.get, "/v1/rounds/{r}") { request in .json("{\"round\":\(request.pathParameters["r"]!)}") }
        extraRoutes(&router)
        metrics = Metrics()
        server = HTTPServer(configuration: .init(
            limits: .init(maxBodyBytes: maxBodyBytes), maxConnections: maxConnections, maxConnectionsPerPeer: maxConnectionsPerPeer,
            headerTimeout: headerTimeout, bodyTimeout: headerTimeout, idleTimeout: idleTimeout, writeTimeout: .seconds(5),
            metrics: metrics, evictionGrace: evictionGrace), router: router)
        port = try server.start()
    }

    func client(retry: HTTPClient.RetryPolicy = .none) -> HTTPClient {
        HTTPClient(host: "127.0.0.1", port: port, configuration: .init(connectTimeout: .seconds(5), requestTimeout: .seconds(10), retry: retry))
    }

    func stop() {
        server.shutdown()
        server.waitUntilStopped()
    }
}

@Suite(.timeLimit(.minutes(1)))
struct HTTPServerLoopbackTests {
    @Test func servesOnAnEphemeralPortAndReportsIt() throws {
        let test = try TestServer()
        defer { test.stop() }
        #expect(test.port > 0)
        #expect(test.server.port == test.port)
        let response = try test.client().get("/healthz")
        #expect(response.status == 200)
        #expect(response.text == "ok")
        #expect(response.headers["Date"]?.hasSuffix(" GMT") == true)
        #expect(try test.client().get("/v1/rounds/7").text == "{\"round\":7}")
    }

    @Test func keepAliveReusesOneConnection() throws {
        let test = try TestServer()
        defer { test.stop() }
        let client = test.client()
        for i in 0..<20 {
            let body = Array("payload \(i)".utf8)
            let response = try client.post("/echo", body: body, contentType: "application/octet-stream")
            #expect(response.body == body)
        }
        #expect(client.connectionsOpened == 1)
    }

    @Test func connectionCloseIsHonouredAndTheClientReconnects() throws {
        let test = try TestServer()
        defer { test.stop() }
        let client = test.client()
        let first = try client.get("/healthz", headers: ["Connection": "close"])
        #expect(first.headers["Connection"] == "close")
        _ = try client.get("/healthz")
        #expect(client.connectionsOpened == 2)
    }

    @Test func clientReopensAConnectionTheServerClosedWhileIdle() throws {
        let test = try TestServer(idleTimeout: .milliseconds(100))
        defer { test.stop() }
        let client = test.client()
        _ = try client.get("/healthz")
        // Wait (bounded: 10 s) until the server has dropped the idle connection.
        for _ in 0..<500 where test.server.connectionCount > 0 { usleep(20_000) }
        #expect(test.server.connectionCount == 0)
        #expect(try client.get("/healthz").status == 200)
        #expect(client.connectionsOpened == 2)
    }

    @Test func manyConcurrentClientsAreAllServed() throws {
        let test = try TestServer()
        defer { test.stop() }
        let clients = 24
        let requestsEach = 10
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: clients) { index in
            let client = test.client()
            for i in 0..<requestsEach {
                let body = Array("client \(index) request \(i)".utf8)
                let ok = (try? client.post("/echo", body: body))?.body == body
                if !ok { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(test.metrics.render().contains("fedrec_http_requests_total{method=\"POST\",route=\"/echo\",status=\"200\"} \(clients * requestsEach)"))
    }

    @Test func oversizeBodyGets413() throws {
        let test = try TestServer(maxBodyBytes: 1000)
        defer { test.stop() }
        let response = try test.client().post("/echo", body: [UInt8](repeating: 7, count: 200_000), contentType: "application/octet-stream")
        #expect(response.status == 413)
        #expect(response.error?.code.name == "payload_too_large")
        #expect(test.metrics.render().contains("fedrec_http_protocol_errors_total{reason=\"payload_too_large\"} 1"))
    }

    @Test func slowHeaderSenderGets408() throws {
        let test = try TestServer(headerTimeout: .milliseconds(200))
        defer { test.stop() }
        let raw = try RawConnection(port: test.port)
        raw.send("GET /healthz HTTP/1.1\r\nHo")
        let answer = raw.readUntilClosed()
        #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(answer.contains("\"error\":\"request_timeout\""))
    }

    @Test func slowBodySenderGets408() throws {
        let test = try TestServer(headerTimeout: .milliseconds(200))
        defer { test.stop() }
        let raw = try RawConnection(port: test.port)
        raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        #expect(raw.readUntilClosed().hasPrefix("HTTP/1.1 408 "))
    }

    @Test func malformedRequestOverTheWireGetsItsErrorAndClose() throws {
        let test = try TestServer()
        defer { test.stop() }
        let raw = try RawConnection(port: test.port)
        raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        let answer = raw.readUntilClosed()
        #expect(answer.hasPrefix("HTTP/1.1 411 Length Required\r\n"))
        #expect(answer.contains("Connection: close"))
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let test = try TestServer()
        defer { test.stop() }
        let raw = try RawConnection(port: test.port)
        raw.send("GET /v1/rounds/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/rounds/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let answer = raw.readUntilClosed()
        let first = try #require(answer.range(of: "{\"round\":1}"))
        let second = try #require(answer.range(of: "{\"round\":2}"))
        #expect(first.lowerBound < second.lowerBound)
    }

    @Test func expectContinueGetsInterimResponse() throws {
        let test = try TestServer()
        defer { test.stop() }
        let raw = try RawConnection(port: test.port)
        raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        #expect(raw.read(until: "\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n")
        raw.send("hi")
        #expect(raw.read(until: "hi").hasSuffix("\r\n\r\nhi"))
    }

    @Test func headAnswersWithLengthButNoBody() throws {
        let test = try TestServer()
        defer { test.stop() }
        let raw = try RawConnection(port: test.port)
        raw.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let answer = raw.readUntilClosed()
        #expect(answer.contains("Content-Length: 2\r\n"))
        #expect(answer.hasSuffix("\r\n\r\n"))
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
        let test = try TestServer()
        defer { test.stop() }
        let closing = try RawConnection(port: test.port)
        closing.send("GET /healthz HTTP/1.0\r\n\r\n")
        let answer = closing.readUntilClosed()
        #expect(answer.contains("Connection: close\r\n") && answer.hasSuffix("ok"))
        let keeping = try RawConnection(port: test.port)
        keeping.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(keeping.read(until: "ok").contains("Connection: keep-alive\r\n"))
        keeping.send("GET /v1/rounds/5 HTTP/1.0\r\n\r\n")
        #expect(keeping.readUntilClosed().hasSuffix("{\"round\":5}"))
    }

    @Test func latencyIsRecordedPerRoutePattern() throws {
        let test = try TestServer()
        defer { test.stop() }
        let client = test.client()
        for round in 1...3 { _ = try client.get("/v1/rounds/\(round)") }
        _ = try client.get("/nowhere")
        let text = test.metrics.render()
        #expect(text.contains("fedrec_http_request_duration_seconds_count{route=\"/v1/rounds/{r}\"} 3\n"))
        #expect(text.contains("fedrec_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1\n"))
    }

    @Test func idleConnectionIsClosedSilentlyAfterTheIdleTimeout() throws {
        let test = try TestServer(idleTimeout: .milliseconds(100))
        defer { test.stop() }
        let raw = try RawConnection(port: test.port)
        #expect(raw.readUntilClosed() == "")
    }

    @Test func connectionsOverTheLimitGet503() throws {
        let test = try TestServer(maxConnections: 1, headerTimeout: .seconds(1))
        defer { test.stop() }
        let holder = try RawConnection(port: test.port)
        holder.send("GET /healthz HTTP/1.1\r\nHo")  // the one slot is now taken by a request in progress
        try waitUntilBusy(test)
        let raw = try RawConnection(port: test.port)
        let answer = raw.readUntilClosed()
        #expect(answer.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(answer.contains("Retry-After: 1"))
        // A client retries the 503 with backoff and gets through once the slot is free (the holder's
        // head times out with 408).
        let waiting = test.client(retry: .init(maxAttempts: 200, initialDelay: .milliseconds(10), maxDelay: .milliseconds(50)))
        #expect(try waiting.get("/healthz").status == 200)
    }

    /// Waits (bounded: 5 s) until the server has read the holder's first bytes.
    private func waitUntilBusy(_ test: TestServer, connections: Int = 1) throws {
        for _ in 0..<250 where test.server.busyConnectionCount < connections { usleep(20_000) }
        try #require(test.server.busyConnectionCount >= connections)
    }

    @Test("idle sockets held by one peer at the connection cap do not lock a client out: the longest idle is evicted")
    func idleSocketsCannotLockClientsOut() throws {
        let test = try TestServer(maxConnections: 8, maxConnectionsPerPeer: 8, headerTimeout: .seconds(20), idleTimeout: .seconds(20))
        defer { test.stop() }
        let idle = try (0..<8).map { _ in try RawConnection(port: test.port) }
        for _ in 0..<250 where test.server.connectionCount < 8 { usleep(20_000) }
        #expect(test.server.connectionCount == 8)
        let response = try test.client().get("/healthz")
        #expect(response.status == 200)
        // The oldest idle socket was closed without a response.
        #expect(idle[0].readUntilClosed(timeout: .seconds(2)) == "")
        // A keep-alive client whose idle connection is evicted re-sends on a fresh one.
        let keeper = test.client()
        _ = try keeper.get("/healthz")
        for _ in 0..<8 { _ = try RawConnection(port: test.port) }
        #expect(try keeper.get("/healthz").status == 200)
    }

    @Test("one peer address holds at most maxConnectionsPerPeer busy connections; another address still gets in")
    func perPeerLimit() throws {
        let test = try TestServer(maxConnections: 16, maxConnectionsPerPeer: 2, headerTimeout: .seconds(20))
        defer { test.stop() }
        let busy = try (0..<2).map { _ in try RawConnection(port: test.port) }
        for b in busy { b.send("GET /healthz HTTP/1.1\r\nHo") }
        try waitUntilBusy(test, connections: 2)
        let third = try RawConnection(port: test.port)
        let answer = third.readUntilClosed()
        #expect(answer.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(answer.contains("limit per address"))
        // 127.0.0.2 is another loopback peer on Linux (skip where it cannot be bound).
        if let other = try? RawConnection(port: test.port, from: "127.0.0.2") {
            other.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(other.readUntilClosed().hasPrefix("HTTP/1.1 200 OK\r\n"))
        }
    }

    @Test("a new connection that sends nothing is closed at the header deadline, not after the idle timeout")
    func silentConnectionClosedAtHeaderDeadline() throws {
        let test = try TestServer(headerTimeout: .milliseconds(200), idleTimeout: .seconds(30))
        defer { test.stop() }
        let start = ContinuousClock.now
        let raw = try RawConnection(port: test.port)
        #expect(raw.readUntilClosed(timeout: .seconds(10)) == "")
        #expect(ContinuousClock.now - start < .seconds(5))
        // A head started but not finished by the deadline (counted from the accept) gets 408.
        let slow = try RawConnection(port: test.port)
        usleep(100_000)
        slow.send("GET /healthz HTTP/1.1\r\n")
        #expect(slow.readUntilClosed(timeout: .seconds(10)).hasPrefix("HTTP/1.1 408 "))
        #expect(ContinuousClock.now - start < .seconds(8))
    }

    @Test func theDocumentedConnectionCapIsTheDefaultEverywhere() {
        #expect(HTTPServer.Configuration().maxConnections == HTTPServer.Configuration.defaultMaxConnections)
        #expect(HTTPServer.Configuration.defaultMaxConnections == 1024)
        #expect(HTTPServer.Configuration().maxConnectionsPerPeer == 256)
    }

    @Test func shutdownFinishesInFlightRequestsAndClosesIdleOnes() throws {
        let entered = DispatchSemaphore(value: 0)
        let proceed = DispatchSemaphore(value: 0)
        let test = try TestServer { router in
            router.add(.post, "/slow") { request in
                entered.signal()
                _ = proceed.wait(timeout: .now() + 10)
                return .text("done \(request.body.count)")
            }
        }
        let idle = test.client()
        _ = try idle.get("/healthz")  // an idle keep-alive connection must not delay shutdown
        let result = Mutex<HTTPClientResponse?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let response = try? test.client().post("/slow", body: [1, 2, 3])
            result.withLock { $0 = response }
            finished.signal()
        }
        #expect(entered.wait(timeout: .now() + 10) == .success)
        test.server.shutdown()
        #expect(test.server.isShuttingDown)
        proceed.signal()
        test.server.waitUntilStopped()
        #expect(finished.wait(timeout: .now() + 10) == .success)
        let response = try #require(result.withLock { $0 })
        #expect(response.text == "done 3")
        #expect(response.headers["Connection"] == "close")
        #expect(test.server.connectionCount == 0)
        #expect(throws: HTTPError.self) { try test.client().get("/healthz") }
    }

    @Test func shutdownBeforeStartReturnsAtOnce() {
        let server = HTTPServer(configuration: .init(), router: Router())
        server.shutdown()
        server.waitUntilStopped()
        #expect(server.port == nil)
    }

    @Test func clientRetriesWithBackoffUntilAttemptsRunOut() throws {
        // Find a free port, then leave nothing listening on it.
        let (fd, port) = try POSIXSocket.listen(host: "127.0.0.1", port: 0, backlog: 1)
        close(fd)
        let client = HTTPClient(host: "127.0.0.1", port: port, configuration: .init(retry: .init(maxAttempts: 3, initialDelay: .milliseconds(1), maxDelay: .milliseconds(2))))
        let error = #expect(throws: HTTPError.self) { try client.get("/healthz") }
        #expect(error?.code == .socketFailure)
        #expect(error?.message.contains("after 3 attempts") == true)
        #expect(client.connectionsOpened == 0)
    }

    @Test func clientRetriesUntilTheServerComesUp() throws {
        let (fd, port) = try POSIXSocket.listen(host: "127.0.0.1", port: 0, backlog: 1)
        close(fd)
        let started = Mutex<HTTPServer?>(nil)
        Thread.detachNewThread {
            usleep(150_000)
            var router = Router()
            router.add(.get, "/healthz") { _ in .text("up") }
            let server = HTTPServer(configuration: .init(port: port), router: router)
            if (try? server.start()) != nil { started.withLock { $0 = server } }
        }
        let client = HTTPClient(host: "127.0.0.1", port: port, configuration: .init(retry: .init(maxAttempts: 60, initialDelay: .milliseconds(20), maxDelay: .milliseconds(50))))
        let response = try client.get("/healthz")
        #expect(response.text == "up")
        if let server = started.withLock({ $0 }) {
            server.shutdown()
            server.waitUntilStopped()
        }
    }

    @Test func retryDelaysGrowGeometricallyUpToTheCap() {
        let policy = HTTPClient.RetryPolicy(maxAttempts: 10, initialDelay: .milliseconds(100), maxDelay: .seconds(1), multiplier: 2)
        #expect(policy.delay(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3) == .milliseconds(400))
        #expect(policy.delay(afterAttempt: 9) == .seconds(1))
    }

    @Test func clientParsesServerURLs() throws {
        let client = try HTTPClient(url: "http://127.0.0.1:8080/")
        #expect(client.host == "127.0.0.1" && client.port == 8080)
        let v6 = try HTTPClient(url: "http://[::1]:9")
        #expect(v6.host == "::1" && v6.port == 9)
        #expect(throws: HTTPError.self) { try HTTPClient(url: "https://x:1") }
        #expect(throws: HTTPError.self) { try HTTPClient(url: "http://x:notaport") }
    }

    @Test func bindingAnUnusableAddressIsAClearError() {
        let server = HTTPServer(configuration: .init(host: "not-an-ip"), router: Router())
        let error = #expect(throws: HTTPError.self) { try server.start() }
        #expect(error?.code == .socketFailure)
    }

    @Test func shutdownSignalsInvokeTheHandler() {
        let received = DispatchSemaphore(value: 0)
        let signals = ShutdownSignals.install([SIGUSR2]) { number in
            if number == SIGUSR2 { received.signal() }
        }
        defer { signals.cancel() }
        // Dispatch registers the source asynchronously; a signal sent before that is ignored, so
        // send again until it is seen (bounded: 200 tries of 50 ms).
        var seen = false
        for _ in 0..<200 where !seen {
            kill(getpid(), SIGUSR2)
            seen = received.wait(timeout: .now() + .milliseconds(50)) == .success
        }
        #expect(seen)
    }
}
