import Foundation
import Testing
@testable import FedRecReport

@Suite("CSVTable")
struct CSVTableTests {
    @Test func fieldsWithQuotesCommasAndNewlinesRoundTrip() throws {
        var table = CSVTable(columns: ["name", "note", "value"])
        let awkward = ["plain", "with, comma", "with \"quotes\"", "line\nbreak", "crlf\r\nbreak", " padded ", "", "ε ± σ", "\"", "lone\rcr"]
        for (index, text) in awkward.enumerated() { table.append([.text("row\(index)"), .text(text), .integer(index)]) }
        let csv = table.render()
        #expect(csv.hasPrefix("name,note,value\nrow0,plain,0\nrow1,\"with, comma\",1\nrow2,\"with \"\"quotes\"\"\",2\n"))
        let back = try CSVTable(parsing: csv)
        #expect(back == table)
        #expect(back.value(row: 3, column: "note") == "line\nbreak")
        #expect(back.integer(row: 9, column: "value") == 9)
    }

    @Test func numbersRoundTripExactlyIncludingInfinityAndNaN() throws {
        let values: [Double] = [0.1, 1.0 / 3.0, -2.5e-300, 1e-5, 123456789.123456789, .pi, .infinity, -.infinity, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        var table = CSVTable(columns: ["x", "f"])
        for value in values { table.append([.number(value), .float(Float(value))]) }
        table.append([.number(.nan), .empty])
        let back = try CSVTable(parsing: table.render())
        for (row, value) in values.enumerated() {
            #expect(back.double(row: row, column: "x")?.bitPattern == value.bitPattern, "row \(row)")
            #expect(back.double(row: row, column: "f").map(Float.init) == Float(value), "row \(row)")
        }
        #expect(back.double(row: values.count, column: "x")?.isNaN == true)
        #expect(back.double(row: values.count, column: "f") == nil)
        #expect(back.value(row: 6, column: "x") == "inf")
    }

    @Test func rowsByNameFollowTheColumnOrderAndLeaveGapsEmpty() {
        var table = CSVTable(columns: ["a", "b", "c"])
        table.append(["c": 3, "a": "x"])
        #expect(table.render() == "a,b,c\nx,,3\n")
    }

    @Test func singleEmptyFieldSurvivesAsQuotedEmptyString() throws {
        var table = CSVTable(columns: ["only"])
        table.append([.empty])
        table.append(["v"])
        let csv = table.render()
        #expect(csv == "only\n\"\"\nv\n")
        #expect(try CSVTable(parsing: csv) == table)
    }

    @Test func readerAcceptsCRLFBOMMissingFinalNewlineAndTrailingBlankLines() throws {
        let table = try CSVTable(parsing: "\u{FEFF}a,b\r\n1,\"x\r\ny\"\r\n2,z\n\n")
        #expect(table.columns == ["a", "b"])
        #expect(table.rows == [["1", "x\r\ny"], ["2", "z"]])
        let noFinal = try CSVTable(parsing: "a,b\n1,2")
        #expect(noFinal.rows == [["1", "2"]])
    }

    @Test func missingColumnsAndUnparsableNumbersReadAsNil() throws {
        let table = try CSVTable(parsing: "a,b\nhello,\n")
        #expect(table.value(row: 0, column: "zzz") == nil)
        #expect(table.double(row: 0, column: "a") == nil)
        #expect(table.double(row: 0, column: "b") == nil)
        #expect(table.columnIndex("b") == 1)
    }

    @Test(arguments: [
        ("a,b\n1,2,3\n", 2, "row has 3 fields"),
        ("a,b\n1,2\n3\n", 3, "row has 1 fields"),
        ("a,b\n1,\"open\n2,3\n", 2, "never closed"),
        ("a,b\n1,\"x\"y\n", 2, "after a closing quote"),
        ("a,b\n1,x\"y\n", 2, "quote inside an unquoted field"),
        ("a,a\n1,2\n", 1, "duplicate column"),
        ("", 1, "empty"),
        ("a,b\n\"multi\nline\",1\nbad\n", 4, "row has 1 fields"),
    ])
    func malformedInputIsRejectedWithTheLine(text: String, line: Int, fragment: String) {
        #expect {
            _ = try CSVTable(parsing: text, file: "results.csv")
        } throws: { error in
            guard let error = error as? ReportError else { return false }
            return error.code == .malformedCSV && error.line == line && error.file == "results.csv"
                && error.message.contains(fragment) && error.description.hasPrefix("results.csv:\(line): malformed CSV: ")
        }
    }

    @Test func fileReadingReportsMissingFiles() throws {
        #expect(throws: ReportError.self) { _ = try CSVTable(contentsOfFile: "/nonexistent/results.csv") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-csv-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var table = CSVTable(columns: ["epsilon", "rmse"])
        table.append([.number(.infinity), 0.93])
        try table.render().write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try CSVTable(contentsOfFile: path) == table)
    }

    @Test func recordEncodesOneLineForAppending() {
        #expect(CSVTable.record(["a", "b,c", "d\"e"]) == "a,\"b,c\",\"d\"\"e\"\n")
    }
}
