import FedRecData
@testable import FedRecExperiments
import FedRecPrivacy
import Foundation
import Testing

@Suite("Sweep report")
struct SweepReportTests {
    /// Runs the fixture study once (seconds in debug) with a fake baseline.
    static let run: (SweepSpec, [SweepRecord]) = {
        let spec = try! SweepFixture.spec(epsilons: [1, 4, .infinity], seeds: [1, 2])
        let folder = SweepFixture.folder("report")
        defer { try? FileManager.default.removeItem(at: folder) }
        var results = try! SweepResults(folder: folder, spec: spec)
        try! SweepRunner(spec: spec).run(results: &results, split: SweepFixture.split) { seed, _ in
            .init(rmse: 0.9 + Double(seed) / 100, mae: 0.7, seconds: 0.01)
        }
        return (spec, results.records)
    }()

    /// The `- **key**: value` lines of a markdown report.
    static func parameters(_ markdown: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in markdown.split(separator: "\n") where line.hasPrefix("- **") {
            let body = line.dropFirst(4)
            guard let end = body.range(of: "**: ") else { continue }
            out[String(body[..<end.lowerBound])] = String(body[end.upperBound...])
        }
        return out
    }

    @Test("The report states the parameters the run used")
    func statedParametersMatchRun() throws {
        let (spec, records) = Self.run
        let p = Self.parameters(SweepReport(spec: spec, records: records).markdown())
        let priv = records.filter { $0.point.isPrivate }
        #expect(p["privacy unit"]?.hasPrefix("user") == true)
        #expect(p["δ"] == ReportFormat.general(1e-4) && priv.allSatisfy { $0.delta == 1e-4 })
        #expect(p["accountant"]?.hasPrefix("RDP") == true)
        #expect(p["sampling"] == "Poisson; q = 0.5, T = 4" && priv.allSatisfy { $0.point.schedule == .init(samplingRate: 0.5, rounds: 4) })
        #expect(p["C (clip)"] == "0.5" && priv.allSatisfy { $0.point.clip == 0.5 })
        let m = try #require(priv.first?.minimumUpdates)
        #expect(p["trust model"] == "distributed (m = \(m))")
        #expect(p["noise source"]?.hasPrefix("seeded (simulation only, not private), aggregate noise") == true)
        #expect(p["data set"] == spec.data && p["split"] == spec.split)
        #expect(p["seeds"] == "1, 2")
        #expect(p["server optimizer"] == "fedadam, lr 0.01")
    }

    @Test("The table reports mean ± std over seeds of the recorded metrics")
    func tableMatchesRecords() throws {
        let (spec, records) = Self.run
        let md = SweepReport(spec: spec, records: records).markdown()
        let rs = records.filter { $0.point.epsilon == 4 }.compactMap(\.rmse)
        let (mean, std) = SweepReport.meanStd(rs)
        let cell = ReportFormatProbe.meanStd(mean, std)
        let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("| distributed, C = 0.5") && $0.contains("|        4 |") })
        #expect(row.contains(cell))
        #expect(md.contains("6 of 6 points completed"))
    }

    @Test("Charts parse back as SVG with one series per configuration, the ∞ point and both reference lines")
    func chartsParseBack() throws {
        let (spec, records) = Self.run
        let charts = SweepReport(spec: spec, records: records).charts()
        #expect(charts.map(\.name) == ["rmse_vs_epsilon.svg", "mae_vs_epsilon.svg", "learning_curves.svg"])
        for (name, svg) in charts {
            let root = try XMLNode.parse(svg)
            #expect(root.name == "svg", "\(name)")
        }
        let root = try XMLNode.parse(charts[0].svg)
        let refs = root.descendants.filter { $0.classes.contains("reference") }.compactMap { $0.attributes["data-label"] }
        #expect(Set(refs) == ["centralized", "federated, non-private"])
        let text = root.descendants.map(\.text).joined(separator: "|")
        #expect(text.contains("∞"))
        #expect(text.contains("distributed"))
        let curves = try XMLNode.parse(charts[2].svg).descendants.map(\.text).joined(separator: "|")
        for label in ["ε = 1", "ε = 4", "non-private"] { #expect(curves.contains(label)) }
    }
}

import FedRecReport
/// The report's own formatting, so the test compares like with like.
enum ReportFormatProbe {
    static func meanStd(_ m: Double, _ s: Double?) -> String { ReportFormat.meanStd(m, s, decimals: 4) }
}
