import Foundation
import Testing
@testable import FedRecCLI

/// A quick simulation on the small fixture.
private func simulate(_ extra: [String]) throws -> ToolRun {
    runInProcess(["simulate", "--data", try fixture("small"), "--rounds", "6", "--sampling-rate", "0.5", "--dim", "4",
                  "--algorithm", "als", "--epochs", "5", "--eval-every", "3"] + extra)
}

@Suite struct SimulateCommandTests {
    @Test func privateJSONHasContractKeysAndSpendsAtMostTheBudget() throws {
        let run = try simulate(["--epsilon", "5", "--trust", "central", "--seed", "3", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let json = try run.json()
        for key in ["rmse", "mae", "centralized_rmse", "epsilon", "delta", "noise_multiplier", "rounds", "wall_seconds", "seconds_per_round"] {
            #expect(json[key] != nil, "missing key \(key)")
        }
        let epsilon = try #require(json["epsilon"] as? Double)
        #expect(epsilon > 0 && epsilon <= 5)
        // The ε shown names its accountant and is that accountant's bound.
        let accountant = try #require(json["epsilon_accountant"] as? String)
        #expect(json["epsilon_\(accountant)"] as? Double == epsilon)
        #expect(json["rounds"] as? Int == 6)
        #expect(json["noise_seeded"] as? Bool == true, "--seed makes noise seeded, and the output says so")
        #expect((json["noise_source"] as? String)?.contains("not private") == true)
        #expect(json["non_private_rmse"] is Double)
    }

    @Test func withoutSeedNoiseIsSecure() throws {
        let json = try simulate(["--epsilon", "5", "--no-reference", "--no-baseline", "--json"]).json()
        #expect(json["noise_seeded"] as? Bool == false)
        #expect(json["noise_source"] as? String == "secure (system CSPRNG)")
    }

    @Test func noDPRunReportsNullEpsilonAndSeedReproducesIt() throws {
        let a = try simulate(["--no-dp", "--seed", "4", "--json"]).json()
        let b = try simulate(["--no-dp", "--seed", "4", "--json", "--threads", "1"]).json()
        #expect(a["epsilon"] is NSNull)
        #expect(a["private"] as? Bool == false)
        #expect(a["rmse"] as? Double == b["rmse"] as? Double)
    }

    @Test func outFolderGetsConfigRoundsResultAndLedger() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try simulate(["--epsilon", "5", "--seed", "3", "--no-reference", "--out", dir.path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("federated, ε ="))
        for name in ["config.json", "rounds.csv", "result.json", "ledger.json"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)")
        }
        let csv = try String(contentsOf: dir.appendingPathComponent("rounds.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 7)
        // A second run into the same folder would replace another run's ledger: refused.
        let again = try simulate(["--epsilon", "5", "--seed", "3", "--no-reference", "--out", dir.path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("never replaced"))
    }

    @Test(arguments: [
        (["--no-dp", "--epsilon", "2"], "'--epsilon' has no effect with --no-dp"),
        (["--sampling-rate", "0"], "'--sampling-rate' got '0'; expected a number in (0, 1]"),
        (["--rounds", "0"], "'--rounds' got '0'"),
        (["--clients-per-round", "5"], "Poisson"),
    ])
    func badConfigurationsAreRefusedBeforeTraining(extra: [String], message: String) throws {
        let run = runInProcess(["simulate", "--data", try fixture("small"), "--no-baseline"] + extra)
        #expect(run.status != 0)
        #expect(run.stderr.contains(message), "stderr: \(run.stderr)")
    }
}

@Suite struct SimulateProcessesTests {
    @Test func clientProcessesOverHTTPReproduceTheInProcessRun() throws {
        let common = ["simulate", "--data", try fixture("small"), "--rounds", "4", "--sampling-rate", "0.5", "--dim", "4",
                      "--epsilon", "6", "--trust", "distributed", "--min-updates", "5", "--seed", "7",
                      "--no-baseline", "--no-reference", "--json"]
        let inProcess = try runBinary(common)
        let overHTTP = try runBinary(common + ["--processes", "2"])
        #expect(overHTTP.status == 0, "stderr: \(overHTTP.stderr)")
        let a = try inProcess.json(), b = try overHTTP.json()
        let rmseA = try #require(a["rmse"] as? Double), rmseB = try #require(b["rmse"] as? Double)
        #expect(abs(rmseA - rmseB) < 1e-6)
        #expect(a["epsilon"] as? Double == b["epsilon"] as? Double)
        #expect(b["processes"] as? Int == 2)
    }
}
