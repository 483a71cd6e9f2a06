import FedRecHTTP
import Foundation

/// The high-water mark of a state directory (`budget.json`): how far the run has got, written
/// atomically after the checkpoint and the ledger of every closed round (and once at the first
/// start, after the initial checkpoint).
///
/// It only grows, so a start can tell a current checkpoint from one that went back: a checkpoint or
/// ledger older than the record (restored from a backup, the ledger deleted) or missing while the
/// record says the run existed would restart the privacy budget at a lower ε. The server then
/// refuses to start unless the operator passes `--accept-budget-reset`
/// (``FederatedRoundCoordinator/init(setup:stateDirectory:acceptBudgetReset:)``).
///
/// Because it is written last, a crash can leave it *behind* the checkpoint (by one round), never
/// ahead of it: a crash never makes a start refuse. It is not signed: someone who can write the
/// directory can delete or edit it together with the other files (docs/threat-model.md).
struct BudgetRecord: Codable, Hashable {
    /// `fedrec-budget-1`.
    var format: String = BudgetRecord.currentFormat
    /// The ledger's run id (nil for a non-private run).
    var runID: String?
    /// The FNV hash of the setup's fingerprint.
    var fingerprint: String
    /// Released rounds the ledger has recorded (0 for a non-private run).
    var roundsRecorded: Int
    /// The next round to open.
    var round: UInt64
    /// Models released.
    var modelVersion: UInt64

    static let currentFormat = "fedrec-budget-1"

    /// What a start finds at the record's path.
    enum Loaded {
        /// No file.
        case missing
        /// A file that cannot be read as a record, with the reason.
        case damaged(String)
        /// The record.
        case found(BudgetRecord)
    }

    /// Reads `path`.
    static func load(_ path: String) -> Loaded {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        guard let data = FileManager.default.contents(atPath: path),
              let record = try? JSONDecoder().decode(BudgetRecord.self, from: data), record.format == currentFormat else {
            return .damaged("\(path) is damaged or not a \(currentFormat) file")
        }
        return .found(record)
    }

    /// Writes the record atomically (mode 0600).
    func write(to path: String) throws(ServerError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { throw ServerError(.ioFailure, "cannot encode the budget record") }
        try ServerError.bridging(AtomicFile.write(Array(data), to: path, permissions: 0o600))
    }
}
