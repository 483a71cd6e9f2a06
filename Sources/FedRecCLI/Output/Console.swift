import Foundation
import Synchronization

/// Where a command writes: standard output for results, standard error for progress and
/// errors. Tests substitute a capturing console to check output end to end.
public final class Console: Sendable {
    private let out: @Sendable (String) -> Void
    private let err: @Sendable (String) -> Void
    /// Whether standard error is a terminal (progress bars redraw in place only then).
    public let isTerminal: Bool

    /// A console writing to the given sinks.
    public init(isTerminal: Bool = false, out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.out = out
        self.err = err
    }

    /// The process's standard output and standard error.
    public static func standard() -> Console {
        Console(
            isTerminal: isatty(STDERR_FILENO) == 1,
            out: { s in FileHandle.standardOutput.write(Data(s.utf8)) },
            err: { s in FileHandle.standardError.write(Data(s.utf8)) })
    }

    /// Writes `text` and a newline to standard output.
    public func print(_ text: String = "") { out(text + "\n") }

    /// Writes `text` to standard error as is (no newline added).
    public func progress(_ text: String) { err(text) }

    /// Writes a line to standard error.
    public func note(_ text: String) { err(text + "\n") }
}

/// A console that keeps what was written, for tests.
public final class CapturingConsole: Sendable {
    private let buffers = Mutex<(out: String, err: String)>(("", ""))

    /// An empty capture.
    public init() {}

    /// A console writing into this capture.
    public var console: Console {
        Console(isTerminal: false,
                out: { s in self.buffers.withLock { $0.out += s } },
                err: { s in self.buffers.withLock { $0.err += s } })
    }

    /// Everything written to standard output.
    public var stdout: String { buffers.withLock { $0.out } }
    /// Everything written to standard error.
    public var stderr: String { buffers.withLock { $0.err } }
}
