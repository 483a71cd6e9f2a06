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
    /// Lines dropped because a later rating of the same (user, item) pair replaced them: of the
    /// lines of one pair the one with the largest timestamp is kept, and among equal timestamps
    /// the one that comes last in the file.
    public var duplicates: Int
    /// The first few dropped duplicate lines (at most ``LoadOptions/maxReportedErrors``), each
    /// with the line kept in its place.
    public var duplicateExamples: [Duplicate]
    /// Ratings kept in the data set.
    public var ratings: Int
    /// The first few skipped-line errors, to show the user what was wrong.
    public var skippedExamples: [DataError]

    /// One duplicate (user, item) line that was dropped, and the line kept instead.
    public struct Duplicate: Sendable, Hashable, CustomStringConvertible {
        /// The raw user id.
        public var user: String
        /// The raw item id.
        public var item: String
        /// The 1-based line whose rating was kept.
        public var keptLine: Int
        /// The 1-based line that was dropped.
        public var droppedLine: Int

        /// Creates a record.
        public init(user: String, item: String, keptLine: Int, droppedLine: Int) {
            self.user = user
            self.item = item
            self.keptLine = keptLine
            self.droppedLine = droppedLine
        }

        /// `user u1, item i1: kept line 3, dropped line 1`.
        public var description: String { "user \(user), item \(item): kept line \(keptLine), dropped line \(droppedLine)" }
    }

    /// Creates a report.
    public init(
        file: String, format: DataFormat, lines: Int, skippedLines: Int, blankLines: Int,
        duplicates: Int, ratings: Int, skippedExamples: [DataError], duplicateExamples: [Duplicate] = []
    ) {
        self.file = file
        self.format = format
        self.lines = lines
        self.skippedLines = skippedLines
        self.blankLines = blankLines
        self.duplicates = duplicates
        self.ratings = ratings
        self.skippedExamples = skippedExamples
        self.duplicateExamples = duplicateExamples
    }

    /// One line, e.g. `u.data (movielens-100k): 100000 lines, 100000 ratings, 0 skipped, 0 duplicates`;
    /// with duplicates, also which line was kept (``duplicateSummary``).
    public var description: String {
        "\(file) (\(format)): \(lines) lines, \(ratings) ratings, \(skippedLines) skipped, \(duplicates) duplicates"
            + (duplicateSummary.map { " (\($0))" } ?? "")
    }

    /// Nil without duplicates; else e.g. `3 duplicate (user, item) lines dropped, the latest rating
    /// of each pair kept (largest timestamp, then last in the file); first: user u1, item i1: kept
    /// line 3, dropped line 1`.
    public var duplicateSummary: String? {
        guard duplicates > 0 else { return nil }
        let first = duplicateExamples.first.map { "; first: \($0)" } ?? ""
        return "\(duplicates) duplicate (user, item) line\(duplicates == 1 ? "" : "s") dropped, the latest rating of each pair kept (largest timestamp, then last in the file)\(first)"
    }
}
