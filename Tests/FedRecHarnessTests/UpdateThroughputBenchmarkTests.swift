import Foundation
import Testing
@testable import FedRecHarness
import FedRecServer

@Suite struct UpdateThroughputBenchmarkTests {
    @Test func smallRunAcceptsEveryUpdate() throws {
        let result = try UpdateThroughputBenchmark(items: 50, factors: 4, clients: 8, updatesPerClient: 3).run()
        #expect(result.accepted == 24)
        #expect(result.failed == 0)
        #expect(result.bytesPerUpdate == TensorWireFormat.encodedByteCount(layout: UpdateThroughputBenchmark(items: 50, factors: 4).layout))
    }

    /// The target setting; prints figures. Run with FEDREC_BENCH=1 in a release build:
    /// `FEDREC_BENCH=1 swift test -c release --filter UpdateThroughputBenchmarkTests`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FEDREC_BENCH"] != nil))
    func ml100kSizeWith200Clients() throws {
        let result = try UpdateThroughputBenchmark().run()
        print("update throughput: \(result.accepted) accepted, \(result.failed) failed, \(result.seconds) s, \(result.updatesPerSecond) updates/s, \(result.bytesPerUpdate) bytes each, \(result.clients) clients")
        #expect(result.failed == 0)
    }
}
