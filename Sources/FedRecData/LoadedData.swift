/// A loaded data set together with the report of how it was read.
public struct LoadedData: Sendable {
    /// The ratings, with raw ids mapped to dense indices in first-seen order.
    public var dataset: RatingsDataset
    /// Lines read, skipped and merged, and the format used.
    public var report: LoadReport

    /// Creates a result.
    public init(dataset: RatingsDataset, report: LoadReport) {
        self.dataset = dataset
        self.report = report
    }
}
