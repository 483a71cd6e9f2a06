/// An error from the neural models (NeuMF, its trainer, negative sampling): a category plus
/// a message that names the offending value and what to do about it.
///
/// Kept apart from the module's main error type while the two are written in parallel; the
/// codes map one to one onto it.
public struct NeuralModelError: Error, Sendable, CustomStringConvertible {
    /// The category of a ``NeuralModelError``; open so categories can be added without
    /// breaking callers.
    public struct Code: Hashable, Sendable {
        let name: String
        /// A configuration value (layer sizes, learning rate, batch size…) is out of range.
        public static let invalidConfiguration = Code(name: "invalid configuration")
        /// Input data do not fit the model: an index out of range, lengths that differ, no data.
        public static let invalidInput = Code(name: "invalid input")
        /// A user has interacted with every item, so no negative can be sampled.
        public static let noNegativeItems = Code(name: "no negative items")
        /// Training produced NaN or infinite values (learning rate too high, usually).
        public static let diverged = Code(name: "training diverged")
    }

    /// What kind of problem this is.
    public var code: Code
    /// What was wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// "category: message".
    public var description: String { "\(code.name): \(message)" }

    /// Throws ``Code/invalidConfiguration`` naming `name`, its `value` and the allowed range when `condition` fails.
    static func require(_ condition: Bool, _ name: String, _ value: Any, _ allowed: String) throws {
        if !condition { throw NeuralModelError(.invalidConfiguration, "\(name) is \(value); it must be \(allowed)") }
    }
}
