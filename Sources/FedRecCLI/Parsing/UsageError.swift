/// A mistake in how the command was called: unknown option, bad value, missing argument.
/// The tool prints the message and exits with status 2.
public struct UsageError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What was wrong and what is allowed.
    public var message: String
    /// The command whose usage was wrong (for a pointer to its `--help`).
    public var command: String

    /// Creates a usage error.
    public init(_ message: String, command: String = "fedrec") {
        self.message = message
        self.command = command
    }

    /// The message followed by where to find help.
    public var description: String { "error: \(message)\nsee '\(command) --help'" }
}
