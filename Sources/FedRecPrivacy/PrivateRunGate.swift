import Foundation

/// The one admission sequence of a private run, for every model and every driver (`simulate`,
/// `sweep`): the ledger proves each round fits the budget before it runs (``admit()``), records each
/// closed round (``roundClosed(released:)``: a released round spends ε, a discarded one still counts
/// in the server's view), saves itself after every recorded round when it has a file, and refreshes
/// its ε under every accountant at the end (``finish()``).
///
/// A failure to record or save stops the run at the next ``admit()`` and is rethrown by ``finish()``,
/// so no round runs that the ledger on disk does not hold.
public struct PrivateRunGate: Sendable {
    /// The ledger as it stands.
    public private(set) var ledger: PrivacyLedger
    /// Where the ledger is kept (nil: memory only).
    public let file: URL?
    private var failure: (any Error)?

    /// Starts gating a run with a fresh `ledger`, kept at `file` when given.
    /// - Throws: ``PrivacyError`` `.ledgerMismatch` when `file` already exists: the ledger of another
    ///   run is never replaced.
    public init(ledger: PrivacyLedger, file: URL?) throws {
        if let file, FileManager.default.fileExists(atPath: file.path) {
            throw PrivacyError(.ledgerMismatch, "\(file.path) already holds the privacy ledger of another run; it is never replaced: choose a new output folder")
        }
        self.ledger = ledger
        self.file = file
    }

    /// Asks before a round: nil when the ledger proves one more released round fits the budget,
    /// otherwise why the run must stop (the budget, or an earlier failure to record or save).
    public func admit() -> String? {
        if let failure { return "the privacy ledger failed: \(failure)" }
        do { try ledger.check(rounds: 1) } catch { return "\(error)" }
        return nil
    }

    /// Records a closed round: a released one in the ledger (then saved), a discarded one in the
    /// server's view only.
    public mutating func roundClosed(released: Bool) {
        guard failure == nil else { return }
        guard released else {
            ledger.recordDiscarded()
            return
        }
        do {
            try ledger.record(round: ledger.roundsRun + 1)
            if let file { try ledger.save(to: file) }
        } catch {
            failure = error
        }
    }

    /// Ends the run: rethrows a failure to record or save, refreshes ε under every accountant and
    /// saves the final ledger.
    /// - Returns: the final ledger.
    public mutating func finish() throws -> PrivacyLedger {
        if let failure { throw failure }
        try ledger.refreshSpent()
        if let file { try ledger.save(to: file) }
        return ledger
    }
}
