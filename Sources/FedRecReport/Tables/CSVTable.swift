import Foundation

/// A table with a fixed, named column order that writes and reads CSV (RFC 4180).
///
/// Writing: a header line, then one line per row, fields separated by `,` and lines ended by `\n`
/// (the reader also accepts `\r\n`). A field is quoted with `"` when it contains `,`, `"`, `\r` or `\n`,
/// or starts or ends with a space; a `"` inside is doubled. Numbers are written in Swift's shortest
/// form that reads back to the same value (`0.1`, `1e-05`, `inf`, `nan`), independent of the locale;
/// the reader and ``double(row:column:)`` turn them back into the identical `Double`.
///
/// Reading (``init(parsing:)``) is strict so a damaged file is noticed: every row must have as many
/// fields as the header, quotes must be closed, column names must be unique. A sweep that resumes
/// from its own `results.csv` should write it with ``render()`` and an atomic file write.
///
///     var table = CSVTable(columns: ["epsilon", "seed", "rmse", "note"])
///     table.append(["epsilon": .number(.infinity), "seed": .integer(1), "rmse": .number(0.93), "note": "no DP, \"baseline\""])
///     let text = table.render()
///     let back = try CSVTable(parsing: text)
///     back.double(row: 0, column: "epsilon")  // inf
public struct CSVTable: Sendable, Hashable {
    /// One value to write; its text form is fixed when it is appended.
    public enum Cell: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
        /// Text written as is (quoted when needed).
        case text(String)
        /// A number written with enough digits to read back exactly; NaN and ±∞ as `nan`, `inf`, `-inf`.
        case number(Double)
        /// A single-precision number, written with enough digits to read back as the same `Float`.
        case float(Float)
        /// An integer.
        case integer(Int)
        /// An empty field (a missing value).
        case empty

        /// Creates a text cell from a string literal.
        public init(stringLiteral value: String) { self = .text(value) }
        /// Creates an integer cell from an integer literal.
        public init(integerLiteral value: Int) { self = .integer(value) }
        /// Creates a number cell from a floating-point literal.
        public init(floatLiteral value: Double) { self = .number(value) }

        /// The field's text before quoting.
        public var text: String {
            switch self {
            case .text(let value): value
            case .number(let value): value.description
            case .float(let value): value.description
            case .integer(let value): String(value)
            case .empty: ""
            }
        }
    }

    /// The column names, in order.
    public let columns: [String]
    /// The rows, each with one field per column, as text.
    public private(set) var rows: [[String]] = []

    /// Creates an empty table with the given columns.
    /// - Precondition: at least one column, and no two with the same name.
    public init(columns: [String]) {
        precondition(!columns.isEmpty, "a CSV table needs at least one column")
        precondition(Set(columns).count == columns.count, "CSV column names must be unique: \(columns)")
        self.columns = columns
    }

    /// Appends a row given as one cell per column, in column order.
    /// - Precondition: `cells.count == columns.count`.
    public mutating func append(_ cells: [Cell]) {
        precondition(cells.count == columns.count, "row has \(cells.count) cells but the table has \(columns.count) columns")
        rows.append(cells.map(\.text))
    }

    /// Appends a row given by column name; columns not named are left empty.
    /// - Precondition: every key is one of ``columns``.
    public mutating func append(_ cells: [String: Cell]) {
        for key in cells.keys { precondition(columnIndex(key) != nil, "unknown CSV column \(key); columns are \(columns)") }
        rows.append(columns.map { cells[$0]?.text ?? "" })
    }

    /// The position of the column called `name`, or `nil` if there is none.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex(of: name)
    }

    /// The text in `row` under `column`, or `nil` if the table has no such column.
    /// - Precondition: `row` is a valid row index.
    public func value(row: Int, column: String) -> String? {
        columnIndex(column).map { rows[row][$0] }
    }

    /// The number in `row` under `column`, or `nil` if the column is missing, the field is empty or it is
    /// not a number. Reads everything ``Cell/number(_:)`` writes, including `inf` and `nan`.
    /// - Precondition: `row` is a valid row index.
    public func double(row: Int, column: String) -> Double? {
        value(row: row, column: column).flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// The integer in `row` under `column`, or `nil` if missing, empty or not an integer.
    /// - Precondition: `row` is a valid row index.
    public func integer(row: Int, column: String) -> Int? {
        value(row: row, column: column).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Renders the header and all rows as CSV text ending in a newline.
    public func render() -> String {
        var out = Self.record(columns)
        for row in rows { out += Self.record(row) }
        return out
    }

    /// Encodes one record (a line of fields, quoted as needed) followed by `\n`; for appending a row
    /// to an existing file without rewriting it.
    public static func record(_ fields: [String]) -> String {
        // A lone empty field would be a blank line, which readers skip: write it as "".
        if fields == [""] { return "\"\"\n" }
        return fields.map(quote).joined(separator: ",") + "\n"
    }

    /// Quotes `field` when RFC 4180 requires it (or when leading/trailing spaces would be lost).
    static func quote(_ field: String) -> String {
        let needsQuotes = field.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.hasPrefix(" ") || field.hasSuffix(" ")
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Parses CSV text whose first record is the header.
    ///
    /// Accepts quoted fields with doubled quotes, commas and line breaks inside, `\n` or `\r\n` line ends,
    /// a missing final line end and a UTF-8 byte-order mark. Blank lines at the end are ignored.
    /// - Parameter file: named in error messages.
    /// - Throws: ``ReportError`` with code ``ReportError/Code/malformedCSV`` for an empty input, an
    ///   unterminated quote, text after a closing quote, a row whose field count differs from the
    ///   header's, or duplicate column names; the error names the 1-based line.
    public init(parsing text: String, file: String? = nil) throws(ReportError) {
        let records = try CSVParser.parse(text, file: file)
        guard let header = records.first else {
            throw ReportError(.malformedCSV, "the file is empty; expected a header line naming the columns", file: file, line: 1)
        }
        guard Set(header.fields).count == header.fields.count else {
            throw ReportError(.malformedCSV, "duplicate column names in header \(header.fields); rename them", file: file, line: header.line)
        }
        columns = header.fields
        for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                throw ReportError(.malformedCSV, "row has \(record.fields.count) fields but the header has \(columns.count); fix or delete the row", file: file, line: record.line)
            }
            rows.append(record.fields)
        }
    }

    /// Reads and parses the CSV file at `path` (see ``init(parsing:file:)``).
    /// - Throws: ``ReportError`` with code ``ReportError/Code/unreadable`` if the file cannot be read as
    ///   UTF-8, or ``ReportError/Code/malformedCSV``.
    public init(contentsOfFile path: String) throws(ReportError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ReportError(.unreadable, "cannot read \(path) as UTF-8 text (\(error.localizedDescription)); check the path and permissions", file: path)
        }
        try self.init(parsing: text, file: path)
    }
}

/// The RFC 4180 record splitter behind ``CSVTable/init(parsing:file:)``, working on UTF-8 bytes
/// (the delimiters are ASCII, so multi-byte characters pass through untouched).
enum CSVParser {
    struct Record {
        var fields: [String]
        var line: Int
    }

    static func parse(_ text: String, file: String?) throws(ReportError) -> [Record] {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var index = 0
        var atFieldStart = true
        var recordStarted = false  // false while the current line is still blank
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() {
            endField()
            if recordStarted { records.append(Record(fields: fields, line: recordLine)) }
            fields.removeAll()
            recordStarted = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r") { recordStarted = true }
            if atFieldStart && byte == UInt8(ascii: "\"") {
                // Quoted field: up to the closing quote; "" is a literal quote.
                let openedOn = line
                index += 1
                var closed = false
                while index < bytes.count {
                    let b = bytes[index]
                    if b == UInt8(ascii: "\"") {
                        if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                            field.append(b)
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                    index += 1
                }
                guard closed else {
                    throw ReportError(.malformedCSV, "a quoted field is never closed; add the missing '\"'", file: file, line: openedOn)
                }
                atFieldStart = false
                if index < bytes.count {
                    let next = bytes[index]
                    let isCRLF = next == UInt8(ascii: "\r") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n")
                    guard next == UInt8(ascii: ",") || next == UInt8(ascii: "\n") || isCRLF else {
                        throw ReportError(.malformedCSV, "text after a closing quote; quote the whole field and double inner quotes", file: file, line: line)
                    }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                endField()
                atFieldStart = true
                index += 1
            case UInt8(ascii: "\r") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"):
                index += 1
            case UInt8(ascii: "\r"):
                recordStarted = true
                field.append(byte)
                atFieldStart = false
                index += 1
            case UInt8(ascii: "\n"):
                endRecord()
                line += 1
                recordLine = line
                atFieldStart = true
                index += 1
            case UInt8(ascii: "\""):
                throw ReportError(.malformedCSV, "a quote inside an unquoted field; quote the field and double the inner quote", file: file, line: line)
            default:
                field.append(byte)
                atFieldStart = false
                index += 1
            }
        }
        if recordStarted { endRecord() }
        return records
    }
}
