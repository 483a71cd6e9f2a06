/// The one public error of FedRecFederation: a configuration or data set that cannot work.
///
/// Errors are raised before any training starts. `message` names the option at fault, the
/// value given and the allowed range, so a user can fix the command line or config file.
public struct FederationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is. Open: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A short human-readable name of the code.
        public let name: String

        /// Creates a code with the given name.
        public init(name: String) { self.name = name }

        /// A parameter outside its allowed range (q ∉ (0, 1], zero rounds, dim 0, …).
        public static let invalidParameter = Code(name: "invalid parameter")
        /// Options that are valid alone but cannot be combined (fixed-size sampling with DP, …).
        public static let incompatibleOptions = Code(name: "incompatible options")
        /// Data that cannot support the run (no held-out users, mismatched train/test index spaces, …).
        public static let invalidData = Code(name: "invalid data")

        /// The code's name.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What was wrong and how to fix it (option, value, allowed range).
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code.name): \(message)" }
}
