/// A failure of a study (sweep) as a whole: a results folder that belongs to another sweep, an
/// unreadable or damaged `results.csv`, an empty grid.
///
/// Errors of single runs keep their own types (`FederationError`, `PrivacyError`).
public struct ExperimentError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; open so cases can be added without breaking callers.
    public struct Code: Hashable, Sendable {
        let name: String
        /// A grid or option out of range.
        public static let invalidGrid = Code(name: "invalid sweep grid")
        /// The output folder holds a sweep with a different configuration.
        public static let configMismatch = Code(name: "sweep configuration mismatch")
        /// `results.csv` or `sweep.json` cannot be read or is damaged.
        public static let corruptResults = Code(name: "unreadable sweep results")
        /// A file cannot be written.
        public static let writeFailed = Code(name: "write failed")
    }

    /// What kind of failure.
    public var code: Code
    /// What was wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.name): \(message)" }
}
