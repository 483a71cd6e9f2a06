import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
import FedRecServer
import FedRecHarness
import Foundation
import Testing

/// Adaptive clipping (Andrew et al. 2021) over the real server: the seeded multi-process runs
/// reproduce the in-process ones bit for bit, final clip bound included.
@Suite("adaptive clipping over the server", .serialized)
struct AdaptiveClippingProcessesTests {
    /// Distributed trust (clients add their noise share at z_Δ·C_t), seeded noise, σ_b = 2 > z / 2.
    static func privacy(clip: Double = 0.5) -> PrivacySettings {
        var p = PrivacySettings(enabled: true, targetEpsilon: 1000, noiseMultiplier: 1, clipBound: clip, trust: .distributed,
                                minimumUpdates: 2, noise: .seeded(3), accountant: .rdp)
        p.adaptiveClipping = AdaptiveClippingSettings(targetQuantile: 0.5, learningRate: 0.2, countNoiseStddev: 2)
        return p
    }

    @Test("MF: two client processes reproduce the in-process adaptive run: same model bits and final C, RMSE within 1e-9")
    func mfMatchesInProcess() throws {
        let split = try ServeProcessTests.split()
        let config = try SimulationConfig(rounds: 5, sampling: .poisson(rate: 0.4), dim: 4, evaluateEvery: 0, seed: 9, threads: 1, reductionChunks: 3)
        let reference = try FederatedExperiment(simulation: config, privacy: Self.privacy()).run(train: split.train, heldOut: split.test)
        let finalBound = try #require(reference.finalClipBound)
        #expect(finalBound != 0.5)
        let multi = MultiProcessSimulation(executable: ServeProcessTests.toolPath, processes: 2, simulation: config, privacy: Self.privacy())
        let outcome = try multi.run(train: split.train, heldOut: split.test)
        #expect(outcome.finalClipBound == finalBound)
        #expect(outcome.model == reference.result.model)
        #expect(abs(outcome.final.rmse - reference.result.final.rmse) < 1e-9)
        #expect(outcome.rounds.map(\.released) == reference.result.rounds.map(\.released))
        #expect(outcome.ledger?.roundsRun == reference.ledger?.roundsRun)
    }

    @Test("NeuMF: two client processes reproduce the in-process adaptive NeuMFSimulation: same global bits and final C")
    func neumfMatchesInProcess() throws {
        let split = try NeuMFProcessesTests.split()
        let config = try NeuMFSimulationConfig(
            rounds: 3, sampling: .poisson(rate: 0.4), model: NeuMFConfig(gmfDim: 2, mlpLayers: [4, 2]),
            local: NeuMFLocalOptions(epochs: 1, batchSize: 16), evaluationFit: NeuMFLocalOptions(epochs: 1, batchSize: 16),
            serverOptimizer: .fedAvgM(learningRate: 1, momentum: 0.5), seed: 9, threads: 1, reductionChunks: 4)
        let privacy = Self.privacy(clip: 0.2)
        let resolved = try ResolvedPrivacy(privacy, population: split.train.userCount, samplingRate: 0.4, rounds: 3)
        var sim = try NeuMFSimulation(train: split.train, heldOut: split.test, config: config,
                                      privatizer: try resolved.privatizer(adaptive: privacy.adaptiveClipping, population: split.train.userCount))
        for _ in 0..<3 { _ = sim.runRound() }
        let finalBound = try #require(sim.privatizer.adaptive?.clipBound)
        #expect(finalBound != 0.2)
        let run = try MultiProcessSimulation(executable: ServeProcessTests.toolPath, processes: 2, neumf: config, privacy: privacy)
        let outcome = try run.run(train: split.train, heldOut: split.test)
        #expect(outcome.finalClipBound == finalBound)
        #expect(outcome.rounds.count == 3)
        #expect(outcome.parameters == sim.global)
    }

    @Test("fedrec simulate --adaptive-clip --processes 2 reports the in-process final_clip, RMSE and ε")
    func simulateReportsFinalClip() throws {
        let common = ["simulate", "--data", try fixture("small"), "--rounds", "4", "--sampling-rate", "0.5", "--dim", "4",
                      "--noise-multiplier", "1", "--epsilon", "1000", "--accountant", "rdp", "--adaptive-clip", "--clip-count-noise", "2",
                      "--seed", "7", "--no-baseline", "--no-reference", "--json"]
        let inProcess = try runBinary(common)
        let overHTTP = try runBinary(common + ["--processes", "2"])
        #expect(inProcess.status == 0, "stderr: \(inProcess.stderr)")
        #expect(overHTTP.status == 0, "stderr: \(overHTTP.stderr)")
        let a = try inProcess.json(), b = try overHTTP.json()
        let clipA = try #require(a["final_clip"] as? Double), clipB = try #require(b["final_clip"] as? Double)
        #expect(clipA == clipB && clipA != 0.5)
        #expect(b["adaptive_clip"] as? Bool == true)
        let rmseA = try #require(a["rmse"] as? Double), rmseB = try #require(b["rmse"] as? Double)
        #expect(abs(rmseA - rmseB) < 1e-9)
        #expect(a["epsilon"] as? Double == b["epsilon"] as? Double)
    }
}
