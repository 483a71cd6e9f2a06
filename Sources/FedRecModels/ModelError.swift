/// The one error type of FedRecModels: a configuration or input the models cannot use.
///
/// `code` says what kind of problem it is (new codes can be added without breaking callers,
/// as with swift-system's `Errno`); `message` names the offending value and how to fix it.
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem; an open set of named constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A short human-readable name, e.g. "invalid parameter".
        public let name: String

        /// Creates a code; prefer the named constants.
        public init(_ name: String) { self.name = name }

        /// A hyperparameter is out of its allowed range (e.g. a negative learning rate).
        public static let invalidParameter = Code("invalid parameter")
        /// Two inputs disagree in shape (a model and a data set with different user counts).
        public static let shapeMismatch = Code("shape mismatch")
        /// The input holds nothing to train or evaluate on.
        public static let emptyData = Code("empty data")
        /// Training produced non-finite parameters (learning rate too high, say).
        public static let diverged = Code("training diverged")
        /// A model's shape or options are out of range (NeuMF layers, batch size, optimizer constants).
        public static let invalidConfiguration = Code("invalid configuration")
        /// Data handed to a model is unusable (an item index out of range, a non-finite vector).
        public static let invalidInput = Code("invalid input")
        /// A user has interacted with every item, so no negative can be sampled for implicit training.
        public static let noNegativeItems = Code("no negative items")

        /// The name of the code.
        public var description: String { name }
    }

    /// What kind of problem this is.
    public var code: Code
    /// What was wrong and how to fix it.
    public var message: String

    /// Creates an error with a code and a message that tells the user what to fix.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// "code: message".
    public var description: String { "\(code.name): \(message)" }

    /// Throws `.invalidParameter` naming `name`, its value and the allowed range unless `ok`.
    static func require(_ ok: Bool, _ name: String, _ value: some CustomStringConvertible, _ allowed: String) throws {
        if !ok { throw ModelError(.invalidParameter, "\(name) = \(value) is not allowed: it must be \(allowed)") }
    }

    /// Throws `.invalidConfiguration` naming `name`, its value and the allowed range unless `condition`.
    static func requireConfiguration(_ condition: Bool, _ name: String, _ value: Any, _ allowed: String) throws {
        if !condition { throw ModelError(.invalidConfiguration, "\(name) is \(value); it must be \(allowed)") }
    }
}
