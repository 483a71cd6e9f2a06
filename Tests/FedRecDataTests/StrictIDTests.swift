import FedRecMath
import Foundation
import Testing

@testable import FedRecData

/// Issue #16, defect 3: MovieLens ids are non-negative integers; duplicates are reported with the
/// line kept; a split that holds nothing out is refused.
@Suite("Strict ids, duplicate reports and empty splits")
struct StrictIDTests {
    static let badIDs: [(String, String)] = [
        ("abc", "not a non-negative integer"),
        ("24.5", "not a non-negative integer"),
        ("-3", "not a non-negative integer"),
        ("1180591620717411303424", "22 digits"),  // 2^70
        ("1\u{0}2", "not a non-negative integer"),
    ]

    @Test("every MovieLens format refuses a garbage user id with FILE:LINE and the fix", arguments: 0..<5)
    func movieLensRefusesGarbageIDs(index: Int) throws {
        let (id, why) = Self.badIDs[index]
        let dir = try TemporaryDirectory()
        let files = [
            try dir.write("a/u.data", "196\t242\t3\t881250949\n\(id)\t302\t3\t891717742\n"),
            try dir.write("b/ratings.dat", "1::1193::5::978300760\n\(id)::661::3::978302109\n"),
            try dir.write("c/ratings.csv", "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n\(id),1029,3.0,1260759179\n"),
        ]
        for (k, file) in files.enumerated() {
            let error = try #require(loadError(file))
            #expect(error.code == .invalidID)
            #expect(error.line == (k == 2 ? 3 : 2))
            #expect(error.field == "user")
            #expect(error.message.contains(why), "\(error)")
            #expect(error.message.contains("generic delimited file"), "the message says how to keep text ids")
            #expect(error.description.hasPrefix("\(file):\(k == 2 ? 3 : 2): "))
            #expect(!error.description.contains("\u{0}"), "a NUL is shown escaped")
        }
    }

    @Test("a 10 MB run of digits as an item id is refused, and the message stays short")
    func hugeDigitRunRefused() throws {
        let dir = try TemporaryDirectory()
        let digits = String(repeating: "7", count: 10_000_000)
        let file = try dir.write("u.data", "1\t\(digits)\t3\t881250949\n")
        let error = try #require(loadError(file))
        #expect(error.code == .invalidID && error.field == "item" && error.line == 1)
        #expect(error.message.contains("10000000 digits"))
        #expect(error.description.count < 600)
    }

    @Test("integer ids keep their value: leading zeros name the same user, quotes are allowed")
    func integerIDsAreCanonical() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("u.data", "007\t1\t3\t10\n7\t2\t4\t11\n\"7\"\t3\t5\t12\n")
        let loaded = try DataSource.load(file)
        #expect(loaded.dataset.userCount == 1)
        #expect(loaded.dataset.userIDs == ["7"])
    }

    @Test("the generic delimited format keeps text ids by default and refuses them when asked for integers")
    func genericFormatChoosesIDKind() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("r.txt", "alice;book-1;4\n")
        let text = try DelimitedFormat(separator: ";", columns: "user,item,rating")
        #expect(try DataSource.load(file, options: LoadOptions(format: .delimited(text))).dataset.userIDs == ["alice"])
        let integer = try DelimitedFormat(separator: ";", columns: "user,item,rating", ids: .integer)
        #expect(loadError(file, options: LoadOptions(format: .delimited(integer)))?.code == .invalidID)
        // Text ids still may not hold control characters or run past the length limit.
        let nul = try dir.write("n.txt", "al\u{0}ice;book-1;4\n")
        #expect(loadError(nul, options: LoadOptions(format: .delimited(text)))?.code == .invalidID)
        let long = try dir.write("l.txt", String(repeating: "x", count: DelimitedFormat.maxIDLength + 1) + ";b;4\n")
        #expect(loadError(long, options: LoadOptions(format: .delimited(text)))?.code == .invalidID)
    }

    @Test("skip-bad-lines counts a bad id as a skipped line")
    func badIDsAreSkippable() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("u.data", "1\t10\t3\t1\nabc\t11\t3\t2\n2\t11\t4\t3\n")
        let loaded = try DataSource.load(file, options: LoadOptions(skipBadLines: true))
        #expect(loaded.report.skippedLines == 1 && loaded.report.ratings == 2)
        #expect(loaded.report.skippedExamples.first?.code == .invalidID)
    }

    @Test("duplicate (user, item) lines are counted and the report says which line was kept")
    func duplicatesNameTheKeptLine() throws {
        let loaded = try DataSource.load(try fixture("generic/duplicates.csv"))
        #expect(loaded.report.duplicates == 3)
        let examples = loaded.report.duplicateExamples
        #expect(examples.count == 3)
        // u1,i1: line 3 (t=30) beats line 1 (t=10).
        #expect(examples.contains(LoadReport.Duplicate(user: "u1", item: "i1", keptLine: 3, droppedLine: 1)))
        let summary = try #require(loaded.report.duplicateSummary)
        #expect(summary.contains("3 duplicate (user, item) lines dropped"))
        #expect(summary.contains("kept line"))
        #expect(loaded.report.description.contains("latest rating of each pair kept"))
        let clean = try DataSource.load(try fixture("ml-100k"))
        #expect(clean.report.duplicateSummary == nil && clean.report.duplicateExamples.isEmpty)
    }

    @Test("a kept line that is superseded again reports the final kept line")
    func thirdDuplicateUpdatesKeptLine() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("u.data", "1\t5\t3\t10\n1\t5\t4\t20\n1\t5\t5\t30\n")
        let loaded = try DataSource.load(file)
        #expect(loaded.report.duplicates == 2)
        #expect(loaded.report.duplicateExamples.map(\.keptLine) == [3, 3])
        #expect(Set(loaded.report.duplicateExamples.map(\.droppedLine)) == [1, 2])
    }

    @Test("a split that holds nothing out is refused instead of yielding NaN metrics")
    func emptyHoldoutRefused() throws {
        // Every user has one rating: nothing can be held out.
        let data = RatingsDataset(userCount: 3, itemCount: 2, users: [0, 1, 2], items: [0, 1, 0], ratings: [3, 4, 5])
        var rng = SeededGenerator(seed: 1, stream: [0])
        let split = DataSplit.perUserHoldout(data, testFraction: 0.1, using: &rng)
        #expect(split.test.count == 0)
        let error = #expect(throws: DataError.self) { try split.checkHoldsOut() }
        #expect(error?.code == .emptySplit)
        #expect(error?.message.contains("holds out nothing") == true)
        #expect(throws: DataError.self) { try DataSplit.leaveLastOut(data).checkHoldsOut() }
        let ok = try DataSource.load(try fixture("ml-100k")).dataset
        try DataSplit.leaveLastOut(ok).checkHoldsOut()
    }
}
