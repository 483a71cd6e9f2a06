import Dispatch
import FedRecHTTP
import FedRecExperiments
import FedRecMath
import FedRecServer
import Foundation
import Synchronization

/// Measures how many dense model updates per second the HTTP layer accepts over loopback: many
/// concurrent keep-alive clients POST tensor updates that the server authenticates, decodes with
/// full validation (shape, NaN/Inf) and adds into a running sum under a lock, as the aggregator will.
///
/// This exercises everything between the socket and the aggregator (parsing, bearer auth, wire
/// decoding, one locked accumulation) but not the round logic. Run it from a release build
/// (`fedrec bench` is the intended caller); figures from debug builds are meaningless.
public struct UpdateThroughputBenchmark: Sendable {
    /// What one run measured.
    public struct Result: Sendable, Hashable, Codable {
        /// Updates accepted (status 200).
        public var accepted: Int
        /// Requests that failed or were refused.
        public var failed: Int
        /// Wall-clock seconds from the first request to the last response.
        public var seconds: Double
        /// `accepted / seconds`.
        public var updatesPerSecond: Double
        /// The encoded size of one update in bytes.
        public var bytesPerUpdate: Int
        /// The number of concurrent clients.
        public var clients: Int
    }

    /// Items in the model (ML-100K: 1,682).
    public var items: Int
    /// Latent factors per item.
    public var factors: Int
    /// Concurrent client connections (each on its own thread).
    public var clients: Int
    /// Updates each client sends.
    public var updatesPerClient: Int

    /// Creates a benchmark; the defaults are the target setting (ML-100K size, 200 clients).
    public init(items: Int = 1682, factors: Int = 32, clients: Int = 200, updatesPerClient: Int = 10) {
        precondition(items >= 1 && factors >= 1 && clients >= 1 && updatesPerClient >= 1, "benchmark sizes must be positive")
        self.items = items
        self.factors = factors
        self.clients = clients
        self.updatesPerClient = updatesPerClient
    }

    /// The layout of the benchmark model: item factors and item biases.
    public var layout: [TensorSpec] {
        [TensorSpec(name: "item_factors", shape: [items, factors]), TensorSpec(name: "item_bias", shape: [items])]
    }

    /// Runs the benchmark on an ephemeral loopback port.
    /// - Throws: `ServerError` when the server cannot start.
    public func run() throws(ServerError) -> Result {
        let layout = self.layout
        let count = layout.reduce(0) { $0 + $1.count }
        let ids = (0..<clients).map { "bench-\($0)" }
        let tokens = ClientTokens.generate(clientIDs: ids)
        let auth = BearerAuthenticator(tokens: tokens)
        let sum = Mutex([Float](repeating: 0, count: count))
        var router = Router()
        router.add(.post, "/v1/rounds/{r}/updates") { request in
            _ = try auth.authenticate(request)
            let update = try TensorWireFormat.decode(request.body, expectedLayout: layout)
            sum.withLock { total in
                update.values.withUnsafeBufferPointer { source in
                    total.withUnsafeMutableBufferPointer { target in
                        for i in 0..<source.count { target[i] += source[i] }
                    }
                }
            }
            return .json("{\"accepted\":true}")
        }
        let body = TensorWireFormat.encodedByteCount(layout: layout)
        let server = HTTPServer(configuration: .init(
            limits: .init(maxBodyBytes: body), maxConnections: clients + 16, maxConnectionsPerPeer: clients + 16, backlog: Int32(clients + 16)), router: router)
        let port = try ServerError.bridging(server.start())
        defer {
            server.shutdown()
            server.waitUntilStopped()
        }
        var generator = SystemRandomNumberGenerator()
        let values = (0..<count).map { _ in Float(Int(generator.next() % 2001) - 1000) * 1e-4 }
        let payload = TensorWireFormat.encode(TensorMessage(round: 1, layout: layout, values: values))
        let accepted = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let start = ContinuousClock.now
        let group = DispatchGroup()
        let updatesPerClient = self.updatesPerClient
        for entry in tokens.entries {
            group.enter()
            let token = entry.token
            let thread = Thread {
                let client = HTTPClient(host: "127.0.0.1", port: port)
                for _ in 0..<updatesPerClient {
                    let response = try? client.post("/v1/rounds/1/updates", body: payload, contentType: TensorWireFormat.contentType, headers: ["Authorization": "Bearer \(token)"])
                    if response?.status == 200 { accepted.add(1, ordering: .relaxed) } else { failed.add(1, ordering: .relaxed) }
                }
                client.close()
                group.leave()
            }
            thread.stackSize = 256 * 1024
            thread.start()
        }
        group.wait()
        let elapsed = start.duration(to: .now)
        let seconds = elapsed.inSeconds
        let ok = accepted.load(ordering: .relaxed)
        return Result(accepted: ok, failed: failed.load(ordering: .relaxed), seconds: seconds, updatesPerSecond: Double(ok) / seconds, bytesPerUpdate: payload.count, clients: clients)
    }
}
