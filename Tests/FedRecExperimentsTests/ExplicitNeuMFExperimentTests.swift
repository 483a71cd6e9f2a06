import FedRecData
import FedRecMath
import FedRecModels
import Testing
@testable import FedRecExperiments

/// NeuMF on explicit ratings: RMSE/MAE on a per-user holdout, beside the popularity baseline.
@Suite struct ExplicitNeuMFExperimentTests {
    @Test func explicitNeuMFLearnsTasteGroupsThatItemMeansCannotSee() throws {
        // In-group items are rated 5 and out-of-group ones 2 by everybody, so an item's mean mixes
        // both; only a model of the user can tell which one a held-out rating is.
        let data = NeuMFExperimentTests.ratings(seed: 21)
        var rng = SeededGenerator(seed: 3)
        let split = DataSplit.forEvaluation(data, testFraction: 0.2, using: &rng)
        var epochs: [Int] = []
        let result = try ExplicitNeuMFExperiment.run(
            split: split, config: NeuMFConfig(gmfDim: 4, mlpLayers: [8, 4]),
            options: NeuMFTrainingOptions(epochs: 40, batchSize: 16, optimizer: .adam(.init(learningRate: 0.02))), seed: 5
        ) { epochs.append($0.epoch) }
        #expect(epochs == Array(1...40))
        #expect(result.neumf.count == split.test.count)
        #expect(result.popularity.count == split.test.count)
        #expect(result.neumf.rmse < 0.8 * result.popularity.rmse,
                "NeuMF RMSE \(result.neumf.rmse) vs popularity \(result.popularity.rmse)")
        #expect(result.trainingSeconds > 0)
    }

    @Test func implicitDataIsRefusedWithTheFix() throws {
        let data = NeuMFExperimentTests.ratings(seed: 22).implicit(threshold: nil)
        var rng = SeededGenerator(seed: 3)
        let split = DataSplit.forEvaluation(data, testFraction: 0.2, using: &rng)
        #expect {
            _ = try ExplicitNeuMFExperiment.run(split: split, options: NeuMFTrainingOptions(epochs: 1), seed: 1)
        } throws: { error in
            "\(error)".contains("--objective implicit")
        }
    }
}
