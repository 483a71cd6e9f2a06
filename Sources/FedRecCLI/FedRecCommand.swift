/// One subcommand of the `fedrec` tool: a declaration plus the code that runs it.
///
/// Commands are thin: they read their validated options, call the library modules and print.
public protocol FedRecCommand {
    /// The command's words, options and help.
    static var spec: CommandSpec { get }
    /// Runs the command; usage mistakes throw ``UsageError`` (exit 2), failures any other error (exit 1).
    static func run(_ arguments: ParsedArguments, console: Console) throws
}

/// A failure of the command-line layer itself (an output folder that cannot be written, say).
public struct CLIError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and what to do about it.
    public var message: String
    /// Creates an error with a message a user can act on.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
