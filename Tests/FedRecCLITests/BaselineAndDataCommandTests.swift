import Foundation
import Testing
@testable import FedRecCLI

/// The path of a file under the test fixtures.
func fixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures").appendingPathComponent(name))
    return url.path
}

@Suite struct BaselineAndDataCommandTests {
    @Test func baselineJSONOnFixtureHasContractKeysAndBeatsPopularity() throws {
        let run = runInProcess(["baseline", "--data", try fixture("small"), "--algorithm", "als", "--epochs", "10", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let json = try run.json()
        let rmse = try #require(json["rmse"] as? Double)
        let popularity = try #require(json["popularity_rmse"] as? Double)
        #expect(json["mae"] is Double)
        #expect(json["users"] as? Int == 40)
        #expect(json["items"] as? Int == 30)
        #expect(rmse.isFinite && rmse < popularity)
        #expect(run.stderr.contains("epoch  10"))
    }

    @Test func baselineHumanOutputPrintsEpochLinesAndFinalMetrics() throws {
        let run = runInProcess(["baseline", "--data", try fixture("small/u.data"), "--algorithm", "als", "--epochs", "3", "--dim", "2"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("epoch   3"))
        #expect(run.stdout.contains("held-out rmse"))
    }

    @Test func malformedFileFailsWithFileLineAndField() throws {
        let run = try runBinary(["baseline", "--data", try fixture("malformed.data"), "--separator", "tab", "--columns", "user,item,rating,timestamp"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("malformed.data:2"))
        #expect(run.stdout.isEmpty)
    }

    @Test func missingFileFailsWithExitOne() throws {
        let run = runInProcess(["data", "stats", "--data", "/nonexistent/ratings.dat"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("/nonexistent/ratings.dat"))
    }

    @Test func generatorOnlyOptionsWithoutDataAreUsageErrors() {
        let run = runInProcess(["data", "stats", "--separator", "tab"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("'--separator' applies to --data files"))
    }

    @Test func dataStatsJSONCountsTheFixture() throws {
        let json = try runInProcess(["data", "stats", "--data", try fixture("small"), "--json"]).json()
        let stats = try #require(json["stats"] as? [String: Any])
        #expect(stats["users"] as? Int == 40)
        #expect(stats["items"] as? Int == 30)
        #expect(json["skipped_lines"] as? Int == 0)
    }
}

@Suite struct ExplicitNeuMFBaselineTests {
    @Test func explicitObjectiveReportsRMSEOnTheSameSplitAsBiasedMF() throws {
        let path = try fixture("small")
        let neumf = runInProcess(["baseline", "--model", "neumf", "--objective", "explicit", "--data", path, "--epochs", "2", "--seed", "3", "--json"])
        #expect(neumf.status == 0, "stderr: \(neumf.stderr)")
        let mf = runInProcess(["baseline", "--data", path, "--seed", "3", "--json"])
        let n = try neumf.json(), m = try mf.json()
        #expect(n["objective"] as? String == "explicit")
        #expect(n["test_ratings"] as? Int == m["test_ratings"] as? Int, "the same per-user holdout as --model mf")
        #expect(n["popularity_rmse"] as? Double == m["popularity_rmse"] as? Double)
        let rmse = try #require(n["rmse"] as? Double)
        #expect(rmse > 0 && rmse < 4)
        #expect(neumf.stderr.contains("epoch   2"))
    }
}
