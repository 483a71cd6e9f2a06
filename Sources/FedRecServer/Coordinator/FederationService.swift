import FedRecHTTP
import Foundation
import Synchronization

/// A running aggregation service: a ``FederatedRoundCoordinator`` behind the routes of
/// docs/protocol.md on an ``HTTPServer``, plus a ticker that closes rounds at their deadline.
/// What `fedrec serve` and the multi-process simulation start.
///
/// ```swift
/// let service = try FederationService(coordinator: coordinator, tokens: tokens, port: 0)
/// let port = try service.start()
/// service.waitUntilFinished()   // or until a signal calls shutdown()
/// service.shutdown()
/// ```
public final class FederationService: Sendable {
    /// The round logic.
    public let coordinator: FederatedRoundCoordinator
    /// The HTTP server.
    public let server: HTTPServer
    /// The Prometheus registry behind `/metrics`.
    public let metrics: Metrics
    private let stopped = Atomic<Bool>(false)
    private let ticker = DispatchGroup()

    /// Wires the routes; nothing is bound until ``start()``. The connection caps default to the
    /// one documented pair (``HTTPServer/Configuration/defaultMaxConnections``, 1,024, and
    /// ``HTTPServer/Configuration/defaultMaxConnectionsPerPeer``, 256).
    /// - Throws: `ServerError(.badRequest)` if the tokens do not match the setup's clients.
    public init(coordinator: FederatedRoundCoordinator, tokens: ClientTokens, host: String = "127.0.0.1", port: Int = 0,
                maxConnections: Int = HTTPServer.Configuration.defaultMaxConnections,
                maxConnectionsPerPeer: Int = HTTPServer.Configuration.defaultMaxConnectionsPerPeer,
                counts: CountAccess = CountAccess()) throws(ServerError) {
        guard tokens.entries.map(\.clientID) == coordinator.setup.clientIDs else {
            throw ServerError(.badRequest, "the token file lists \(tokens.entries.count) clients that differ from the \(coordinator.setup.population) registered in this run; use the token file the run started with")
        }
        self.coordinator = coordinator
        let metrics = Metrics()
        self.metrics = metrics
        var router = Router()
        FederationRoutes.install(on: &router, coordinator: coordinator, authenticator: BearerAuthenticator(tokens: tokens), metrics: metrics,
                                 counts: counts)
        server = HTTPServer(configuration: .init(host: host, port: port, limits: FederationRoutes.limits(for: coordinator.modelLayout),
                                                 maxConnections: maxConnections, maxConnectionsPerPeer: maxConnectionsPerPeer,
                                                 backlog: Int32(min(maxConnections, 4096)),
                                                 metrics: metrics, threadStackSize: 256 * 1024), router: router)
    }

    /// Binds and starts serving; returns the bound port.
    @discardableResult
    public func start() throws(ServerError) -> Int {
        let port = try ServerError.bridging(server.start())
        ticker.enter()
        let completed = metrics.counter("fedrec_rounds_total", help: "Rounds closed, by outcome.", labels: ["outcome": "completed"])
        let discarded = metrics.counter("fedrec_rounds_total", help: "Rounds closed, by outcome.", labels: ["outcome": "discarded"])
        let thread = Thread { [self] in
            var counted = coordinator.history.count
            while !stopped.load(ordering: .acquiring) {
                coordinator.tick()
                let history = coordinator.history
                while counted < history.count {
                    (history[counted].released ? completed : discarded).increment()
                    counted += 1
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            ticker.leave()
        }
        thread.stackSize = 256 * 1024
        thread.start()
        return port
    }

    /// Blocks until every planned round has closed (or the budget is exhausted, or the coordinator
    /// stopped), or until ``shutdown()`` is called.
    public func waitUntilFinished() {
        while !stopped.load(ordering: .acquiring) && !coordinator.isFinished && coordinator.stopReason == nil {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Graceful shutdown: the open round is abandoned (nothing released), long polls return, the
    /// HTTP server drains; the checkpoint of the last closed round stays the state to resume from.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        coordinator.stop()
        server.shutdown()
        server.waitUntilStopped()
        ticker.wait()
    }
}
