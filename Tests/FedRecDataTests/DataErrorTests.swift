import Foundation
import Testing

@testable import FedRecData

#if canImport(Glibc)
import Glibc
#endif

@Suite("Bad input gives one clear line naming file, line and field")
struct DataErrorTests {
    @Test func descriptionNamesFileLineColumnFieldCodeAndFix() {
        let error = DataError(
            .malformedLine, "\"five\" is not a number", file: "u.data", line: 2, column: 3, field: "rating")
        #expect(error.description == "u.data:2: column 3 (rating): malformed line: \"five\" is not a number")
        #expect(DataError(.emptyFile, "has no rating lines", file: "f").description == "f: empty file: has no rating lines")
        #expect(DataError(.invalidOptions, "bad").description == "invalid options: bad")
    }

    @Test func missingPathIsFileNotFound() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.path + "/nope/ratings.csv"
        let error = try #require(loadError(missing))
        #expect(error.code == .fileNotFound)
        #expect(error.file == missing)
        #expect(error.description.contains("no such file"))
        #expect(!error.description.contains("\n"))
    }

    @Test func aDirectoryWhereTheRatingsFileShouldBeIsUnreadable() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/u.data", withIntermediateDirectories: true)
        let error = try #require(loadError(dir.path))
        #expect(error.code == .unreadable)
        #expect(error.message.contains("is a directory"))
    }

    @Test(.enabled(if: geteuid() != 0, "root reads everything regardless of permissions"))
    func aDirectoryWithoutReadPermissionIsUnreadable() throws {
        let dir = try TemporaryDirectory()
        let locked = dir.path + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
        chmod(locked, 0)
        defer { chmod(locked, 0o755) }
        let error = try #require(loadError(locked))
        #expect(error.code == .unreadable)
        #expect(error.message.contains("permissions"))
    }

    @Test func aDirectoryWithoutAKnownRatingsFileIsUnknownFormat() throws {
        let dir = try TemporaryDirectory()
        try dir.write("README", "nothing here\n")
        let error = try #require(loadError(dir.path))
        #expect(error.code == .unknownFormat)
        #expect(error.message.contains("u.data, ratings.dat, ratings.csv"))
    }

    @Test func aFileWhoseFirstLineRevealsNoLayoutIsUnknownFormat() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("notes.txt", "Dear diary, today I rated films.\n")
        let error = try #require(loadError(file))
        #expect(error.code == .unknownFormat)
        #expect(error.file == file)
    }

    @Test(arguments: ["", "\u{FEFF}", "\n\r\n  \n"])
    func filesWithoutDataLinesAreEmpty(contents: String) throws {
        let dir = try TemporaryDirectory()
        for name in ["u.data", "other.txt"] {
            let file = try dir.write(name, contents)
            let error = try #require(loadError(file))
            #expect(error.code == .emptyFile)
            #expect(error.file == file)
        }
    }

    @Test func aHeaderWithoutRatingsIsAnEmptyFile() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("ratings.csv", "userId,movieId,rating,timestamp\n")
        let error = try #require(loadError(file))
        #expect(error.code == .emptyFile)
        #expect(error.message.contains("header but no rating lines"))
    }

    @Test func nonNumericRatingIsAMalformedLineNamingLineAndField() throws {
        let error = try #require(loadError(try fixture("generic/malformed.tsv")))
        #expect(error.code == .malformedLine)
        #expect(error.line == 2)
        #expect(error.column == 3)
        #expect(error.field == "rating")
        #expect(error.description.hasSuffix(
            "malformed.tsv:2: column 3 (rating): malformed line: \"five\" is not a number; a rating is a decimal such as 4 or 3.5"))
    }

    @Test func nonNumericTimestampIsAMalformedLine() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("ratings.dat", "1::2::3::978300760\n1::3::4::yesterday\n")
        let error = try #require(loadError(file))
        #expect(error.code == .malformedLine)
        #expect(error.line == 2 && error.column == 4 && error.field == "timestamp")
        #expect(error.message.contains("\"yesterday\" is not an integer"))
    }

    @Test func emptyIdIsAMalformedLine() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("u.data", "1\t2\t3\t4\n5\t\t3\t4\n")
        let error = try #require(loadError(file))
        #expect(error.code == .malformedLine)
        #expect(error.line == 2 && error.field == "item")
    }

    @Test func tooFewOrTooManyFieldsIsWrongColumnCount() throws {
        let dir = try TemporaryDirectory()
        let few = try #require(loadError(try dir.write("u.data", "1\t2\t3\t4\n1\t3\t4\n")))
        #expect(few.code == .wrongColumnCount)
        #expect(few.line == 2)
        #expect(few.message.hasPrefix("found 3 fields separated by \"\\t\" but the format has 4 (user,item,rating,timestamp)"))
        let many = try #require(loadError(try dir.write("ratings.dat", "1::2::3::4::5\n")))
        #expect(many.code == .wrongColumnCount)
        #expect(many.line == 1)
        let wrongSeparator = try #require(loadError(try dir.write("ratings.csv", "userId,movieId,rating,timestamp\n1;2;3;4\n")))
        #expect(wrongSeparator.code == .wrongColumnCount)
        #expect(wrongSeparator.line == 2)
        #expect(wrongSeparator.message.contains("is the separator right?"))
    }

    @Test(arguments: [
        ("u.data", "1\t2\t6\t4\n", "\"6\" is outside the scale 1…5"),
        ("u.data", "1\t2\t0.5\t4\n", "\"0.5\" is outside the scale 1…5"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n1,2,0.0,4\n", "\"0.0\" is outside the scale 0.5…5"),
        ("ratings.csv", "userId,movieId,rating,timestamp\n1,2,5.5,4\n", "\"5.5\" is outside the scale 0.5…5"),
        ("ratings.dat", "1::2::-1::4\n", "\"-1\" is outside the scale 0.5…5"),
    ])
    func ratingsOutsideTheScaleAreErrors(name: String, contents: String, expected: String) throws {
        let dir = try TemporaryDirectory()
        let error = try #require(loadError(try dir.write(name, contents)))
        #expect(error.code == .ratingOutOfScale)
        #expect(error.field == "rating")
        #expect(error.message.contains(expected))
    }

    @Test func genericScaleIsConfigurable() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("r.csv", "1,2,7\n")
        let strict = try DelimitedFormat(separator: ",", columns: "user,item,rating", scale: .stars)
        #expect(loadError(file, options: LoadOptions(format: .delimited(strict)))?.code == .ratingOutOfScale)
        let wide = try DelimitedFormat(separator: ",", columns: "user,item,rating", scale: RatingScale(min: 0, max: 10))
        #expect(try DataSource.load(file, options: LoadOptions(format: .delimited(wide))).dataset.ratings == [7])
    }

    @Test func movieLensCSVWithoutHeaderIsABadHeader() throws {
        let dir = try TemporaryDirectory()
        let error = try #require(loadError(try dir.write("ratings.csv", "1,2,3.5,4\n")))
        #expect(error.code == .badHeader)
        #expect(error.line == 1)
        #expect(error.message.contains("the first line is data"))
        let other = try #require(loadError(try dir.write("ratings.csv", "user,item,stars,when\n1,2,3,4\n")))
        #expect(other.code == .badHeader)
        #expect(other.message.contains("should be userId,movieId,rating,timestamp"))
    }

    @Test func whenEveryLineIsSkippedNothingValidRemains() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("u.data", "a\tb\tc\td\n1\t2\n")
        let error = try #require(loadError(file, options: LoadOptions(skipBadLines: true)))
        #expect(error.code == .noValidLines)
        #expect(error.message.contains("all 2 rating lines are malformed"))
    }

    @Test(arguments: [(",", "item,rating"), (",", "user,item,stars"), (",", "user,item,user"), ("", "user,item")])
    func invalidColumnSpecsAndSeparatorsAreInvalidOptions(separator: String, spec: String) {
        do {
            let format = try DelimitedFormat(separator: separator, columns: spec)
            Issue.record("expected invalid options, got \(format)")
        } catch {
            #expect(error.code == .invalidOptions)
        }
    }
}

@Suite("Command-line helpers for formats")
struct FormatOptionTests {
    @Test(arguments: [("1..5", 1, 5), ("0.5…5", 0.5, 5), ("1-10", 1, 10), ("-10:10", -10, 10), (" 1 .. 5 ", 1, 5)])
    func scalesParseFromText(text: String, low: Float, high: Float) throws {
        #expect(try RatingScale.parse(text) == RatingScale(min: low, max: high))
    }

    @Test(arguments: ["5..1", "one..five", "5", "", "1..nan"])
    func badScalesAreInvalidOptions(text: String) {
        do {
            let scale = try RatingScale.parse(text)
            Issue.record("parsed \(scale)")
        } catch {
            #expect(error.code == .invalidOptions)
        }
    }

    @Test(arguments: [("tab", "\t"), ("\\t", "\t"), ("comma", ","), ("space", " "), ("::", "::"), ("#", "#")])
    func separatorWordsMapToSeparators(word: String, separator: String) {
        #expect(DelimitedFormat.separator(named: word) == separator)
    }
}

@Suite("Files that are not text")
struct BinaryInputTests {
    @Test(arguments: [
        ([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00], "zip archive"), ([0x1F, 0x8B, 0x08, 0x00], "gzip"),
        ([0xFF, 0xFE, 0x31, 0x00], "UTF-16"),
    ] as [([UInt8], String)])
    func archivesAndUTF16AreRecognisedWithAFix(bytes: [UInt8], expected: String) throws {
        let dir = try TemporaryDirectory()
        let file = dir.path + "/u.data"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let error = try #require(loadError(file))
        #expect(error.code == .unknownFormat)
        #expect(error.message.contains(expected))
    }
}
