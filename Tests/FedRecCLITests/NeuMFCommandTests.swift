import Foundation
import Testing
@testable import FedRecCLI

@Suite struct NeuMFCommandTests {
    @Test func baselineReportsBothProtocolsAndTheComparisons() throws {
        let run = runInProcess(["baseline", "--model", "neumf", "--data", try fixture("small"), "--epochs", "2", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let json = try run.json()
        for key in ["hr_at_10", "ndcg_at_10", "sampled_hr_at_10", "sampled_ndcg_at_10", "popularity_hr_at_10", "implicit_mf_hr_at_10"] {
            let value = try #require(json[key] as? Double, "missing \(key)")
            #expect(value >= 0 && value <= 1)
        }
        #expect((json["sampled_protocol"] as? String)?.contains("99 sampled negatives") == true)
        #expect(json["users"] as? Int == 40)
    }

    @Test func adaptiveClippingReportsTheFinalBoundAndKeepsTheBudget() throws {
        let run = runInProcess(["simulate", "--model", "neumf", "--data", try fixture("small"), "--rounds", "4",
                                "--sampling-rate", "0.5", "--epsilon", "4", "--min-updates", "5", "--seed", "1",
                                "--adaptive-clip", "--clip", "0.001", "--clip-lr", "1", "--no-baseline", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let json = try run.json()
        #expect(json["adaptive_clip"] as? Bool == true)
        let final = try #require(json["final_clip"] as? Double)
        #expect(final > 0.001, "a bound far below every update norm grows")
        #expect(try #require(json["epsilon"] as? Double) <= 4)
        // Over the server (--processes) the same seeded run ends at the same bound.
        let served = try runBinary(["simulate", "--model", "neumf", "--data", try fixture("small"), "--rounds", "4",
                                    "--sampling-rate", "0.5", "--epsilon", "4", "--min-updates", "5", "--seed", "1",
                                    "--adaptive-clip", "--clip", "0.001", "--clip-lr", "1", "--no-baseline", "--json", "--processes", "2"])
        #expect(served.status == 0, "stderr: \(served.stderr)")
        #expect(try served.json()["final_clip"] as? Double == final)
    }

    @Test func privateFederatedNeuMFSpendsAtMostTheBudget() throws {
        let run = runInProcess(["simulate", "--model", "neumf", "--data", try fixture("small"), "--rounds", "3",
                                "--sampling-rate", "0.5", "--epsilon", "4", "--min-updates", "5", "--seed", "1",
                                "--no-baseline", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let json = try run.json()
        let epsilon = try #require(json["epsilon"] as? Double)
        #expect(epsilon > 0 && epsilon <= 4)
        #expect(json["rounds"] as? Int == 3)
        #expect(json["hr_at_10"] is Double)
        #expect(json["model"] as? String == "neumf")
    }
}
