import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecPrivacy
import FedRecServer
import FedRecHarness
import Foundation
import Testing

/// `MultiProcessSimulation` (what `fedrec simulate --processes P` calls) against the in-process run.
@Suite("multi-process simulation")
struct ServeMultiProcessTests {
    @Test("three fedrec client processes reproduce the in-process simulation: same model bits, RMSE within 1e-9")
    func matchesInProcess() throws {
        let split = try ServeProcessTests.split()
        let config = try SimulationConfig(rounds: 6, sampling: .poisson(rate: 0.3), dim: 4, evaluateEvery: 0, seed: 9, threads: 1)
        let reference = try FederatedExperiment(simulation: config, privacy: .none).run(train: split.train, heldOut: split.test)
        let multi = MultiProcessSimulation(executable: ServeProcessTests.toolPath, processes: 3, simulation: config, privacy: .none)
        let outcome = try multi.run(train: split.train, heldOut: split.test)
        #expect(outcome.model == reference.result.model)
        #expect(abs(outcome.final.rmse - reference.result.final.rmse) < 1e-9)
        #expect(outcome.final.count == reference.result.final.count)
        #expect(outcome.rounds.count == 6)
        #expect(outcome.processes.count == 3 && outcome.processes.allSatisfy { $0.endState == "finished" })
    }

    @Test("the HTTP round benchmark runs end to end and reports both figures (tiny sizes)")
    func roundBenchmarkRuns() throws {
        let bench = FederatedRoundBenchmark(executable: ServeProcessTests.toolPath, processes: 2, users: 12, items: 20, dim: 4, rounds: 2)
        let result = try bench.run()
        #expect(result.httpSecondsPerRound > 0)
        #expect(result.inProcessSecondsPerRound != nil)
        #expect(result.updatesPerRound == 12)
        #expect(result.bytesPerUpdate > 4 * (1 + 20 * 5))
    }
}
