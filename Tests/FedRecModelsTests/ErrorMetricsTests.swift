import FedRecData
import FedRecMath
import Testing
import FedRecModels

@Suite struct ErrorMetricsTests {
    let test = RatingsDataset(userCount: 1, itemCount: 3, users: [0, 0, 0], items: [0, 1, 2], ratings: [5, 1, 4])
    let predictions: [Float] = [6, 0.5, 3]

    @Test func rmseAndMaeUseClampedPredictions() {
        // Clamped to 1…5 the predictions are 5, 1, 3: errors 0, 0, 1.
        let m = Metrics.errors(on: test) { _, i in predictions[i] }
        #expect(m.count == 3)
        #expect(abs(m.rmse - (1.0 / 3).squareRoot()) < 1e-12)
        #expect(abs(m.mae - 1.0 / 3) < 1e-12)
    }

    @Test func unclampedOptionKeepsRawErrors() {
        // Raw errors −1, 0.5, 1.
        let m = Metrics.errors(on: test, clamped: false) { _, i in predictions[i] }
        #expect(abs(m.rmse - (2.25 / 3).squareRoot()) < 1e-12)
        #expect(abs(m.mae - 2.5 / 3) < 1e-12)
    }

    @Test func sumsCombineLikeTheUnionOfSets() {
        var a = ErrorMetrics(), b = ErrorMetrics(), all = ErrorMetrics()
        a.add(prediction: 3, rating: 4); all.add(prediction: 3, rating: 4)
        b.add(prediction: 2, rating: 5); all.add(prediction: 2, rating: 5)
        b.add(prediction: 1, rating: 1); all.add(prediction: 1, rating: 1)
        #expect(a + b == all)
        #expect(ErrorMetrics().rmse.isNaN)
    }

    @Test func modelMetricsMatchClosureMetrics() {
        var rng = SeededGenerator(seed: 1)
        let model = BiasedMF(userCount: 1, itemCount: 3, dim: 4, globalMean: 3, initScale: 2, using: &rng)
        let direct = Metrics.errors(of: model, on: test)
        let viaClosure = Metrics.errors(on: test) { u, i in model.predict(user: u, item: i) }
        #expect(abs(direct.rmse - viaClosure.rmse) < 1e-6 && abs(direct.mae - viaClosure.mae) < 1e-6)
    }
}
