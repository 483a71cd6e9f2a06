/// The one error type of FedRecReport: why a report file could not be read or parsed.
///
/// ``description`` renders it as one line in the `file:line:` form when those are known, e.g.
///
///     results.csv:7: malformed CSV: row has 5 fields but the header has 6; re-run the sweep or fix the row
public struct ReportError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of problem this is. Open: new codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A short human-readable name of the code.
        public let name: String

        /// Creates a code with the given name.
        public init(name: String) { self.name = name }

        /// The name of the code.
        public var description: String { name }

        /// CSV text that does not follow RFC 4180 or does not match its header.
        public static let malformedCSV = Code(name: "malformed CSV")
        /// A file could not be read.
        public static let unreadable = Code(name: "unreadable")
    }

    /// What kind of problem this is.
    public var code: Code
    /// What went wrong and how to fix it.
    public var message: String
    /// The file concerned, if known.
    public var file: String?
    /// The 1-based line number concerned, if known.
    public var line: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, file: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// `file:line: code: message`, leaving out what is unknown.
    public var description: String {
        var prefix = ""
        if let file { prefix += file + ":" }
        if let line { prefix += (file == nil ? "line " : "") + "\(line):" }
        return (prefix.isEmpty ? "" : prefix + " ") + "\(code.name): \(message)"
    }
}
