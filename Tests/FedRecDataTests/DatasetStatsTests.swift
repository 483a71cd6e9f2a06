import Foundation
import Testing

@testable import FedRecData

@Suite("Dataset statistics")
struct DatasetStatsTests {
    @Test func countsDensityMomentsHistogramAndQuantiles() {
        // User counts 1, 2, 3, 4 (and a user with none); item counts 5, 3, 2.
        let data = RatingsDataset(
            userCount: 5, itemCount: 3,
            users: [0, 1, 1, 2, 2, 2, 3, 3, 3, 3], items: [0, 0, 1, 0, 1, 2, 0, 1, 2, 0],
            ratings: [1, 2, 3, 4, 5, 5, 4, 3, 2, 1])
        let stats = DatasetStats(data)
        #expect(stats.users == 5 && stats.items == 3 && stats.ratings == 10)
        #expect(abs(stats.density - 10.0 / 15.0) < 1e-12)
        #expect(stats.ratingMean == 3)
        #expect(abs(stats.ratingStd - 2.0.squareRoot()) < 1e-9)
        #expect(stats.ratingHistogram.map(\.count) == [2, 2, 2, 2, 2])
        // Sorted user counts [0, 1, 2, 3, 4]: index round(q·4).
        #expect(stats.perUser == DatasetStats.CountSummary([0, 1, 2, 3, 4]))
        #expect(stats.perUser.min == 0 && stats.perUser.p25 == 1 && stats.perUser.median == 2)
        #expect(stats.perUser.p75 == 3 && stats.perUser.p90 == 4 && stats.perUser.max == 4)
        #expect(stats.perUser.mean == 2)
        #expect(stats.perItem.min == 2 && stats.perItem.median == 3 && stats.perItem.max == 5)
    }

    @Test func manyDistinctRatingsAreBinnedIntoTenBars() {
        let ratings = (0..<100).map { Float($0) / 10 }
        let data = RatingsDataset(
            userCount: 1, itemCount: 100, users: [Int32](repeating: 0, count: 100), items: (0..<100).map { Int32($0) },
            ratings: ratings)
        let stats = DatasetStats(data)
        #expect(stats.ratingHistogram.count == 10)
        #expect(stats.ratingHistogram.map(\.count).reduce(0, +) == 100)
        #expect(stats.ratingHistogram.first?.lower == 0 && stats.ratingHistogram.last?.upper == 9.9)
    }

    @Test func encodesToJSONWithSnakeCaseKeysAndDecodesBack() throws {
        let stats = DatasetStats(RatingsDataset(userCount: 1, itemCount: 2, users: [0, 0], items: [0, 1], ratings: [4, 5]))
        let json = try JSONEncoder().encode(stats)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == [
            "users", "items", "ratings", "density", "feedback", "rating_mean", "rating_std", "rating_histogram",
            "per_user", "per_item",
        ])
        #expect(try JSONDecoder().decode(DatasetStats.self, from: json) == stats)
    }

    @Test func describesItselfInAFewLines() {
        let stats = DatasetStats(RatingsDataset(userCount: 2, itemCount: 2, users: [0, 1], items: [0, 1], ratings: [4, 4.5]))
        let lines = stats.description.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "2 users, 2 items, 2 ratings (explicit), density 50.000%")
        #expect(lines[1] == "rating mean 4.250, std 0.250; histogram 4: 1, 4.5: 1")
    }
}
