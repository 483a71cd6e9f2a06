import Foundation
import Testing
@testable import FedRecCLI
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("fedrec sweep")
struct SweepCommandTests {
    /// The repository's Simulations folder.
    static let simulations = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Simulations")

    static func tempFolder(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-sweepcli-\(name)-\(UUID().uuidString)").path
    }

    /// The synthetic-quick config with everything that costs time scaled down (seconds in debug).
    static func reducedQuick(out: String, extra: [String] = []) -> [String] {
        ["sweep", "--config", simulations.appendingPathComponent("synthetic-quick/config.json").path,
         "--synthetic-users", "40", "--rounds", "4", "--seeds", "1,2", "--epsilons", "2,inf", "--epochs", "2", "--dim", "4",
         "--eval-every", "2", "--threads", "1", "--accountant", "rdp", "--out", out, "--json"] + extra
    }

    /// The section headings and parameter names of a report.
    static func outline(_ markdown: String) -> [String] {
        markdown.split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return String(line) }
            if line.hasPrefix("- **"), let end = line.range(of: "**:") { return String(line[..<end.lowerBound]) }
            return nil
        }
    }

    @Test("A reduced synthetic-quick sweep runs end to end and regenerates a report shaped like the committed one")
    func reducedSyntheticQuick() throws {
        let out = Self.tempFolder("quick")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = runInProcess(Self.reducedQuick(out: out))
        #expect(run.status == 0, "\(run.stderr)")
        let json = try run.json()
        #expect(json["points_total"] as? Int == 4 && json["points_done"] as? Int == 4 && json["complete"] as? Bool == true)
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        let committed = try String(contentsOf: Self.simulations.appendingPathComponent("synthetic-quick/report/report.md"), encoding: .utf8)
        #expect(Self.outline(report) == Self.outline(committed))
        #expect(report.contains("--synthetic-users 40"))
        for chart in ["rmse_vs_epsilon.svg", "mae_vs_epsilon.svg", "learning_curves.svg"] {
            let svg = try String(contentsOfFile: "\(out)/\(chart)", encoding: .utf8)
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "\(chart) is not well-formed XML")
            #expect(svg.contains("<svg"))
        }
        let csv = try String(contentsOfFile: out + "/results.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 4 + 2)   // header, 4 points, 2 baselines
    }

    @Test("A sweep stopped by --max-points resumes from results.csv; a changed configuration is refused")
    func resumeAndRefuse() throws {
        let out = Self.tempFolder("resume")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let partial = runInProcess(Self.reducedQuick(out: out, extra: ["--max-points", "1", "--no-baseline"]))
        #expect(partial.status == 0, "\(partial.stderr)")
        #expect(try partial.json()["points_done"] as? Int == 1)
        let rows = try String(contentsOfFile: out + "/results.csv", encoding: .utf8)
        let rest = runInProcess(Self.reducedQuick(out: out, extra: ["--no-baseline"]))
        #expect(rest.status == 0, "\(rest.stderr)")
        let restJSON = try rest.json()
        #expect(restJSON["points_run"] as? Int == 3 && restJSON["complete"] as? Bool == true)
        let after = try String(contentsOfFile: out + "/results.csv", encoding: .utf8)
        #expect(after.hasPrefix(rows))

        let changed = runInProcess(Self.reducedQuick(out: out, extra: ["--no-baseline", "--clips", "1"]))
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("different configuration") && changed.stderr.contains("grid.clips"))
    }

    @Test("Grid lists are validated with a message naming the option")
    func badLists() {
        let run = runInProcess(["sweep", "--out", Self.tempFolder("bad"), "--epsilons", "1,abc"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--epsilons") && run.stderr.contains("abc"))
        let pairs = runInProcess(["sweep", "--out", Self.tempFolder("bad"), "--sampling-rates", "0.1,0.2", "--rounds", "10,20,30"])
        #expect(pairs.status == 2 && pairs.stderr.contains("--rounds"))
        let missing = runInProcess(["sweep"])
        #expect(missing.status == 2 && missing.stderr.contains("--out"))
    }
}
