import FedRecData
@testable import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
import FedRecReport
import Foundation
import Testing

/// A NeuMF study on the fixture data as implicit feedback, with a tiny model: well under a second in debug.
enum NeuMFSweepFixture {
    static let split = NeuMFExperiment.leaveOneOut(SweepFixture.data)

    static func spec(epsilons: [Double] = [2, .infinity], seeds: [UInt64] = [1], evaluateEvery: Int = 2) throws -> SweepSpec {
        let grid = try SweepGrid(epsilons: epsilons, trusts: [.distributed], clips: [0.5],
                                 schedules: [SweepSchedule(samplingRate: 0.5, rounds: 3)], seeds: seeds)
        let sim = try NeuMFSimulationConfig(rounds: 3, sampling: .poisson(rate: 0.5), model: NeuMFConfig(gmfDim: 4, mlpLayers: [8, 4]),
                                            local: NeuMFLocalOptions(epochs: 1), evaluationFit: NeuMFLocalOptions(epochs: 1),
                                            evaluateEvery: evaluateEvery, seed: 0, threads: 1)
        return SweepSpec(title: "NeuMF test sweep", data: "synthetic test data (60 users)", split: "leave-one-out", baseline: "fake baseline",
                         neumf: sim, delta: 1e-4, accountant: .rdp, placement: .aggregate, minimumUpdates: nil,
                         seededNoise: true, grid: grid)
    }

    /// A fake centralized baseline (the CLI trains centralized NeuMF).
    static func baseline(_ seed: UInt64, _ split: DataSplit) -> SweepRunner.BaselineMetrics {
        .init(hitRate: 0.5, ndcg: 0.3, sampledHitRate: 0.8, sampledNDCG: 0.5, seconds: 0.01)
    }

    /// A hand-made federated NeuMF row.
    static func record(epsilon: Double, seed: UInt64, hitRate: Double, stopReason: String? = nil) -> SweepRecord {
        let point = SweepPoint(epsilon: epsilon, trust: epsilon.isFinite ? .distributed : nil, clip: epsilon.isFinite ? 0.5 : nil,
                               schedule: SweepSchedule(samplingRate: 0.5, rounds: 3), seed: seed)
        var r = SweepRecord(kind: .federated, point: point, hitRate: hitRate, ndcg: hitRate / 2, sampledHitRate: 0.9, sampledNDCG: 0.6)
        r.roundsRun = stopReason == nil ? 3 : 2
        r.stopReason = stopReason
        r.curve = [(3, hitRate)]
        return r
    }
}

@Suite("NeuMF sweep")
struct SweepNeuMFTests {
    @Test("A NeuMF sweep records HR@10 and NDCG@10 (full and sampled), leaves RMSE/MAE empty, and reads back exactly")
    func neumfRecordsRoundTrip() throws {
        let spec = try NeuMFSweepFixture.spec()
        let folder = SweepFixture.folder("neumf-csv")
        defer { try? FileManager.default.removeItem(at: folder) }
        var results = try SweepResults(folder: folder, spec: spec)
        try SweepRunner(spec: spec).run(results: &results, split: { _ in NeuMFSweepFixture.split }, baseline: NeuMFSweepFixture.baseline)
        #expect(results.records.count == 3)
        for r in results.records {
            #expect(r.model == .neumf && r.rmse == nil && r.mae == nil)
            let hr = try #require(r.hitRate), ndcg = try #require(r.ndcg)
            #expect((0...1).contains(hr) && ndcg >= 0 && ndcg <= hr)   // each hit adds at most 1 to NDCG
            #expect(r.sampledHitRate != nil && r.sampledNDCG != nil)
        }
        let priv = try #require(results.records.first { $0.point.isPrivate })
        #expect(priv.noiseMultiplier != nil && priv.epsilonRDP! <= 2 * (1 + 1e-9) && priv.delta == 1e-4 && priv.stopReason == nil)
        #expect(priv.curve.map(\.round) == [2, 3] && priv.curve.last?.value == priv.hitRate)

        let table = try CSVTable(contentsOfFile: folder.appendingPathComponent("results.csv").path)
        #expect(table.columns == SweepRecord.columns)
        for row in table.rows.indices {
            #expect(table.value(row: row, column: "model") == "neumf")
            #expect(table.value(row: row, column: "rmse") == "" && table.value(row: row, column: "mae") == "")
            #expect(table.value(row: row, column: "hr_at_10")?.isEmpty == false && table.value(row: row, column: "sampled_ndcg_at_10")?.isEmpty == false)
        }
        let back = try SweepResults(folder: folder, spec: spec)
        #expect(back.records == results.records)
    }

    @Test("MF rows leave the ranking columns empty, and a stop reason with commas reads back")
    func mfRowsAndStopReason() throws {
        var r = SweepRecord(kind: .federated, point: SweepPoint(epsilon: 2, trust: .local, clip: 1, schedule: .init(samplingRate: 0.1, rounds: 9), seed: 4),
                            rmse: .nan, mae: 0.8)
        r.stopReason = "the model diverged (non-finite parameters) in round 7: lower --server-lr, use --server-optimizer fedadam, or raise --clip"
        r.curve = [(5, 1.2)]
        var table = CSVTable(columns: SweepRecord.columns)
        table.append(r.cells)
        #expect(table.value(row: 0, column: "hr_at_10") == "" && table.value(row: 0, column: "sampled_hr_at_10") == "")
        let parsed = try CSVTable(parsing: table.render())
        let back = try SweepRecord.records(in: parsed, file: "results.csv")
        #expect(back == [r])
        #expect(back[0].stopReason == r.stopReason && back[0].rmse!.isNaN)
    }

    @Test("results.csv written before NeuMF sweeps (no model or stop_reason column) resumes as MF rows and is upgraded on the next save")
    func legacyResultsResume() throws {
        let spec = try SweepFixture.spec(seeds: [3])
        let folder = SweepFixture.folder("legacy")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try SweepResults(folder: folder, spec: spec)
        // Written by the code before this change for this spec's non-private point.
        let legacy = """
            kind,epsilon_target,trust,clip,sampling_rate,rounds,seed,rmse,mae,noise_multiplier,epsilon_rdp,epsilon_pld,server_view_epsilon,delta,min_updates,rounds_run,rounds_released,mean_participants,seconds_per_round,wall_seconds,curve
            federated,inf,,,0.5,4,3,0.9876543210987654,0.7654321,,,,,,,4,4,29.5,0.001,0.01,2:1.05 4:0.9876543210987654

            """
        try Data(legacy.utf8).write(to: folder.appendingPathComponent("results.csv"))
        var results = try SweepResults(folder: folder, spec: spec)
        let old = try #require(results.records.first)
        #expect(results.records.count == 1 && old.model == .mf && old.rmse == 0.9876543210987654 && old.stopReason == nil && old.hitRate == nil)
        #expect(old.curve.map(\.round) == [2, 4])
        let runner = SweepRunner(spec: spec)
        #expect(runner.pending(results).map(\.key) == spec.grid.points.filter(\.isPrivate).map(\.key))
        #expect(try runner.run(results: &results, split: SweepFixture.split, baseline: nil) == 1)
        let table = try CSVTable(contentsOfFile: folder.appendingPathComponent("results.csv").path)
        #expect(table.columns == SweepRecord.columns)
        #expect(try SweepResults(folder: folder, spec: spec).records.first == old)
    }

    @Test("The model is part of sweep.json: a folder of one model refuses the other, naming both")
    func modelMismatchRefused() throws {
        let mf = try SweepFixture.spec()
        let neumf = try NeuMFSweepFixture.spec()
        #expect(!(try mf.canonicalJSON()).contains("\"model\""))
        #expect(try neumf.canonicalJSON().contains("\"model\" : \"neumf\""))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoded = try decoder.decode(SweepSpec.self, from: Data(try neumf.canonicalJSON().utf8))
        #expect(decoded.model == .neumf && decoded.neumfSimulation?.model.gmfDim == 4 && decoded.simulation == nil)
        #expect(try decoder.decode(SweepSpec.self, from: Data(try mf.canonicalJSON().utf8)).model == .mf)

        let folder = SweepFixture.folder("model")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try SweepResults(folder: folder, spec: mf)
        let error = try #require(throws: ExperimentError.self) { _ = try SweepResults(folder: folder, spec: neumf) }
        #expect(error.code == .configMismatch)
        #expect(error.message.contains("--model mf sweep") && error.message.contains("--model neumf sweep"))
    }

    @Test("A NeuMF baseline's popularity and implicit-MF figures become their own rows, a table line and a chart reference line")
    func neumfReferenceRows() throws {
        let spec = try NeuMFSweepFixture.spec(epsilons: [2, .infinity], seeds: [1], evaluateEvery: 0)
        let folder = SweepFixture.folder("neumf-references")
        defer { try? FileManager.default.removeItem(at: folder) }
        var results = try SweepResults(folder: folder, spec: spec)
        try SweepRunner(spec: spec).run(results: &results, split: { _ in NeuMFSweepFixture.split }) { seed, split in
            var b = NeuMFSweepFixture.baseline(seed, split)
            b.popularity = .init(hitRate: 0.125, ndcg: 0.0625, sampledHitRate: 0.25, sampledNDCG: 0.125)
            b.implicitMF = .init(hitRate: 0.375, ndcg: 0.1875, sampledHitRate: nil, sampledNDCG: nil, seconds: 2)
            return b
        }
        #expect(Set(results.records.map(\.key)) == ["centralized;seed=1", "popularity;seed=1", "implicit_mf;seed=1",
                                                    results.records.first { $0.kind == .federated && $0.point.isPrivate }!.key,
                                                    results.records.first { $0.kind == .federated && !$0.point.isPrivate }!.key])
        // The rows survive results.csv.
        let reread = try SweepResults(folder: folder, spec: spec)
        #expect(reread.records == results.records)
        let pop = try #require(reread.records.first { $0.kind == .popularity })
        #expect(pop.hitRate == 0.125 && pop.sampledNDCG == 0.125 && pop.model == .neumf)

        let report = SweepReport(spec: spec, records: reread.records)
        let lines = report.epsilonChart(metric: "hr_at_10").referenceLines
        #expect(lines.first { $0.label == "popularity" }?.y == 0.125)
        let md = report.markdown()
        let popRow = try #require(md.split(separator: "\n").first { $0.hasPrefix("| popularity ") })
        #expect(popRow.contains("0.1250") && popRow.contains("0.0625"))
        let mfRow = try #require(md.split(separator: "\n").first { $0.hasPrefix("| implicit MF (centralized) ") })
        #expect(mfRow.contains("0.3750") && mfRow.contains("2.0"))
        #expect(md.contains("Popularity ranks items by their interaction count"))
    }

    @Test("The NeuMF report charts HR@10 and NDCG@10, higher is better, and signs the change from non-private accordingly")
    func neumfReport() throws {
        let spec = try NeuMFSweepFixture.spec(epsilons: [2, .infinity], seeds: [1, 2], evaluateEvery: 0)
        var c = NeuMFSweepFixture.baseline(1, NeuMFSweepFixture.split).record(model: .neumf, seed: 1)
        c.wallSeconds = 1
        let records = [c,
                       NeuMFSweepFixture.record(epsilon: .infinity, seed: 1, hitRate: 0.4), NeuMFSweepFixture.record(epsilon: .infinity, seed: 2, hitRate: 0.4),
                       NeuMFSweepFixture.record(epsilon: 2, seed: 1, hitRate: 0.3), NeuMFSweepFixture.record(epsilon: 2, seed: 2, hitRate: 0.3)]
        let report = SweepReport(spec: spec, records: records)
        // No evaluation during training: no learning curves.
        #expect(report.charts().map(\.name) == ["hr_at_10_vs_epsilon.svg", "ndcg_at_10_vs_epsilon.svg"])
        let chart = report.epsilonChart(metric: "hr_at_10")
        #expect(chart.yLabel.contains("HR@10") && chart.yLabel.contains("higher is better") && chart.title.hasPrefix("HR@10 vs"))
        #expect(chart.series.count == 1 && chart.series[0].points.map(\.y) == [0.3, 0.4])
        #expect(Set(chart.referenceLines.map(\.label)) == ["centralized", "federated, non-private"] && chart.referenceLines.first?.y == 0.5)
        let ndcg = report.epsilonChart(metric: "ndcg_at_10")
        #expect(ndcg.yLabel.contains("NDCG@10") && ndcg.series[0].points.map(\.y) == [0.15, 0.2])
        for (name, svg) in report.charts() { #expect((try? XMLNode.parse(svg))?.name == "svg", "\(name)") }

        let md = report.markdown()
        #expect(md.contains("| HR@10 |") || md.contains(" HR@10 |"))
        for header in ["NDCG@10", "HR@10 (sampled 1+99)", "NDCG@10 (sampled 1+99)", "ΔHR@10 vs non-private"] { #expect(md.contains(header), "\(header)") }
        #expect(!md.contains("RMSE") && !md.contains("MAE"))
        let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("| distributed, C = 0.5") })
        #expect(row.contains("-25.0%"))   // 0.3 against 0.4: private ranks worse, so the change is negative
        #expect(row.contains("0.3000 ± 0.0000") && row.contains("0.9000"))
        let p = SweepReportTests.parameters(md)
        #expect(p["model"]?.hasPrefix("NeuMF (GMF 4 + MLP 8→4)") == true)
        #expect(p["evaluation"]?.contains("full ranking") == true && p["evaluation"]?.contains("sampled") == true)
        #expect(md.contains("higher is better"))
        #expect(!md.contains("Stopped early"))

        // With evaluation during training the learning curves follow HR@10.
        let curves = SweepReport(spec: try NeuMFSweepFixture.spec(seeds: [1, 2]), records: records)
        #expect(curves.charts().map(\.name).last == "learning_curves.svg")
        #expect(curves.learningCurves(curves.seriesKeys[0]).yLabel.contains("HR@10"))
    }

    @Test("A point that stopped early is listed with its reason and left out of the means and the charts")
    func stoppedPointsListedNotPlotted() throws {
        let spec = try NeuMFSweepFixture.spec(epsilons: [2, 8, .infinity], seeds: [1, 2], evaluateEvery: 0)
        let reason = "the model diverged (non-finite parameters) in round 3; the model of round 2 is kept: lower --server-lr"
        let records = [NeuMFSweepFixture.record(epsilon: .infinity, seed: 1, hitRate: 0.4), NeuMFSweepFixture.record(epsilon: .infinity, seed: 2, hitRate: 0.4),
                       NeuMFSweepFixture.record(epsilon: 2, seed: 1, hitRate: 0.3), NeuMFSweepFixture.record(epsilon: 2, seed: 2, hitRate: 0.01, stopReason: reason),
                       NeuMFSweepFixture.record(epsilon: 8, seed: 1, hitRate: 0.02, stopReason: reason), NeuMFSweepFixture.record(epsilon: 8, seed: 2, hitRate: 0.02, stopReason: reason)]
        let report = SweepReport(spec: spec, records: records)
        let points = report.epsilonChart(metric: "hr_at_10").series[0].points
        #expect(points.map(\.x) == [2, .infinity] && points[0].y == 0.3)
        let md = report.markdown()
        #expect(md.contains("## Stopped early"))
        #expect(md.contains("- ε = 2, distributed, C = 0.5, seed 2, q = 0.5, T = 3: 2 of 3 rounds; \(reason)"))
        #expect(md.contains("- ε = 8, distributed, C = 0.5, seed 1"))
        let row2 = try #require(md.split(separator: "\n").first { $0.hasPrefix("| distributed, C = 0.5 (1 stopped early)") })
        #expect(row2.contains("0.3000") && !row2.contains("±"))
        #expect(!md.split(separator: "\n").contains { $0.contains("|        8 |") })   // every seed stopped: no row

        // MF points too.
        let mfSpec = try SweepFixture.spec(seeds: [1])
        var diverged = SweepRecord(kind: .federated, point: mfSpec.grid.points.first { $0.isPrivate }!, rmse: .nan, mae: .nan)
        diverged.stopReason = "the model diverged (non-finite parameters) in round 2: lower --server-lr"
        let mfReport = SweepReport(spec: mfSpec, records: [diverged]).markdown()
        #expect(mfReport.contains("## Stopped early") && mfReport.contains("lower --server-lr"))
    }
}
