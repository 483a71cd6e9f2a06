import Dispatch
import FedRecFederation
@testable import FedRecHTTP
import FedRecMath
@testable import FedRecServer
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Reduced forms of the outside test runs' figures (issue #16), bounded and on 127.0.0.1 only:
/// many concurrent clients each counted exactly once, and fuzzed requests with no crash or hang.
/// (kill -9 and resume is `ServeProcessTests`' "kill -9 of fedrec serve mid-run, restart".)
@Suite("Outside figures, reduced", .timeLimit(.minutes(2)))
struct OutsideFiguresTests {
    typealias F = FederationFixture

    @Test("1,000 concurrent clients from one address (above the per-peer cap of 256): every update is accepted exactly once")
    func concurrentClientsCountedOnce() throws {
        let clients = 1000
        let ids = F.ids(clients)
        let tokens = ClientTokens.generate(clientIDs: ids)
        let setup = FederationSetup(simulation: try F.config(rounds: 1, q: 1.0), privacy: nil, itemCount: 6, scale: .stars,
                                    clientIDs: ids, roundDeadlineSeconds: 60, seededSelection: true)
        let coordinator = try FederatedRoundCoordinator(setup: setup)
        let service = try FederationService(coordinator: coordinator, tokens: tokens)
        let port = try service.start()
        defer { service.shutdown() }
        let layout = coordinator.modelLayout
        let accepted = Atomic<Int>(0), duplicates = Atomic<Int>(0), failures = Mutex<[String]>([])
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for id in ids {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                start.wait()
                do {
                    let client = try FederationClient(url: "http://127.0.0.1:\(port)", token: tokens.token(for: id)!)
                    let ticket = try client.checkIn()
                    guard ticket.selected else { throw ServerError(.notSelected, "\(id) not selected at q = 1") }
                    let model = try client.fetchModel()
                    let update = TensorMessage(round: model.round, layout: layout, values: [Float](repeating: 0.001, count: model.values.count))
                    _ = try client.submit(update)
                    accepted.add(1, ordering: .relaxed)
                    do { _ = try client.submit(update) } catch let e as ServerError where [.duplicateUpdate, .staleRound, .roundsComplete].contains(e.code) {
                        duplicates.add(1, ordering: .relaxed)
                    }
                } catch {
                    failures.withLock { $0.append("\(id): \(error)") }
                }
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
        for _ in ids { start.signal() }
        #expect(group.wait(timeout: .now() + 90) == .success)
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
        #expect(accepted.load(ordering: .relaxed) == clients)
        #expect(duplicates.load(ordering: .relaxed) == clients, "every second submission is refused")
        let round = try #require(coordinator.history.first)
        #expect(round.selected == clients && round.received == clients && round.released)
    }

    @Test("2,000 fuzzed requests (routes in process, 300 over loopback) never crash or hang the server")
    func fuzzedRequestsNeverCrash() throws {
        let ids = F.ids(4)
        let tokens = ClientTokens.generate(clientIDs: ids)
        let coordinator = try FederatedRoundCoordinator(setup: try F.setup(population: 4))
        let service = try FederationService(coordinator: coordinator, tokens: tokens)
        let port = try service.start()
        defer { service.shutdown() }
        var rng = SeededGenerator(seed: 16, stream: [0xF022])
        let token = tokens.token(for: "user-0")!
        let valid = [
            "GET /v1/status?after_round=1&wait=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n",
            "POST /v1/checkin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: 2\r\n\r\n{}",
            "GET /v1/model HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n",
            "POST /v1/rounds/1/updates HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/vnd.fedrec.tensor\r\nContent-Length: 8\r\n\r\nFRTN\u{1}\u{0}\u{0}\u{0}",
            "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n",
        ].map { Array($0.utf8) }
        func mutate(_ base: [UInt8]) -> [UInt8] {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let k = Int(rng.next() % UInt64(max(bytes.count, 1)))
                switch rng.next() % 4 {
                case 0: if !bytes.isEmpty { bytes[k] = UInt8(truncatingIfNeeded: rng.next()) }
                case 1: if !bytes.isEmpty { bytes.remove(at: k) }
                case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: min(k, bytes.count))
                default: bytes.insert(contentsOf: bytes[k..<min(bytes.count, k + 16)], at: min(k, bytes.count))
                }
            }
            return bytes
        }
        // In process: parser, then router, 1,700 requests.
        var router = Router()
        FederationRoutes.install(on: &router, coordinator: coordinator, authenticator: BearerAuthenticator(tokens: tokens), metrics: Metrics())
        for n in 0..<1700 {
            var parser = HTTPRequestParser(limits: FederationRoutes.limits(for: coordinator.modelLayout))
            parser.append(mutate(valid[n % valid.count]))
            if case .request(let request) = parser.next() { _ = router.respond(to: request) }
            _ = parser.finish()
        }
        // Over loopback: 300 connections, each sends its bytes, half-closes and reads the answer.
        for n in 0..<300 {
            let fd = try POSIXSocket.connect(host: "127.0.0.1", port: port, timeout: .seconds(5))
            defer { close(fd) }
            _ = POSIXSocket.sendAll(fd, mutate(valid[n % valid.count]))
            Glibc.shutdown(fd, Int32(SHUT_WR))
            var buffer = [UInt8](repeating: 0, count: 4096)
            let deadline = ContinuousClock.now + .seconds(5)
            while case .readable = POSIXSocket.waitReadable(fd, wakeFD: nil, until: deadline) {
                if buffer.withUnsafeMutableBytes({ POSIXSocket.receive(fd, into: $0) }) <= 0 { break }
            }
            #expect(ContinuousClock.now < deadline, "request \(n) hung")
        }
        let health = try HTTPClient(url: "http://127.0.0.1:\(port)").get("/healthz")
        #expect(health.status == 200)
    }
}
