import FedRecData
import Testing
import FedRecModels

@Suite struct PopularityBaselineTests {
    // Item 2 rated three times, item 0 twice, item 1 once, item 3 never.
    let train = RatingsDataset(userCount: 3, itemCount: 4, users: [0, 1, 2, 0, 1, 2], items: [2, 2, 2, 0, 0, 1],
                               ratings: [5, 4, 5, 2, 1, 3])

    @Test func ranksItemsByTrainingCount() throws {
        let pop = PopularityBaseline(train: train)
        #expect(pop.counts == [2, 1, 3, 0])
        var scores = [Float](repeating: 0, count: 4)
        let items: [Int32] = [0, 1, 2, 3]
        items.withUnsafeBufferPointer { i in scores.withUnsafeMutableBufferPointer { pop.score(user: 0, items: i, into: $0) } }
        #expect(scores == [2, 1, 3, 0])
        // A new user (no training rows) holding out item 2 finds it first; item 3 last.
        let empty = RatingsDataset(userCount: 1, itemCount: 4, users: [], items: [], ratings: [])
        let top = RatingsDataset(userCount: 1, itemCount: 4, users: [0], items: [2], ratings: [1])
        let last = RatingsDataset(userCount: 1, itemCount: 4, users: [0], items: [3], ratings: [1])
        let evaluator = try RankingEvaluator(cutoffs: [1, 3])
        #expect(evaluator.evaluate(pop, train: empty, test: top).hitRate(at: 1) == 1)
        #expect(evaluator.evaluate(pop, train: empty, test: last).hitRate(at: 3) == 0)
    }

    @Test func predictsMeanPlusDampedItemBias() {
        // μ = 20/6; item 2: Σ(r − μ) = 14 − 3μ = 4, damped by 3 + 2 ⇒ b = 0.8.
        let pop = PopularityBaseline(train: train, damping: 2)
        let mu: Float = 20.0 / 6
        #expect(abs(pop.predict(user: 1, item: 2) - (mu + 0.8)) < 1e-5)
        #expect(pop.predict(user: 0, item: 3) == pop.globalMean, "an unrated item gets the global mean")
        #expect(abs(PopularityBaseline(train: train, damping: 0).predict(user: 0, item: 0) - 1.5) < 1e-5)
    }
}
