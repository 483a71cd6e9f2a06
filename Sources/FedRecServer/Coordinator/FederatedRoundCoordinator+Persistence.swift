import FedRecFederation
import FedRecHTTP
import FedRecPrivacy
import Foundation

extension FederatedRoundCoordinator {
    /// What a checkpoint restores.
    struct Restored {
        var parameters: [Float]
        var optimizerState: ServerOptimizerState
        var ledger: PrivacyLedger?
        var round: UInt64
        var modelVersion: UInt64
        var history: [RoundOutcome]
        /// The adaptive clip bound of the round to open (nil: fixed C).
        var clipBound: Double?
    }

    /// The checkpoint's metadata section.
    struct Meta: Codable {
        var format: String
        /// The next round to open.
        var round: UInt64
        var modelVersion: UInt64
        var fingerprint: String
        var optimizerStep: Int
        var history: [RoundOutcome]
        /// Under adaptive clipping, the clip bound C of the next round (absent for a fixed C).
        var clipBound: Double?
    }

    static let metaFormat = "fedrec-server-checkpoint-1"

    static func path(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    static func writeSetup(_ setup: FederationSetup, directory: String) throws(ServerError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(setup) else { throw ServerError(.ioFailure, "cannot encode the setup") }
        try ServerError.bridging(AtomicFile.write(Array(data), to: path(directory, setupFile), permissions: 0o600))
    }

    /// The setup stored in `directory`'s `setup.json`, or nil when it is missing or unreadable.
    static func storedSetup(directory: String) -> FederationSetup? {
        guard let data = FileManager.default.contents(atPath: path(directory, setupFile)) else { return nil }
        return try? JSONDecoder().decode(FederationSetup.self, from: data)
    }

    /// Removes the temporary files an interrupted atomic write left (`.NAME.tmp-*` of the state
    /// files); only one server uses a state directory, so none is being written at start.
    static func removeLeftoverTemporaries(directory: String) {
        let names = [checkpointFile, ledgerFile, setupFile, budgetFile]
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where names.contains(where: { entry.hasPrefix(".\($0).tmp-") }) {
            try? FileManager.default.removeItem(atPath: path(directory, entry))
        }
    }

    /// Loads the latest checkpoint of `directory`, or nil for a fresh start. Creates the directory
    /// if missing and removes leftover temporary files.
    ///
    /// A fresh start needs a directory without any sign of a run (`setup.json`, `ledger.json`,
    /// `budget.json`, `checkpoint.frck`). A resume needs a checkpoint of the same settings and a
    /// ledger that is not behind the ``BudgetRecord``; otherwise the start is refused
    /// (`budget_reset_refused`) unless `acceptBudgetReset`, which turns the refusal into a line of
    /// `notices`. A missing or damaged `setup.json` is rewritten from `setup`.
    static func restore(setup: FederationSetup, directory: String?, acceptBudgetReset: Bool,
                        notices: inout [String]) throws(ServerError) -> Restored? {
        guard let directory else { return nil }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ServerError(.ioFailure, "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
        removeLeftoverTemporaries(directory: directory)
        let fm = FileManager.default
        let ledgerURL = URL(fileURLWithPath: path(directory, ledgerFile))
        let ledgerExists = fm.fileExists(atPath: ledgerURL.path)
        let recordPath = path(directory, budgetFile)
        let record = BudgetRecord.load(recordPath)
        let flag = "--accept-budget-reset"
        guard let archive = try CheckpointArchive.load(from: path(directory, checkpointFile)) else {
            let evidence = [setupFile, ledgerFile, budgetFile].filter { fm.fileExists(atPath: path(directory, $0)) }
            if evidence.isEmpty { return nil }
            var spent = ""
            if case .found(let r) = record { spent = " (\(budgetFile) records \(r.roundsRecorded) released rounds, up to round \(r.round - 1))" }
            let problem = "\(directory) holds \(evidence.joined(separator: ", ")) of an earlier run\(spent) but no \(checkpointFile): starting fresh would restart the run at round 1 and its privacy budget at ε = 0"
            guard acceptBudgetReset else {
                throw ServerError(.budgetResetRefused, "\(problem). Restore \(checkpointFile) (and \(ledgerFile)) from a backup, or use a new --state directory; to start a new run here anyway, losing the record of the budget spent, pass \(flag)")
            }
            notices.append("\(problem); starting a new run anyway (\(flag)): the earlier run's files are overwritten")
            return nil
        }
        func corrupt(_ what: String) -> ServerError {
            ServerError(.corruptCheckpoint, "\(path(directory, checkpointFile)): \(what). The server will not start fresh over it; restore it from a backup or choose a new --state directory")
        }
        guard let metaBytes = archive["meta"], let meta = try? JSONDecoder().decode(Meta.self, from: Data(metaBytes)), meta.format == metaFormat else {
            throw corrupt("the metadata section is missing or unreadable")
        }
        let stored = storedSetup(directory: directory)
        guard meta.fingerprint == FNV.hash(setup.fingerprint) else {
            var what = "the checkpoint in \(directory) belongs to a run with other settings"
            if let stored, FNV.hash(stored.fingerprint) == meta.fingerprint {
                what += ": " + setup.differences(from: stored).joined(separator: "; ")
            } else {
                what += " (privacy, schedule, model shape or clients; \(setupFile), which would list them, is missing, damaged or changed)"
            }
            throw ServerError(.setupMismatch, "\(what). Privacy-relevant settings cannot change mid-run: restart with the original options (or none, to use \(setupFile)), or use a new --state directory for a new run")
        }
        let count = setup.parameterCount
        guard let model = archive["model"].flatMap({ floats($0) }), model.count == count else { throw corrupt("the model section has the wrong size") }
        let optimizer = setup.simulation.serverOptimizer
        let fresh = optimizer.initialState(parameterCount: count)
        guard let m1 = archive["optimizer_m"].flatMap({ floats($0) }), m1.count == fresh.firstMoment.count,
              let m2 = archive["optimizer_v"].flatMap({ floats($0) }), m2.count == fresh.secondMoment.count else {
            throw corrupt("the optimizer sections do not match \(optimizer.name)")
        }
        var ledger: PrivacyLedger? = nil
        if setup.privacy != nil {
            guard let bytes = archive["ledger"], let inArchive = try? JSONDecoder().decode(PrivacyLedger.self, from: Data(bytes)) else {
                throw corrupt("the privacy ledger section is missing or unreadable")
            }
            ledger = inArchive
            if ledgerExists {
                let onDisk: PrivacyLedger
                do {
                    onDisk = try PrivacyLedger.load(from: ledgerURL, runID: inArchive.runID, configFingerprint: inArchive.configFingerprint)
                } catch {
                    throw ServerError(.corruptCheckpoint, "\(error)")
                }
                // The ledger never decreases: keep whichever copy has recorded more rounds.
                if onDisk.roundsRun > inArchive.roundsRun { ledger = onDisk }
            }
        }
        if setup.adaptiveClipping != nil, setup.privacy != nil {
            guard let c = meta.clipBound, c > 0, c.isFinite else { throw corrupt("the adaptive clip bound is missing or invalid") }
        }
        // The high-water mark: the ledger kept must not be behind what the run recorded.
        let recorded = ledger?.roundsRun ?? 0
        let nothingHappened = meta.round == 1 && meta.modelVersion == 0 && meta.history.isEmpty && recorded == 0
        var problem: String? = nil
        switch record {
        case .damaged(let reason):
            problem = "\(reason); it records how much of the privacy budget the run spent"
        case .missing:
            if !nothingHappened {
                problem = "\(recordPath), the record of how far the run got, is missing, so the checkpoint (round \(meta.round), \(recorded) rounds in the ledger) cannot be shown to be the latest"
            }
        case .found(let r):
            if r.fingerprint != meta.fingerprint {
                problem = "\(recordPath) belongs to a run with other settings than the checkpoint"
            } else if let l = ledger, r.runID != l.runID {
                problem = "the ledger belongs to run \(l.runID) but \(budgetFile) to run \(r.runID ?? "none"): the checkpoint or ledger comes from another run"
            } else if r.roundsRecorded > recorded {
                problem = "the checkpoint and ledger record \(recorded) released rounds but the run had recorded \(r.roundsRecorded) (\(budgetFile)): they are older than the run (restored from a backup, or \(ledgerFile) deleted), and resuming would spend the budget again from a lower ε"
            }
        }
        if let problem {
            guard acceptBudgetReset else {
                throw ServerError(.budgetResetRefused, "\(directory): \(problem). Restore the newer \(checkpointFile) and \(ledgerFile) from a backup, or use a new --state directory; to resume anyway from what is here (the ledger continues from \(recorded) rounds), pass \(flag)")
            }
            notices.append("\(directory): \(problem); resuming anyway (\(flag)) from round \(meta.round) with \(recorded) rounds in the ledger")
        }
        if problem != nil || (record.isMissing && nothingHappened) {
            try BudgetRecord(runID: ledger?.runID, fingerprint: meta.fingerprint, roundsRecorded: recorded, round: meta.round, modelVersion: meta.modelVersion)
                .write(to: recordPath)
        }
        if stored.map({ FNV.hash($0.fingerprint) != meta.fingerprint }) ?? true {
            try writeSetup(setup, directory: directory)
            notices.append("\(path(directory, setupFile)) was missing, damaged or of other settings; rewrote it from the options given")
        }
        return Restored(parameters: model, optimizerState: ServerOptimizerState(step: meta.optimizerStep, firstMoment: m1, secondMoment: m2), ledger: ledger, round: meta.round, modelVersion: meta.modelVersion, history: meta.history,
                        clipBound: setup.adaptiveClipping != nil ? meta.clipBound : nil)
    }

    /// Writes the checkpoint (atomically), then the ledger file, then the ``BudgetRecord``: in this
    /// order a crash can leave the record behind the checkpoint, never ahead of it.
    func checkpoint(_ s: State, directory: String) throws(ServerError) {
        try Self.checkpoint(s, setup: setup, directory: directory)
    }

    static func checkpoint(_ s: State, setup: FederationSetup, directory: String) throws(ServerError) {
        let opt = s.optimizerState
        let fingerprint = FNV.hash(setup.fingerprint)
        let meta = Meta(format: Self.metaFormat, round: s.round, modelVersion: s.modelVersion, fingerprint: fingerprint,
                        optimizerStep: opt.step, history: s.history, clipBound: s.privatizer?.adaptive?.clipBound)
        var sections = [
            CheckpointArchive.Section(name: "meta", bytes: Array((try? JSONEncoder().encode(meta)) ?? Data())),
            CheckpointArchive.Section(name: "model", bytes: Self.bytes(s.parameters)),
            CheckpointArchive.Section(name: "optimizer_m", bytes: Self.bytes(opt.firstMoment)),
            CheckpointArchive.Section(name: "optimizer_v", bytes: Self.bytes(opt.secondMoment)),
        ]
        if let ledger = s.ledger {
            guard let data = try? JSONEncoder().encode(ledger) else { throw ServerError(.ioFailure, "cannot encode the privacy ledger") }
            sections.append(.init(name: "ledger", bytes: Array(data)))
        }
        try CheckpointArchive(sections: sections).write(to: Self.path(directory, Self.checkpointFile))
        if let ledger = s.ledger {
            do { try ledger.save(to: URL(fileURLWithPath: Self.path(directory, Self.ledgerFile))) } catch {
                throw ServerError(.ioFailure, "\(error)")
            }
        }
        try BudgetRecord(runID: s.ledger?.runID, fingerprint: fingerprint, roundsRecorded: s.ledger?.roundsRun ?? 0, round: s.round,
                         modelVersion: s.modelVersion).write(to: Self.path(directory, Self.budgetFile))
    }

    /// Little-endian float32 bytes.
    static func bytes(_ values: [Float]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    static func floats(_ bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        var out = [Float](repeating: 0, count: bytes.count / 4)
        for k in out.indices {
            let b = UInt32(bytes[4 * k]) | UInt32(bytes[4 * k + 1]) << 8 | UInt32(bytes[4 * k + 2]) << 16 | UInt32(bytes[4 * k + 3]) << 24
            out[k] = Float(bitPattern: b)
        }
        return out
    }
}

extension BudgetRecord.Loaded {
    /// True when the record file does not exist.
    var isMissing: Bool { if case .missing = self { true } else { false } }
}
