import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM (or other signals) into a callback on a Dispatch queue, so
/// `fedrec serve` can shut down gracefully and write its state instead of dying mid-round.
///
/// Installing sets the signals' disposition to ignore (so the default action, termination, does not
/// run) and watches them with `DispatchSource.makeSignalSource`; the handler runs on an ordinary
/// queue, not in signal context, so it may take locks and call `HTTPServer.shutdown()`.
/// `cancel()` restores the default dispositions. Dispatch arms the sources asynchronously, so a
/// signal arriving within a moment of `install` may be ignored: install at startup.
///
/// `@unchecked Sendable`: the Dispatch sources are immutable after `install` and Dispatch sources
/// are thread-safe to cancel from any thread.
public final class ShutdownSignals: @unchecked Sendable {
    /// The watched signals.
    public let signals: [Int32]
    private let sources: [any DispatchSourceSignal]

    private init(signals: [Int32], sources: [any DispatchSourceSignal]) {
        self.signals = signals
        self.sources = sources
    }

    /// Starts watching `signals` and calls `handler` with the signal number each time one arrives.
    /// - Parameters:
    ///   - signals: default SIGINT and SIGTERM.
    ///   - queue: where `handler` runs.
    public static func install(
        _ signals: [Int32] = [SIGINT, SIGTERM], queue: DispatchQueue = DispatchQueue(label: "fedrec.signals"),
        handler: @escaping @Sendable (Int32) -> Void
    ) -> ShutdownSignals {
        let sources = signals.map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
        return ShutdownSignals(signals: signals, sources: sources)
    }

    /// Stops watching and restores the default action of every watched signal.
    public func cancel() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
