import Testing
@testable import FedRecCLI

@Suite struct BenchCommandTests {
    @Test func quickBenchReportsEveryFigureOfTheChosenGroups() throws {
        let run = runInProcess(["bench", "--quick", "--only", "data,mf", "--repetitions", "1", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let json = try run.json()
        let figures = try #require(json["benchmarks"] as? [[String: Any]])
        #expect(figures.compactMap { $0["name"] as? String } == ["parse_ratings_dat_quick", "sgd_epoch_quick_dim32", "als_sweep_quick_dim32"])
        #expect(figures.allSatisfy { ($0["median_seconds"] as? Double ?? -1) > 0 })
        #expect(json["peak_memory_bytes"] is Int)
    }

    @Test func quickNeuMFBenchTimesTheCentralizedEpochAndAPrivateFederatedRound() throws {
        let run = runInProcess(["bench", "--quick", "--only", "neumf", "--repetitions", "1", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let figures = try #require(try run.json()["benchmarks"] as? [[String: Any]])
        let names = figures.compactMap { $0["name"] as? String }
        #expect(names.count == 2)
        #expect(names.first?.hasPrefix("neumf_epoch_") == true)
        #expect(names.last?.hasPrefix("neumf_fed_round_private_") == true)
        #expect(figures.allSatisfy { ($0["median_seconds"] as? Double ?? -1) > 0 })
    }

    @Test func unknownGroupIsAUsageError() {
        let run = runInProcess(["bench", "--only", "gpu"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("unknown group 'gpu'"))
    }
}
