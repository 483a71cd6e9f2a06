#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming parser of delimited ratings over the raw bytes of a file.
///
/// One pass over the bytes: lines are found with `memchr`, fields by scanning for the separator,
/// numbers are parsed by hand, and raw ids go through ``IDIndexer`` without building a `String`
/// unless the id is new or not a plain integer. Nothing is allocated per line. Accepts a UTF-8
/// byte-order mark, LF and CRLF line endings, blank lines (counted, ignored), spaces around fields
/// and double quotes around ids.
struct RatingsParser {
    /// The layout to read.
    let layout: DelimitedFormat
    /// The format to report.
    let format: DataFormat
    /// The path, for messages.
    let file: String
    /// Whether malformed lines are skipped rather than thrown.
    let skipBadLines: Bool
    /// The most skipped-line errors kept in the report.
    let maxReportedErrors: Int
    /// Lower-cased column names the header must have, or `nil` to accept any header.
    let expectedHeader: [String]?

    /// Parses `bytes` into a data set, deduplicating repeated (user, item) pairs.
    func parse(_ bytes: [UInt8]) throws(DataError) -> LoadedData {
        let result: Result<LoadedData, DataError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(DataError) {
                return .success(try parse(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func parse(_ p: UnsafeBufferPointer<UInt8>) throws(DataError) -> LoadedData {
        let n = p.count
        var pos = 0
        if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { pos = 3 }

        // Count line feeds to reserve the output once.
        var estimate = 1
        if let base = p.baseAddress {
            var at = pos
            while at < n, let hit = memchr(base + at, 10, n - at) {
                estimate += 1
                at = UnsafeRawPointer(hit) - UnsafeRawPointer(base) + 1
            }
        }
        var users: [Int32] = []
        var items: [Int32] = []
        var ratings: [Float] = []
        var timestamps: [Int64] = []
        users.reserveCapacity(estimate)
        items.reserveCapacity(estimate)
        ratings.reserveCapacity(estimate)
        timestamps.reserveCapacity(estimate)
        var lines: [Int32] = []
        lines.reserveCapacity(estimate)
        var userIndex = IDIndexer()
        var itemIndex = IDIndexer()
        let integerIDs = layout.ids == .integer

        let sep = Array(layout.separator.utf8)
        let sep0 = sep[0]
        let sepLen = sep.count
        let columns = layout.columns
        let columnCount = columns.count
        let userColumn = columns.firstIndex(of: .user)!
        let itemColumn = columns.firstIndex(of: .item)!
        let ratingColumn = columns.firstIndex(of: .rating) ?? -1
        let timestampColumn = columns.firstIndex(of: .timestamp) ?? -1
        let trimSpaces = !sep.contains(32)
        let trimTabs = !sep.contains(9)
        let minRating = layout.scale.min
        let maxRating = layout.scale.max
        var starts = [Int](repeating: 0, count: columnCount)
        var ends = [Int](repeating: 0, count: columnCount)

        var lineNumber = 0
        var dataLines = 0
        var blankLines = 0
        var skipped = 0
        var examples: [DataError] = []
        var headerPending = layout.hasHeader

        func reject(_ error: DataError) throws(DataError) {
            guard skipBadLines else { throw error }
            skipped += 1
            if examples.count < maxReportedErrors { examples.append(error) }
        }

        while pos < n {
            lineNumber += 1
            let start = pos
            var lineEnd = n
            if let hit = memchr(p.baseAddress! + pos, 10, n - pos) {
                lineEnd = UnsafeRawPointer(hit) - UnsafeRawPointer(p.baseAddress!)
            }
            pos = lineEnd + 1
            var end = lineEnd
            if end > start && p[end - 1] == 13 { end -= 1 }

            var first = start
            while first < end && (p[first] == 32 || p[first] == 9) { first += 1 }
            if first == end {
                blankLines += 1
                continue
            }
            if headerPending {
                headerPending = false
                try checkHeader(p, start, end, line: lineNumber)
                continue
            }
            dataLines += 1

            // Split into fields.
            var fieldCount = 0
            var cursor = start
            while true {
                var hit = -1
                var k = cursor
                if sepLen == 1 {
                    while k < end {
                        if p[k] == sep0 { hit = k; break }
                        k += 1
                    }
                } else {
                    while k + sepLen <= end {
                        if p[k] == sep0 {
                            var m = 1
                            while m < sepLen && p[k + m] == sep[m] { m += 1 }
                            if m == sepLen { hit = k; break }
                        }
                        k += 1
                    }
                }
                let fieldEnd = hit < 0 ? end : hit
                if fieldCount < columnCount {
                    var s = cursor
                    var e = fieldEnd
                    while s < e && ((trimSpaces && p[s] == 32) || (trimTabs && p[s] == 9)) { s += 1 }
                    while e > s && ((trimSpaces && p[e - 1] == 32) || (trimTabs && p[e - 1] == 9)) { e -= 1 }
                    starts[fieldCount] = s
                    ends[fieldCount] = e
                }
                fieldCount += 1
                if hit < 0 { break }
                cursor = hit + sepLen
            }
            if fieldCount != columnCount {
                try reject(columnCountError(p, start, end, fields: fieldCount, line: lineNumber))
                continue
            }

            // Ids: present and, if quoted, unquoted.
            var idsOK = true
            for pass in 0..<2 {
                let column = pass == 0 ? userColumn : itemColumn
                if ends[column] - starts[column] >= 2 && p[starts[column]] == 34 && p[ends[column] - 1] == 34 {
                    starts[column] += 1
                    ends[column] -= 1
                }
                if starts[column] == ends[column] {
                    try reject(DataError(
                        .malformedLine, "the \(columns[column].rawValue) id is empty; every line needs one",
                        file: file, line: lineNumber, column: column + 1, field: columns[column].rawValue))
                    idsOK = false
                    break
                }
                if let problem = idProblem(p, starts[column], ends[column], role: columns[column].rawValue) {
                    try reject(DataError(.invalidID, problem, file: file, line: lineNumber, column: column + 1, field: columns[column].rawValue))
                    idsOK = false
                    break
                }
            }
            guard idsOK else { continue }

            var rating: Float = 1
            if ratingColumn >= 0 {
                let s = starts[ratingColumn]
                let e = ends[ratingColumn]
                guard let value = RatingsParser.decimal(p, s, e) else {
                    try reject(DataError(
                        .malformedLine,
                        "\(RatingsParser.quote(p, s, e)) is not a number; a rating is a decimal such as 4 or 3.5",
                        file: file, line: lineNumber, column: ratingColumn + 1, field: "rating"))
                    continue
                }
                rating = Float(value)
                guard rating >= minRating && rating <= maxRating else {
                    try reject(DataError(
                        .ratingOutOfScale,
                        "rating \(RatingsParser.quote(p, s, e)) is outside the scale \(RatingsParser.format(minRating))…\(RatingsParser.format(maxRating)); fix the value or declare a wider scale",
                        file: file, line: lineNumber, column: ratingColumn + 1, field: "rating"))
                    continue
                }
            }
            var timestamp: Int64 = 0
            if timestampColumn >= 0 {
                let s = starts[timestampColumn]
                let e = ends[timestampColumn]
                guard let value = RatingsParser.integer(p, s, e) else {
                    try reject(DataError(
                        .malformedLine,
                        "\(RatingsParser.quote(p, s, e)) is not an integer; a timestamp is whole seconds such as 881250949",
                        file: file, line: lineNumber, column: timestampColumn + 1, field: "timestamp"))
                    continue
                }
                timestamp = value
            }
            if integerIDs {
                // idProblem() proved both are 1…18 significant digits.
                users.append(userIndex.index(ofInteger: RatingsParser.integerID(p, starts[userColumn], ends[userColumn])!))
                items.append(itemIndex.index(ofInteger: RatingsParser.integerID(p, starts[itemColumn], ends[itemColumn])!))
            } else {
                users.append(userIndex.index(of: p, from: starts[userColumn], to: ends[userColumn]))
                items.append(itemIndex.index(of: p, from: starts[itemColumn], to: ends[itemColumn]))
            }
            ratings.append(rating)
            timestamps.append(timestamp)
            lines.append(Int32(truncatingIfNeeded: lineNumber))
        }

        if dataLines == 0 {
            let what = layout.hasHeader && !headerPending ? "has a header but no rating lines" : "has no rating lines"
            throw DataError(.emptyFile, "\(what); give a file with at least one rating", file: file)
        }
        if users.isEmpty {
            let firstError = examples.first.map { " (first: \($0))" } ?? ""
            throw DataError(
                .noValidLines,
                "all \(dataLines) rating lines are malformed\(firstError); check the format options",
                file: file)
        }
        let duplicates = PairDeduplicator.deduplicate(
            users: &users, items: &items, ratings: &ratings, timestamps: &timestamps, lines: lines,
            userCount: userIndex.count, itemCount: itemIndex.count, maxExamples: maxReportedErrors)
        let feedback = layout.feedback
        let dataset = RatingsDataset(
            userCount: userIndex.count, itemCount: itemIndex.count,
            users: users, items: items, ratings: ratings, timestamps: timestamps,
            userIDs: userIndex.ids, itemIDs: itemIndex.ids,
            scale: feedback == .explicit ? layout.scale : RatingScale(min: 0, max: 1),
            feedback: feedback, source: file)
        let report = LoadReport(
            file: file, format: format, lines: dataLines, skippedLines: skipped, blankLines: blankLines,
            duplicates: duplicates.dropped, ratings: dataset.count, skippedExamples: examples,
            duplicateExamples: duplicates.examples.map {
                LoadReport.Duplicate(user: userIndex.ids[Int($0.user)], item: itemIndex.ids[Int($0.item)],
                                     keptLine: $0.keptLine, droppedLine: $0.droppedLine)
            })
        return LoadedData(dataset: dataset, report: report)
    }

    /// Why the id in `p[s..<e]` is not of the layout's ``DelimitedFormat/IDKind``, or nil when it is.
    private func idProblem(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, role: String) -> String? {
        switch layout.ids {
        case .integer:
            if RatingsParser.integerID(p, s, e) != nil { return nil }
            var digitsOnly = true
            for k in s..<e where p[k] &- 48 > 9 { digitsOnly = false; break }
            let shown = RatingsParser.quoteEscaped(p, s, e)
            let how = "the \(format) format's ids are non-negative whole numbers below 10^18 such as 196; fix the line, or read the file as a generic delimited file (--separator, --columns) to keep text ids"
            if digitsOnly {
                return "the \(role) id has \(e - s) digits (\(shown)), too large for an integer id; \(how)"
            }
            return "the \(role) id \(shown) is not a non-negative integer; \(how)"
        case .text:
            if e - s > DelimitedFormat.maxIDLength {
                return "the \(role) id is \(e - s) bytes long (\(RatingsParser.quoteEscaped(p, s, e))); ids are at most \(DelimitedFormat.maxIDLength) bytes: is the separator right?"
            }
            for k in s..<e where p[k] < 32 || p[k] == 127 {
                return "the \(role) id \(RatingsParser.quoteEscaped(p, s, e)) contains the control character 0x\(String(p[k], radix: 16, uppercase: true)); remove it from the file"
            }
            return nil
        }
    }

    /// A non-negative integer id `digits` (leading zeros ignored, at most 18 significant digits)
    /// from `p[s..<e]`, or nil for anything else (signs, points, exponents, other bytes).
    @inline(__always)
    static func integerID(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int64? {
        guard s < e else { return nil }
        var i = s
        while i < e - 1 && p[i] == 48 { i += 1 }
        guard e - i <= 18 else { return nil }
        return digits(p, i, e)
    }

    /// The value of the decimal digits `p[s..<e]` (at most 18, so it fits in Int64), or nil when
    /// a byte is not a digit.
    @inline(__always)
    static func digits(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int64? {
        var value: Int64 = 0
        var i = s
        while i < e {
            let d = p[i] &- 48
            if d > 9 { return nil }
            value = value * 10 + Int64(d)
            i += 1
        }
        return value
    }

    /// Checks the header line against ``expectedHeader``.
    private func checkHeader(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, line: Int) throws(DataError) {
        guard let expectedHeader else { return }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self)
        let names = text.split(separator: Character(layout.separator), omittingEmptySubsequences: false)
            .map { $0.trimmingSpaces().lowercased() }
        guard names != expectedHeader else { return }
        let wanted = "userId,movieId,rating,timestamp"
        if let firstName = names.first, RatingsParser.decimal(firstName) {
            throw DataError(
                .badHeader,
                "the first line is data, not the header \(wanted); add the header or load the file as a delimited file without header",
                file: file, line: line)
        }
        throw DataError(
            .badHeader, "the header is \"\(RatingsParser.clip(text))\" but should be \(wanted)", file: file, line: line)
    }

    /// The error for a line with `fields` fields.
    private func columnCountError(
        _ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, fields: Int, line: Int
    ) -> DataError {
        let sep = "\"\(layout.separator.replacingTabs())\""
        var message = "found \(fields) field\(fields == 1 ? "" : "s") separated by \(sep) but the format has \(layout.columns.count) (\(layout.columnSpec))"
        if fields == 1 { message += "; is the separator right?" }
        message += "; line: \(RatingsParser.quote(p, start, end))"
        return DataError(.wrongColumnCount, message, file: file, line: line)
    }

    // MARK: Numbers

    private static let powersOfTen: [Double] = (0...22).map { k in
        var v = 1.0
        for _ in 0..<k { v *= 10 }
        return v
    }

    /// Parses a decimal number `[+-]digits[.digits][e[+-]digits]` from `p[s..<e]`, or `nil`.
    ///
    /// Up to 18 significant digits are used; the result is exact when the value times the power
    /// of ten fits in a `Double` mantissa (always the case for ratings).
    @inline(__always)
    static func decimal(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Double? {
        var i = s
        var negative = false
        if i < e && (p[i] == 45 || p[i] == 43) {
            negative = p[i] == 45
            i += 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var digits = 0
        while i < e {
            let d = p[i] &- 48
            if d > 9 { break }
            if significant < 18 {
                mantissa = mantissa * 10 + UInt64(d)
                if mantissa > 0 { significant += 1 }
            } else {
                exponent += 1
            }
            digits += 1
            i += 1
        }
        if i < e && p[i] == 46 {
            i += 1
            while i < e {
                let d = p[i] &- 48
                if d > 9 { break }
                if significant < 18 {
                    mantissa = mantissa * 10 + UInt64(d)
                    if mantissa > 0 { significant += 1 }
                    exponent -= 1
                }
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < e && (p[i] | 0x20) == 101 {  // e or E
            i += 1
            var negativeExponent = false
            if i < e && (p[i] == 45 || p[i] == 43) {
                negativeExponent = p[i] == 45
                i += 1
            }
            var value = 0
            var exponentDigits = 0
            while i < e {
                let d = p[i] &- 48
                if d > 9 { break }
                if value < 10_000 { value = value * 10 + Int(d) }
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += negativeExponent ? -value : value
        }
        guard i == e else { return nil }
        var v = Double(mantissa)
        if exponent < 0 {
            v = -exponent <= 22 ? v / powersOfTen[-exponent] : v * pow(10, Double(exponent))
        } else if exponent > 0 {
            v = exponent <= 22 ? v * powersOfTen[exponent] : v * pow(10, Double(exponent))
        }
        guard v.isFinite else { return nil }
        return negative ? -v : v
    }

    /// Whether `text` is a decimal number.
    static func decimal(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { decimal(UnsafeBufferPointer($0), 0, $0.count) } != nil
    }

    /// Parses an integer `[+-]digits` (at most 18 digits) from `p[s..<e]`, or `nil`.
    @inline(__always)
    static func integer(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int64? {
        var i = s
        var negative = false
        if i < e && (p[i] == 45 || p[i] == 43) {
            negative = p[i] == 45
            i += 1
        }
        guard i < e && e - i <= 18, let value = digits(p, i, e) else { return nil }
        return negative ? -value : value
    }

    // MARK: Messages

    /// `p[s..<e]` in double quotes, cut to 60 characters, for messages.
    static func quote(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> String {
        "\"" + clip(String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)) + "\""
    }

    /// `p[s..<e]` in double quotes, cut to 60 bytes, with control bytes and non-ASCII shown as
    /// `\xHH` (for ids, which may hold a NUL).
    static func quoteEscaped(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> String {
        var out = "\""
        for k in s..<min(e, s + 60) {
            let b = p[k]
            out += b >= 32 && b < 127 ? String(UnicodeScalar(b)) : "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
        }
        return out + (e - s > 60 ? "...\"" : "\"")
    }

    /// `text` cut to 60 characters, with tabs shown as `\t`.
    static func clip(_ text: String) -> String {
        let shown = text.count > 60 ? String(text.prefix(57)) + "..." : text
        return shown.replacingTabs()
    }

    /// A rating bound without a needless `.0`.
    static func format(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(value)
    }
}
