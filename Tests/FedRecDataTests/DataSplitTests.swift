import FedRecMath
import Testing

@testable import FedRecData

@Suite("Train/test splits")
struct DataSplitTests {
    static let data = try! SyntheticData(
        config: SyntheticConfig(users: 150, items: 400, meanRatingsPerUser: 40, minRatingsPerUser: 2, maxRatingsPerUser: 200, seed: 5)
    ).dataset

    /// A key per interaction, unique within a deduplicated data set.
    static func keys(_ d: RatingsDataset) -> [Int] {
        (0..<d.count).map { Int(d.users[$0]) * d.itemCount + Int(d.items[$0]) }
    }

    static func perUserCounts(_ d: RatingsDataset) -> [Int] {
        var counts = [Int](repeating: 0, count: d.userCount)
        for u in d.users { counts[Int(u)] += 1 }
        return counts
    }

    @Test func holdoutIsDisjointCompleteAndKeepsTheIndexSpace() {
        var rng = SeededGenerator(seed: 11)
        let split = DataSplit.perUserHoldout(DataSplitTests.data, using: &rng)
        let train = Set(DataSplitTests.keys(split.train))
        let test = Set(DataSplitTests.keys(split.test))
        #expect(train.isDisjoint(with: test))
        #expect(train.union(test) == Set(DataSplitTests.keys(DataSplitTests.data)))
        #expect(split.train.count + split.test.count == DataSplitTests.data.count)
        #expect(split.train.userCount == DataSplitTests.data.userCount)
        #expect(split.test.itemCount == DataSplitTests.data.itemCount)
        #expect(split.test.userIDs == DataSplitTests.data.userIDs)
    }

    @Test(arguments: [0.1, 0.2, 0.5])
    func eachUserHoldsOutRoundedFractionAtLeastOne(fraction: Double) {
        var rng = SeededGenerator(seed: 12)
        let split = DataSplit.perUserHoldout(DataSplitTests.data, testFraction: fraction, using: &rng)
        let all = DataSplitTests.perUserCounts(DataSplitTests.data)
        let held = DataSplitTests.perUserCounts(split.test)
        for u in 0..<all.count {
            let n = all[u]
            let expected = n < 2 ? 0 : min(n - 1, max(1, Int((fraction * Double(n)).rounded())))
            #expect(held[u] == expected, "user \(u) with \(n) ratings")
        }
    }

    @Test func usersWithOneRatingStayInTraining() {
        let data = RatingsDataset(
            userCount: 3, itemCount: 4, users: [0, 1, 1, 2, 2, 2], items: [0, 0, 1, 1, 2, 3], ratings: [1, 2, 3, 4, 5, 1])
        var rng = SeededGenerator(seed: 1)
        let split = DataSplit.perUserHoldout(data, testFraction: 0.1, using: &rng)
        #expect(!split.test.users.contains(0))
        #expect(split.test.users.sorted() == [1, 2], "users with 2 and 3 ratings hold out exactly 1")
        let loo = DataSplit.leaveLastOut(data)
        #expect(!loo.test.users.contains(0))
    }

    @Test func theSameSeedGivesTheSameSplitAndAnotherSeedAnother() {
        var a = SeededGenerator(seed: 99)
        var b = SeededGenerator(seed: 99)
        var c = SeededGenerator(seed: 100)
        let first = DataSplit.perUserHoldout(DataSplitTests.data, using: &a)
        let second = DataSplit.perUserHoldout(DataSplitTests.data, using: &b)
        let other = DataSplit.perUserHoldout(DataSplitTests.data, using: &c)
        #expect(DataSplitTests.keys(first.test) == DataSplitTests.keys(second.test))
        #expect(DataSplitTests.keys(first.train) == DataSplitTests.keys(second.train))
        #expect(DataSplitTests.keys(first.test) != DataSplitTests.keys(other.test))
    }

    @Test func holdoutPicksEveryInteractionWithEqualChance() {
        // 4 ratings of one user, fraction 0.25 → 1 held out, each with probability 1/4.
        // Over 4,000 seeds each count is Binomial(4000, 1/4): mean 1000, σ ≈ 27; allow 5σ.
        let data = RatingsDataset(userCount: 1, itemCount: 4, users: [0, 0, 0, 0], items: [0, 1, 2, 3], ratings: [1, 2, 3, 4])
        var hits = [0, 0, 0, 0]
        var rng = SeededGenerator(seed: 2024)
        for _ in 0..<4_000 {
            let split = DataSplit.perUserHoldout(data, testFraction: 0.25, using: &rng)
            hits[Int(split.test.items[0])] += 1
        }
        #expect(hits.allSatisfy { abs($0 - 1000) < 137 }, "\(hits)")
    }

    @Test func leaveLastOutHoldsOutEachUsersLatestInteraction() {
        let implicit = DataSplitTests.data.implicit()
        let split = DataSplit.leaveLastOut(implicit)
        let counts = DataSplitTests.perUserCounts(implicit)
        #expect(split.test.count == counts.filter { $0 >= 2 }.count)
        var latestTrain = [Int64](repeating: .min, count: implicit.userCount)
        for k in 0..<split.train.count {
            latestTrain[Int(split.train.users[k])] = max(latestTrain[Int(split.train.users[k])], split.train.timestamps[k])
        }
        for k in 0..<split.test.count {
            #expect(split.test.timestamps[k] > latestTrain[Int(split.test.users[k])])
        }
        #expect(Set(DataSplitTests.keys(split.train)).union(DataSplitTests.keys(split.test)) == Set(DataSplitTests.keys(implicit)))
    }

    @Test func leaveLastOutBreaksTimestampTiesByLaterPosition() {
        let data = RatingsDataset(
            userCount: 2, itemCount: 4, users: [0, 0, 0, 1, 1], items: [0, 1, 2, 3, 0], ratings: [1, 1, 1, 1, 1],
            timestamps: [5, 9, 9, 7, 3], feedback: .implicit)
        let split = DataSplit.leaveLastOut(data)
        #expect(split.test.users == [0, 1])
        #expect(split.test.items == [2, 3])
        #expect(split.train.items == [0, 1, 0], "training keeps the original order")
    }

    @Test func forEvaluationChoosesTheProtocolByFeedback() {
        var rng = SeededGenerator(seed: 3)
        let explicit = DataSplit.forEvaluation(DataSplitTests.data, using: &rng)
        #expect(explicit.test.count > DataSplitTests.data.userCount, "10% holdout holds out more than one per user")
        let implicit = DataSplit.forEvaluation(DataSplitTests.data.implicit(), using: &rng)
        #expect(implicit.test.count == DataSplitTests.data.userCount)
    }
}

@Suite("Explicit to implicit conversion")
struct ImplicitConversionTests {
    let data = RatingsDataset(
        userCount: 3, itemCount: 3, users: [0, 0, 1, 2], items: [0, 1, 1, 2], ratings: [5, 2, 4, 3.5],
        timestamps: [10, 20, 30, 40], userIDs: ["a", "b", "c"], itemIDs: ["x", "y", "z"])

    @Test func allInteractionsBecomeOnesWithoutThreshold() {
        let implicit = data.implicit()
        #expect(implicit.ratings == [1, 1, 1, 1])
        #expect(implicit.items == data.items && implicit.timestamps == data.timestamps)
        #expect(implicit.feedback == .implicit)
        #expect(implicit.scale == RatingScale(min: 0, max: 1))
    }

    @Test func aThresholdKeepsRatingsAtOrAboveItAndTheIndexSpace() {
        let liked = data.implicit(threshold: 4)
        #expect(liked.users == [0, 1])
        #expect(liked.items == [0, 1])
        #expect(liked.timestamps == [10, 30])
        #expect(liked.ratings == [1, 1])
        #expect(liked.userCount == 3 && liked.userIDs == ["a", "b", "c"], "user c keeps its index with no interactions")
    }
}
