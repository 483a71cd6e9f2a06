/// The one error type of FedRecData: why a data set could not be found, read or parsed.
///
/// A `DataError` always carries a ``code`` to switch on and a ``message`` a person can act on;
/// errors about a line of a file also name the file, the 1-based line number and the column.
/// ``description`` renders all of it as a single line in the familiar `file:line:` form, e.g.
///
///     ratings.dat:12: column 3 (rating): malformed line: "abc" is not a number; …
public struct DataError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of problem this is. Open: new codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A short human-readable name of the code (used in ``DataError/description``).
        public let name: String

        /// Creates a code with the given name.
        public init(name: String) { self.name = name }

        /// The name of the code.
        public var description: String { name }

        /// The path does not exist.
        public static let fileNotFound = Code(name: "file not found")
        /// The file or directory exists but cannot be read (permissions, I/O error).
        public static let unreadable = Code(name: "unreadable")
        /// The format of the data could not be recognised from the path or the file's first line.
        public static let unknownFormat = Code(name: "unknown format")
        /// The file holds no data lines at all.
        public static let emptyFile = Code(name: "empty file")
        /// Every data line was malformed and skipped, so nothing is left to load.
        public static let noValidLines = Code(name: "no valid lines")
        /// A line could not be parsed (a field is empty or not a number).
        public static let malformedLine = Code(name: "malformed line")
        /// A line has more or fewer fields than the format has columns.
        public static let wrongColumnCount = Code(name: "wrong column count")
        /// A rating lies outside the declared rating scale.
        public static let ratingOutOfScale = Code(name: "rating out of scale")
        /// The header line is missing or does not name the expected columns.
        public static let badHeader = Code(name: "bad header")
        /// A file could not be written (see ``RatingsDataset/write(toFile:format:)``).
        public static let unwritable = Code(name: "unwritable")
        /// A format description or load option is invalid (e.g. a column spec without `user`).
        public static let invalidOptions = Code(name: "invalid options")
        /// A user or item id is not of the format's kind: not a non-negative integer (MovieLens
        /// formats, ``DelimitedFormat/IDKind/integer``), or a text id with control characters or
        /// longer than ``DelimitedFormat/maxIDLength`` bytes.
        public static let invalidID = Code(name: "invalid id")
        /// A split holds out nothing (or trains on nothing), so every held-out metric would be NaN.
        public static let emptySplit = Code(name: "empty split")
    }

    /// What kind of problem this is.
    public var code: Code
    /// What went wrong and how to fix it, in one sentence.
    public var message: String
    /// The file concerned, if any.
    public var file: String?
    /// The 1-based line number concerned, if any.
    public var line: Int?
    /// The 1-based column number concerned, if any.
    public var column: Int?
    /// The name of the field concerned (`user`, `item`, `rating`, `timestamp`), if any.
    public var field: String?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String,
        file: String? = nil, line: Int? = nil, column: Int? = nil, field: String? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
    }

    /// One line: `file:line: column c (field): code: message`, leaving out the parts that are unknown.
    public var description: String {
        var out = ""
        if let file {
            out += file
            if let line { out += ":\(line)" }
            out += ": "
        } else if let line {
            out += "line \(line): "
        }
        switch (column, field) {
        case let (c?, f?): out += "column \(c) (\(f)): "
        case let (c?, nil): out += "column \(c): "
        case let (nil, f?): out += "\(f): "
        case (nil, nil): break
        }
        out += "\(code.name): \(message)"
        return out
    }
}
