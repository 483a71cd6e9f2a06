/// What happened while loading a file: how many lines were read, skipped and merged.
///
/// `ratings == lines - skippedLines - duplicates` always holds.
public struct LoadReport: Sendable, CustomStringConvertible {
    /// The file that was read.
    public var file: String
    /// The format it was read as.
    public var format: DataFormat
    /// Data lines read (not counting the header and blank lines).
    public var lines: Int
    /// Malformed lines skipped (only with ``LoadOptions/skipBadLines``).
    public var skippedLines: Int
    /// Blank lines ignored.
    public var blankLines: Int
    /// Lines dropped because a later rating of the same (user, item) pair replaced them.
    public var duplicates: Int
    /// Ratings kept in the data set.
    public var ratings: Int
    /// The first few skipped-line errors, to show the user what was wrong.
    public var skippedExamples: [DataError]

    /// Creates a report.
    public init(
        file: String, format: DataFormat, lines: Int, skippedLines: Int, blankLines: Int,
        duplicates: Int, ratings: Int, skippedExamples: [DataError]
    ) {
        self.file = file
        self.format = format
        self.lines = lines
        self.skippedLines = skippedLines
        self.blankLines = blankLines
        self.duplicates = duplicates
        self.ratings = ratings
        self.skippedExamples = skippedExamples
    }

    /// One line, e.g. `u.data (movielens-100k): 100000 lines, 100000 ratings, 0 skipped, 0 duplicates`.
    public var description: String {
        "\(file) (\(format)): \(lines) lines, \(ratings) ratings, \(skippedLines) skipped, \(duplicates) duplicates"
    }
}
