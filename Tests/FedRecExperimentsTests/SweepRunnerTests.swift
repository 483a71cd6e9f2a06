import FedRecData
@testable import FedRecExperiments
import FedRecPrivacy
import Foundation
import Testing

@Suite("Sweep runner and resume")
struct SweepRunnerTests {
    @Test("The grid runs the non-private point once per schedule and seed, private points per trust, clip and ε")
    func gridEnumeration() throws {
        let spec = try SweepFixture.spec(epsilons: [4, 1, .infinity], seeds: [7, 8], clips: [0.5, 1])
        let points = spec.grid.points
        #expect(points.count == 2 * (1 + 2 * 2))
        #expect(points.filter { !$0.isPrivate }.count == 2)
        #expect(Set(points.map(\.key)).count == points.count)
        // Seed-major order, ascending ε within a clip.
        #expect(points.prefix(5).allSatisfy { $0.seed == 7 })
        #expect(points[1].epsilon == 1 && points[2].epsilon == 4)
    }

    @Test("An invalid grid is refused with a message naming the axis")
    func invalidGrid() {
        #expect(throws: ExperimentError.self) { try SweepGrid(epsilons: [], trusts: [.central], clips: [1], schedules: [.init(samplingRate: 0.1, rounds: 1)], seeds: [1]) }
        #expect(throws: ExperimentError.self) { try SweepGrid(epsilons: [1, 1], trusts: [.central], clips: [1], schedules: [.init(samplingRate: 0.1, rounds: 1)], seeds: [1]) }
        #expect(throws: ExperimentError.self) { try SweepGrid(epsilons: [1], trusts: [.central], clips: [-1], schedules: [.init(samplingRate: 0.1, rounds: 1)], seeds: [1]) }
    }

    @Test("An interrupted sweep resumes: completed points are kept bit for bit and not rerun")
    func resumeKeepsCompletedPoints() throws {
        let spec = try SweepFixture.spec()
        let folder = SweepFixture.folder("resume")
        defer { try? FileManager.default.removeItem(at: folder) }
        let runner = SweepRunner(spec: spec)
        var baselineCalls: [UInt64] = []
        let baseline: (UInt64, DataSplit) throws -> SweepRunner.BaselineMetrics = { seed, _ in
            baselineCalls.append(seed)
            return .init(rmse: 1 + Double(seed) / 10, mae: 0.8, seconds: 0.01)
        }

        var first = try SweepResults(folder: folder, spec: spec)
        let ran = try runner.run(results: &first, limit: 3, split: SweepFixture.split, baseline: baseline)
        #expect(ran == 3)
        let kept = first.records
        #expect(kept.filter { $0.kind == .federated }.count == 3)

        // A new process: reopen the folder and finish.
        var second = try SweepResults(folder: folder, spec: spec)
        #expect(second.records == kept)
        #expect(runner.pending(second).count == spec.grid.points.count - 3)
        var progressed: [String] = []
        let ranAgain = try runner.run(results: &second, split: SweepFixture.split, baseline: baseline) { progressed.append($0.label) }
        #expect(ranAgain == spec.grid.points.count - 3)
        #expect(Array(second.records.prefix(kept.count)) == kept)
        #expect(runner.pending(second).isEmpty)
        #expect(baselineCalls == [1, 2])
        // Nothing left: a third run does nothing.
        var third = try SweepResults(folder: folder, spec: spec)
        #expect(try runner.run(results: &third, split: SweepFixture.split, baseline: baseline) == 0)
        #expect(third.records == second.records)
    }

    @Test("A folder holding another sweep is refused, naming what differs")
    func configMismatchRefused() throws {
        let folder = SweepFixture.folder("mismatch")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try SweepResults(folder: folder, spec: try SweepFixture.spec())
        let error = try #require(throws: ExperimentError.self) {
            _ = try SweepResults(folder: folder, spec: try SweepFixture.spec(epsilons: [4, .infinity]))
        }
        #expect(error.code == .configMismatch)
        #expect(error.message.contains("grid.epsilons"))
        // Machine-dependent settings do not count.
        var other = try SweepFixture.spec()
        other.simulation?.threads = 7
        _ = try SweepResults(folder: folder, spec: other)
    }

    @Test("Records read back from results.csv exactly, ∞ and missing values included")
    func recordsRoundTrip() throws {
        let spec = try SweepFixture.spec(seeds: [3])
        let folder = SweepFixture.folder("csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        var results = try SweepResults(folder: folder, spec: spec)
        try SweepRunner(spec: spec).run(results: &results, split: SweepFixture.split, baseline: nil)
        let back = try SweepResults(folder: folder, spec: spec)
        #expect(back.records == results.records)
        let priv = try #require(back.records.first { $0.point.isPrivate })
        #expect(priv.noiseMultiplier != nil && priv.epsilonPLD != nil && priv.epsilonRDP != nil && priv.delta == 1e-4)
        #expect(priv.epsilonRDP! <= 2 * (1 + 1e-9))   // calibrated with RDP to ε = 2
        #expect(priv.curve.map(\.round) == [2, 4])
        let open = try #require(back.records.first { !$0.point.isPrivate })
        #expect(open.noiseMultiplier == nil && open.point.epsilon == .infinity)
    }

    @Test("A damaged results.csv is reported, not silently dropped")
    func damagedResults() throws {
        let spec = try SweepFixture.spec(seeds: [3])
        let folder = SweepFixture.folder("damaged")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try SweepResults(folder: folder, spec: spec)
        try Data("kind,rmse\nfederated,0.9\n".utf8).write(to: folder.appendingPathComponent("results.csv"))
        let error = try #require(throws: ExperimentError.self) { _ = try SweepResults(folder: folder, spec: spec) }
        #expect(error.code == .corruptResults)
    }
}
