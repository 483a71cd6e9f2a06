import Foundation
import Testing

@testable import FedRecData

@Suite("Loading MovieLens and delimited files")
struct DataSourceTests {
    @Test func loadsMovieLens100KDirectoryWithDenseIndicesInFirstSeenOrder() throws {
        let loaded = try DataSource.load(try fixture("ml-100k"))
        let data = loaded.dataset
        #expect(loaded.report.format == .movieLens100K)
        #expect(loaded.report.file.hasSuffix("ml-100k/u.data"))
        #expect(data.count == 5)
        #expect(data.userIDs == ["196", "186", "22", "244"])
        #expect(data.itemIDs == ["242", "302", "377", "51"])
        #expect(data.users == [0, 1, 2, 3, 0])
        #expect(data.items == [0, 1, 2, 3, 3])
        #expect(data.ratings == [3, 3, 1, 2, 5])
        #expect(data.timestamps == [881250949, 891717742, 878887116, 880606923, 881250950])
        #expect(data.scale == .stars)
        #expect(data.feedback == .explicit)
        #expect(loaded.report.lines == 5 && loaded.report.ratings == 5)
        #expect(loaded.report.skippedLines == 0 && loaded.report.duplicates == 0)
    }

    @Test func loadsMovieLens1MRatingsDatWithDoubleColonSeparator() throws {
        let loaded = try DataSource.load(try fixture("ml-1m/ratings.dat"))
        #expect(loaded.report.format == .movieLensDat)
        let tuples = loaded.dataset.rawTuples
        #expect(tuples.count == 5)
        #expect(tuples[0] == ("1", "1193", 5, 978300760))
        #expect(tuples[4] == ("3", "661", 1, 978297000))
        #expect(loaded.dataset.userCount == 3 && loaded.dataset.itemCount == 3)
        #expect(loaded.dataset.scale == .stars, "whole-star .dat data get the 1…5 scale")
    }

    @Test func ratingsDatWithHalfStarsKeepsTheHalfStarScale() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("ratings.dat", "1::122::0.5::838985046\n1::185::4.5::838983525\n")
        let loaded = try DataSource.load(file)
        #expect(loaded.dataset.ratings == [0.5, 4.5])
        #expect(loaded.dataset.scale == RatingScale(min: 0.5, max: 5))
    }

    @Test func loadsMovieLensCSVWithBOMHeaderCRLFHalfStarsAndTrailingBlankLine() throws {
        let loaded = try DataSource.load(try fixture("ml-latest-small"))
        #expect(loaded.report.format == .movieLensCSV)
        #expect(loaded.dataset.ratings == [2.5, 3.0, 0.5, 5.0])
        #expect(loaded.dataset.userIDs == ["1", "7"])
        #expect(loaded.dataset.itemIDs == ["31", "1029"])
        #expect(loaded.dataset.timestamps == [1260759144, 1260759179, 1260759200, 1260759300])
        #expect(loaded.dataset.scale == RatingScale(min: 0.5, max: 5))
        #expect(loaded.report.lines == 4)
        #expect(loaded.report.blankLines == 1)
    }

    @Test func findsTheRatingsFileInsideASingleSubdirectory() throws {
        let loaded = try DataSource.load(try fixture("nested"))
        #expect(loaded.report.file.hasSuffix("nested/ml-1m-unpacked/ratings.dat"))
        #expect(loaded.dataset.count == 2)
    }

    @Test func loadsGenericSemicolonFileWithTextIdsAndNoTimestamp() throws {
        let format = try DelimitedFormat(separator: ";", columns: "user,item,rating")
        let loaded = try DataSource.load(try fixture("generic/semicolon.txt"), options: LoadOptions(format: .delimited(format)))
        #expect(loaded.dataset.userIDs == ["alice", "bob"])
        #expect(loaded.dataset.itemIDs == ["book-1", "book-2"])
        #expect(loaded.dataset.ratings == [4, 2, 5])
        #expect(loaded.dataset.timestamps == [0, 0, 0])
        #expect(loaded.dataset.feedback == .explicit)
    }

    @Test func genericFormatWithoutRatingColumnIsImplicitWithRatingOne() throws {
        let format = try DelimitedFormat(separator: "|", columns: "user,item,timestamp", hasHeader: true)
        let loaded = try DataSource.load(
            try fixture("generic/implicit_header.psv"), options: LoadOptions(format: .delimited(format)))
        #expect(loaded.dataset.feedback == .implicit)
        #expect(loaded.dataset.ratings == [1, 1, 1])
        #expect(loaded.dataset.timestamps == [1000, 1001, 1002])
        #expect(loaded.report.lines == 3)
    }

    @Test func genericFormatHonoursColumnOrderIgnoredColumnsAndDeclaredScale() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("scores.txt", "x 8 u1 i9\ny 10 u2 i9\n")
        let format = try DelimitedFormat(
            separator: " ", columns: "_,rating,user,item", scale: RatingScale(min: 1, max: 10))
        let loaded = try DataSource.load(file, options: LoadOptions(format: .delimited(format)))
        #expect(loaded.dataset.rawTuples.map { "\($0.0) \($0.1) \($0.2)" } == ["u1 i9 8.0", "u2 i9 10.0"])
        #expect(loaded.dataset.scale == RatingScale(min: 1, max: 10))
    }

    @Test func theLatestRatingOfARepeatedPairWinsByTimestampThenFileOrder() throws {
        let loaded = try DataSource.load(try fixture("generic/duplicates.csv"))
        #expect(loaded.report.duplicates == 3)
        #expect(loaded.report.lines == 6)
        #expect(loaded.report.ratings == 3)
        // u1,i1: 5 at t=30 beats 3 at t=10; u2,i1: 2 at t=50 beats the later line at t=40;
        // u1,i2: equal timestamps, so the later line (rating 2) wins. File order is kept.
        let tuples = loaded.dataset.rawTuples.map { "\($0.0) \($0.1) \($0.2) \($0.3)" }
        #expect(tuples == ["u1 i1 5.0 30", "u2 i1 2.0 50", "u1 i2 2.0 20"])
    }

    @Test func skippingBadLinesCountsThemAndKeepsTheGoodOnes() throws {
        let loaded = try DataSource.load(
            try fixture("generic/malformed.tsv"), options: LoadOptions(skipBadLines: true, maxReportedErrors: 3))
        #expect(loaded.report.lines == 7)
        #expect(loaded.report.skippedLines == 5)
        #expect(loaded.report.ratings == 2)
        #expect(loaded.report.skippedExamples.map(\.line) == [2, 3, 4])
        #expect(loaded.dataset.userIDs == ["1", "4"], "a skipped line registers no ids")
        #expect(loaded.dataset.itemIDs == ["10", "12"])
    }

    @Test func linesMayEndWithCRLFAndFieldsMayBePaddedOrQuoted() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("r.csv", "\"a b\", 1 ,4, 7\r\n\"c\",2,3,8\r\n")
        let loaded = try DataSource.load(file)
        #expect(loaded.dataset.userIDs == ["a b", "c"])
        #expect(loaded.dataset.itemIDs == ["1", "2"])
        #expect(loaded.dataset.ratings == [4, 3])
        #expect(loaded.dataset.timestamps == [7, 8])
    }

    @Test func integerAndTextIdsThatLookAlikeStayDistinct() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("r.csv", "12,5000000,4\n012,5000000,3\n12,7,2\n")
        let data = try DataSource.load(file).dataset
        #expect(data.userIDs == ["12", "012"])
        #expect(data.itemIDs == ["5000000", "7"])
        #expect(data.users == [0, 1, 0])
    }

    @Test func aFileWithoutFinalNewlineLoadsItsLastLine() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("u.data", "1\t2\t3\t4\n5\t6\t4\t8")
        #expect(try DataSource.load(file).dataset.count == 2)
    }
}

@Suite("Detecting the format")
struct FormatDetectionTests {
    @Test(arguments: [
        ("u.data", DataFormat.movieLens100K), ("ratings.dat", .movieLensDat), ("ratings.csv", .movieLensCSV),
        ("/some/dir/RATINGS.CSV", .movieLensCSV),
    ])
    func knownFileNamesDetermineTheFormat(name: String, format: DataFormat) {
        #expect(DataSource.format(ofFileNamed: name) == format)
    }

    @Test func otherFileNamesHaveNoFormatByName() {
        #expect(DataSource.format(ofFileNamed: "ratings.txt") == nil)
    }

    @Test(arguments: [
        ("1::2::3::4\n", "movielens-dat"),
        ("1\t2\t3\t4\n", "movielens-100k"),
        ("\u{FEFF}userId,movieId,rating,timestamp\r\n1,2,3,4\r\n", "movielens-csv"),
        ("\n\n1,2,3.5\n", "delimited(separator \",\", columns user,item,rating)"),
        ("a;b\n", "delimited(separator \";\", columns user,item)"),
        ("user|item|rating\n1|2|3\n", "delimited(separator \"|\", columns user,item,rating, header)"),
        ("movie_id,user_id,ts\n", "delimited(separator \",\", columns item,user,timestamp, header)"),
        ("1 2 3 4\n", "delimited(separator \" \", columns user,item,rating,timestamp)"),
    ])
    func sniffsTheFirstNonBlankLine(contents: String, expected: String) throws {
        let format = try DataSource.sniff(Array(contents.utf8), file: "x")
        #expect(format.description == expected)
    }

    @Test(arguments: ["hello world this is prose\n", "justoneword\n", "1,2,x,y,z\n"])
    func firstLinesThatRevealNoLayoutAreUnknownFormat(contents: String) {
        #expect(throws: DataError.self) { try DataSource.sniff(Array(contents.utf8), file: "x") }
        do {
            _ = try DataSource.sniff(Array(contents.utf8), file: "notes.txt")
        } catch {
            #expect(error.code == .unknownFormat)
            #expect(error.description.hasPrefix("notes.txt: unknown format: "))
            #expect(error.message.contains("column spec"))
        }
    }
}
