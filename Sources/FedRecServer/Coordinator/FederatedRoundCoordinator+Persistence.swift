import FedRecFederation
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
        try AtomicFile.write(Array(data), to: path(directory, setupFile), permissions: 0o600)
    }

    /// Loads the latest checkpoint of `directory`, or nil for a fresh start (no checkpoint and no
    /// ledger). Creates the directory if missing.
    static func restore(setup: FederationSetup, directory: String?) throws(ServerError) -> Restored? {
        guard let directory else { return nil }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ServerError(.ioFailure, "cannot create the state directory \(directory): \(error.localizedDescription)")
        }
        let ledgerURL = URL(fileURLWithPath: path(directory, ledgerFile))
        let ledgerExists = FileManager.default.fileExists(atPath: ledgerURL.path)
        guard let archive = try CheckpointArchive.load(from: path(directory, checkpointFile)) else {
            if ledgerExists {
                throw ServerError(.corruptCheckpoint, "\(directory) holds a privacy ledger but no checkpoint; the budget already spent cannot be matched to a model. Restore \(checkpointFile) from a backup, or use a new state directory (never delete the ledger to reset the budget)")
            }
            return nil
        }
        func corrupt(_ what: String) -> ServerError {
            ServerError(.corruptCheckpoint, "\(path(directory, checkpointFile)): \(what). The server will not start fresh over it; restore it from a backup or choose a new --state directory")
        }
        guard let metaBytes = archive["meta"], let meta = try? JSONDecoder().decode(Meta.self, from: Data(metaBytes)), meta.format == metaFormat else {
            throw corrupt("the metadata section is missing or unreadable")
        }
        guard meta.fingerprint == FNV.hash(setup.fingerprint) else {
            throw ServerError(.corruptCheckpoint, "the checkpoint in \(directory) belongs to a run with different settings (privacy, schedule, model shape or clients); privacy-relevant settings cannot change mid-run. Start with the original settings, or use a new --state directory")
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
        return Restored(parameters: model, optimizerState: ServerOptimizerState(step: meta.optimizerStep, firstMoment: m1, secondMoment: m2), ledger: ledger, round: meta.round, modelVersion: meta.modelVersion, history: meta.history,
                        clipBound: setup.adaptiveClipping != nil ? meta.clipBound : nil)
    }

    /// Writes the checkpoint (atomically), then the ledger file.
    func checkpoint(_ s: State, directory: String) throws(ServerError) {
        let opt = s.optimizerState
        let meta = Meta(format: Self.metaFormat, round: s.round, modelVersion: s.modelVersion, fingerprint: FNV.hash(setup.fingerprint),
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
