import FedRecMath
import Testing

@testable import FedRecData

@Suite("Synthetic data: deterministic, MovieLens-shaped, with a recoverable planted model")
struct SyntheticDataTests {
    /// The default set, generated once for the suite (about half a second in debug builds).
    static let defaultSet = try! SyntheticData(config: .movieLens100K)

    @Test func theSameSeedGivesIdenticalDataAndModel() throws {
        let again = try SyntheticData(config: .movieLens100K)
        let first = SyntheticDataTests.defaultSet
        #expect(again.dataset.users == first.dataset.users)
        #expect(again.dataset.items == first.dataset.items)
        #expect(again.dataset.ratings == first.dataset.ratings)
        #expect(again.dataset.timestamps == first.dataset.timestamps)
        #expect(again.model.itemFactors == first.model.itemFactors)
    }

    @Test func anotherSeedGivesOtherData() throws {
        var config = SyntheticConfig.movieLens100K
        config.seed = 7
        let other = try SyntheticData(config: config)
        #expect(other.dataset.items != SyntheticDataTests.defaultSet.dataset.items)
        #expect(other.model.userBias != SyntheticDataTests.defaultSet.model.userBias)
    }

    @Test func defaultHasTheSizeOfMovieLens100K() {
        let data = SyntheticDataTests.defaultSet.dataset
        #expect(data.userCount == 943 && data.itemCount == 1682)
        // The activity allocation hits 943 × 106 = 99,958 up to rounding of each user's count.
        #expect(abs(data.count - 99_958) <= 943 / 2)
        #expect(data.feedback == .explicit && data.scale == .stars)
    }

    @Test func defaultHasTheShapeOfMovieLens100K() {
        let stats = DatasetStats(SyntheticDataTests.defaultSet.dataset)
        // Targets from the real set: per-user min 20, median 65, p90 244, max 737.
        #expect(stats.perUser.min == 20)
        #expect(stats.perUser.max <= 740)
        #expect((50...80).contains(stats.perUser.median))
        #expect((180...280).contains(stats.perUser.p90))
        // Real item counts are heavy-tailed too: median 27, max 583.
        #expect((10...40).contains(stats.perItem.median))
        #expect(stats.perItem.max > 10 * stats.perItem.median)
        // Real mean 3.53, std 1.13. The planted biases move the mean by a few hundredths
        // (σ_u/√943 ≈ 0.02 for users, more for the popularity-weighted items): ±0.15 is wide for any seed.
        #expect(abs(stats.ratingMean - 3.53) < 0.15)
        #expect(abs(stats.ratingStd - 1.1) < 0.1)
        #expect(stats.ratingHistogram.map(\.lower) == [1, 2, 3, 4, 5], "whole stars only")
        #expect(stats.ratingHistogram.allSatisfy { $0.count > 2_000 }, "every star value occurs")
    }

    @Test func interactionsAreDistinctInRangeAndTimeOrderedPerUser() {
        let data = SyntheticDataTests.defaultSet.dataset
        var seen = Set<Int>()
        for k in 0..<data.count {
            let u = Int(data.users[k])
            let i = Int(data.items[k])
            #expect(u >= 0 && u < data.userCount && i >= 0 && i < data.itemCount)
            seen.insert(u * data.itemCount + i)
            if k > 0 && data.users[k - 1] == data.users[k] {
                #expect(data.timestamps[k] > data.timestamps[k - 1])
            }
        }
        #expect(seen.count == data.count, "no repeated (user, item) pair")
    }

    @Test func thePlantedModelExplainsTheRatingsDownToTheNoiseFloor() {
        let synthetic = SyntheticDataTests.defaultSet
        let data = synthetic.dataset
        let floor = synthetic.noiseFloorRMSE(on: data)
        let planted = synthetic.plantedScoreRMSE(on: data)
        // Noise σ = 0.5 plus rounding gives √(0.25 + 1/12) ≈ 0.577 before clamping; clamping lowers it.
        #expect(floor > 0.5 && floor < 0.577)
        #expect(planted >= floor && planted < floor + 0.01)
        // Predicting the global mean is far worse: the ratings' own standard deviation.
        #expect(Double(planted) < 0.6 * DatasetStats(data).ratingStd)
    }

    @Test func expectedRatingIsTheMeanOfTheRoundedClampedNoisyScore() {
        let model = SyntheticDataTests.defaultSet.model
        // Far inside the scale, E[round(s + ε)] ≈ s; at the edges clamping pulls it inward.
        #expect(abs(model.expectedRating(score: 3) - 3) < 1e-4)
        #expect(abs(model.expectedRating(score: 3.25) - 3.25) < 0.01)
        #expect(model.expectedRating(score: 6) < 5 && model.expectedRating(score: 6) > 4.99)
        #expect(model.expectedRating(score: 0) > 1 && model.expectedRating(score: 0) < 1.01)
        // Monte Carlo check at s = 4.6 with 200,000 draws: standard error ≈ 0.5/√200000 ≈ 0.0011.
        var rng = SeededGenerator(seed: 3)
        var sum = 0.0
        for _ in 0..<200_000 {
            sum += Double(min(max((4.6 + 0.5 * Gaussian.sample(using: &rng)).rounded(), 1), 5))
        }
        #expect(abs(Double(model.expectedRating(score: 4.6)) - sum / 200_000) < 0.006)
    }

    @Test func implicitDataFollowThePlantedScores() throws {
        var config = SyntheticConfig.movieLens100K
        config.users = 300
        config.feedback = .implicit
        let synthetic = try SyntheticData(config: config)
        let data = synthetic.dataset
        #expect(data.feedback == .implicit)
        #expect(data.ratings.allSatisfy { $0 == 1 })
        #expect(data.scale == RatingScale(min: 0, max: 1))
        // Interacted items score higher than random items for the same user.
        var rng = SeededGenerator(seed: 1)
        var gap = 0.0
        for k in 0..<data.count {
            let u = Int(data.users[k])
            gap += Double(synthetic.model.score(user: u, item: Int(data.items[k])))
            gap -= Double(synthetic.model.score(user: u, item: rng.nextIndex(below: data.itemCount)))
        }
        // Scores have σ ≈ 1.1; choosing the best third of popular candidates lifts the mean by ~1.
        #expect(gap / Double(data.count) > 0.5)
    }

    @Test func presetsDescribeTheIntendedSizes() throws {
        let ml1m = SyntheticConfig.movieLens1M
        #expect(ml1m.users == 6040 && ml1m.items == 3706)
        #expect(abs(Double(ml1m.users) * ml1m.meanRatingsPerUser - 1_000_000) < 1_000)
        try ml1m.validate()
        let million = SyntheticConfig.population(users: 1_000_000)
        #expect(million.users == 1_000_000 && million.minRatingsPerUser == 20 && million.maxRatingsPerUser == 100)
        try million.validate()
    }

    @Test func populationPresetGivesEveryUser20To100Ratings() throws {
        let data = try SyntheticData(config: .population(users: 4_000, items: 2_000)).dataset
        let stats = DatasetStats(data)
        #expect(stats.perUser.min == 20 && stats.perUser.max == 100)
        #expect(abs(stats.perUser.mean - 40) < 0.5)
    }

    @Test func heavyUsersTakingMostOfTheCatalogueStillGetDistinctItems() throws {
        let config = SyntheticConfig(
            users: 20, items: 50, meanRatingsPerUser: 40, minRatingsPerUser: 30, maxRatingsPerUser: 50)
        let data = try SyntheticData(config: config).dataset
        let pairs = Set((0..<data.count).map { Int(data.users[$0]) * 50 + Int(data.items[$0]) })
        #expect(pairs.count == data.count)
        #expect(DatasetStats(data).perUser.max == 50)
    }

    @Test(arguments: [
        SyntheticConfig(users: 0), SyntheticConfig(items: 10), SyntheticConfig(rank: 0),
        SyntheticConfig(meanRatingsPerUser: 10), SyntheticConfig(noiseStd: -1),
        SyntheticConfig(minRatingsPerUser: 50, maxRatingsPerUser: 40),
    ])
    func invalidConfigurationsAreRejected(config: SyntheticConfig) {
        do {
            _ = try SyntheticData(config: config)
            Issue.record("expected invalid options")
        } catch {
            #expect(error.code == .invalidOptions)
            #expect(error.message.hasPrefix("synthetic data: "))
        }
    }
}
