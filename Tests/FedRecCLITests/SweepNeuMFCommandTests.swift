import FedRecExperiments
import Foundation
import Testing
@testable import FedRecCLI
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("fedrec sweep --model neumf")
struct SweepNeuMFCommandTests {
    /// A tiny NeuMF sweep on the fixture: 2 ε (one private), 1 seed, 3 rounds, 2 baseline epochs.
    static func tiny(out: String, extra: [String] = []) throws -> [String] {
        ["sweep", "--model", "neumf", "--data", try fixture("small"), "--epsilons", "2,inf", "--seeds", "1", "--rounds", "3",
         "--sampling-rates", "0.5", "--epochs", "2", "--local-epochs", "1", "--threads", "1", "--accountant", "rdp",
         "--out", out, "--json"] + extra
    }

    @Test("A NeuMF sweep writes HR@10/NDCG@10 rows, a HR@10 report and charts, and resumes without rerunning a point")
    func neumfSweepRunsAndResumes() throws {
        let out = SweepCommandTests.tempFolder("neumf")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = runInProcess(try Self.tiny(out: out))
        #expect(run.status == 0, "\(run.stderr)")
        let json = try run.json()
        #expect(json["points_total"] as? Int == 2 && json["points_run"] as? Int == 2 && json["complete"] as? Bool == true)
        #expect(json["model"] as? String == "neumf")

        let csv = try String(contentsOfFile: out + "/results.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 2 + 3)   // header, 2 points, the baseline with popularity and implicit MF
        #expect(Set(lines.dropFirst().map { String($0.prefix { $0 != "," }) }) == ["federated", "centralized", "popularity", "implicit_mf"])
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header == SweepRecord.columns)
        for name in ["model", "hr_at_10", "ndcg_at_10", "sampled_hr_at_10", "sampled_ndcg_at_10", "stop_reason"] { #expect(header.contains(name)) }
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func cell(_ name: String) -> String { cells[header.firstIndex(of: name)!] }
            #expect(cell("model") == "neumf" && cell("rmse").isEmpty && cell("mae").isEmpty && cell("stop_reason").isEmpty)
            let hr = try #require(Double(cell("hr_at_10"))), ndcg = try #require(Double(cell("ndcg_at_10")))
            #expect(hr >= 0 && hr <= 1 && ndcg >= 0 && ndcg <= hr)
            #expect(Double(cell("sampled_hr_at_10")) != nil)
        }

        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(report.contains("Federated NeuMF on implicit feedback"))
        #expect(report.contains("ΔHR@10 vs non-private") && report.contains("HR@10 (sampled 1+99)") && !report.contains("RMSE"))
        #expect(report.contains("--model neumf") && report.contains("leave-one-out by timestamp"))
        #expect(report.contains("centralized baseline**: NeuMF (GMF 8 + MLP 64→32→16→8), 2 epochs"))
        for chart in ["hr_at_10_vs_epsilon.svg", "ndcg_at_10_vs_epsilon.svg"] {
            let svg = try String(contentsOfFile: "\(out)/\(chart)", encoding: .utf8)
            #expect(XMLParser(data: Data(svg.utf8)).parse(), "\(chart) is not well-formed XML")
            #expect(svg.contains("higher is better"))
            #expect(report.contains("(\(chart))"))
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/learning_curves.svg"))   // NeuMF evaluates only at the end by default

        // Same command again: every point is done, nothing reruns, results.csv is untouched.
        let again = runInProcess(try Self.tiny(out: out))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try again.json()["points_run"] as? Int == 0)
        #expect(try String(contentsOfFile: out + "/results.csv", encoding: .utf8) == csv)

        // The same folder with --model mf is refused, naming both models.
        let mf = runInProcess(["sweep", "--data", try fixture("small"), "--epsilons", "2,inf", "--seeds", "1", "--rounds", "3",
                               "--sampling-rates", "0.5", "--out", out])
        #expect(mf.status == 1)
        #expect(mf.stderr.contains("--model neumf sweep") && mf.stderr.contains("--model mf sweep"))
    }

    @Test("Options of the other model are refused: MF shape options with --model neumf, --implicit-threshold with MF")
    func otherModelsOptionsRefused() throws {
        let run = runInProcess(try Self.tiny(out: SweepCommandTests.tempFolder("never"), extra: ["--dim", "4"]))
        #expect(run.status == 2)
        #expect(run.stderr.contains("'--dim' applies to --model mf only"))
        let threshold = runInProcess(["sweep", "--implicit-threshold", "4", "--out", SweepCommandTests.tempFolder("never")])
        #expect(threshold.status == 2 && threshold.stderr.contains("'--implicit-threshold' applies to --model neumf only"))
    }

    @Test("The committed synthetic-quick sweep, written before NeuMF sweeps, resumes with nothing to run and regenerates its report byte for byte")
    func committedMFSweepResumesUnchanged() throws {
        let committed = SweepCommandTests.simulations.appendingPathComponent("synthetic-quick/report")
        let out = SweepCommandTests.tempFolder("committed")
        defer { try? FileManager.default.removeItem(atPath: out) }
        try FileManager.default.copyItem(at: committed, to: URL(fileURLWithPath: out))
        let run = runInProcess(["sweep", "--config", SweepCommandTests.simulations.appendingPathComponent("synthetic-quick/config.json").path,
                                "--out", out, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try run.json()["points_run"] as? Int == 0)
        for name in ["report.md", "rmse_vs_epsilon.svg", "mae_vs_epsilon.svg", "learning_curves.svg", "results.csv"] {
            let old = try String(contentsOf: committed.appendingPathComponent(name), encoding: .utf8)
            let new = try String(contentsOfFile: "\(out)/\(name)", encoding: .utf8)
            #expect(new.replacingOccurrences(of: "--out \(out)", with: "--out Simulations/synthetic-quick/report") == old, "\(name)")
        }
    }
}
