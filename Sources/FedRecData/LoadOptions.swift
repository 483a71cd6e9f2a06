/// How ``DataSource`` loads a data set.
public struct LoadOptions: Sendable, Hashable {
    /// The format to read; `nil` detects it from the path and the first line of the file.
    public var format: DataFormat?
    /// Whether malformed lines are skipped and counted (`true`) or stop the load with an error (`false`).
    public var skipBadLines: Bool
    /// The most malformed-line errors kept in ``LoadReport/skippedExamples`` when skipping.
    public var maxReportedErrors: Int

    /// Creates options; the defaults detect the format and reject any malformed line.
    public init(format: DataFormat? = nil, skipBadLines: Bool = false, maxReportedErrors: Int = 5) {
        precondition(maxReportedErrors >= 0, "maxReportedErrors must not be negative")
        self.format = format
        self.skipBadLines = skipBadLines
        self.maxReportedErrors = maxReportedErrors
    }
}
