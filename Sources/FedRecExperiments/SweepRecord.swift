import FedRecPrivacy
import FedRecReport

/// One completed row of a sweep: a federated point with its metrics, noise multiplier, ε spent
/// and timings, or the centralized baseline of one seed.
///
/// An MF row carries RMSE and MAE; a NeuMF row carries HR@10 and NDCG@10 over the full ranking and,
/// as labelled extra figures, under the sampled 1 + 99 protocol. The metrics a model does not report
/// are nil (empty cells in `results.csv`).
public struct SweepRecord: Sendable, Hashable {
    /// What produced the row.
    public enum Kind: String, Sendable, Hashable {
        /// A federated point of the grid (private or not).
        case federated
        /// The centralized baseline of a seed (trained once per seed on the same split).
        case centralized
        /// NeuMF sweeps: the popularity baseline of a seed (items ranked by their interaction
        /// count in the training split): the level a model must beat to have learned anything.
        case popularity
        /// NeuMF sweeps: centralized implicit MF with NeuMF's loss on the same split (Rendle et
        /// al. 2020: a tuned dot product often matches NeuMF).
        case implicitMF = "implicit_mf"
    }

    /// Federated point or centralized baseline.
    public var kind: Kind
    /// The model the sweep trains.
    public var model: SweepModel
    /// The point (for a baseline: only its seed is meaningful; ε is ∞, no trust or clip).
    public var point: SweepPoint
    /// MF: held-out RMSE at the end.
    public var rmse: Double?
    /// MF: held-out MAE at the end.
    public var mae: Double?
    /// NeuMF: HR@10 over the full ranking at the end.
    public var hitRate: Double? = nil
    /// NeuMF: NDCG@10 over the full ranking at the end.
    public var ndcg: Double? = nil
    /// NeuMF: HR@10 under the sampled 1 + 99 protocol (labelled; optimistic next to the full ranking).
    public var sampledHitRate: Double? = nil
    /// NeuMF: NDCG@10 under the sampled 1 + 99 protocol.
    public var sampledNDCG: Double? = nil
    /// Calibrated noise multiplier z (nil when not private).
    public var noiseMultiplier: Double? = nil
    /// ε spent under RDP for the released rounds.
    public var epsilonRDP: Double? = nil
    /// ε spent under PLD for the released rounds.
    public var epsilonPLD: Double? = nil
    /// ε against the server itself (distributed and local trust).
    public var serverViewEpsilon: Double? = nil
    /// δ of the guarantee.
    public var delta: Double? = nil
    /// m of distributed trust.
    public var minimumUpdates: Int? = nil
    /// Rounds run (and released).
    public var roundsRun: Int = 0
    /// Rounds whose aggregate was released.
    public var roundsReleased: Int = 0
    /// Mean participants per round.
    public var meanParticipants: Double = 0
    /// Training seconds per round (no evaluation).
    public var secondsPerRound: Double = 0
    /// Wall seconds of the whole point (training and evaluation).
    public var wallSeconds: Double = 0
    /// Why the run stopped before its planned rounds (the model diverged and the last finite
    /// round was kept, or the privacy budget), or nil for a run that completed.
    public var stopReason: String? = nil
    /// The model's headline metric (RMSE for MF, HR@10 for NeuMF) at each evaluated round: the learning curve.
    public var curve: [(round: Int, value: Double)] = []

    /// Creates an MF record.
    public init(kind: Kind, point: SweepPoint, rmse: Double, mae: Double) {
        self.kind = kind
        self.model = .mf
        self.point = point
        self.rmse = rmse
        self.mae = mae
    }

    /// Creates a NeuMF record: HR@10 and NDCG@10 over the full ranking, and under the sampled protocol.
    public init(kind: Kind, point: SweepPoint, hitRate: Double, ndcg: Double, sampledHitRate: Double?, sampledNDCG: Double?) {
        self.kind = kind
        self.model = .neumf
        self.point = point
        self.hitRate = hitRate
        self.ndcg = ndcg
        self.sampledHitRate = sampledHitRate
        self.sampledNDCG = sampledNDCG
    }

    /// The key results.csv rows are matched by: the point's key, or `<kind>;seed=S` for a seed's
    /// reference rows (`centralized;seed=S`, `popularity;seed=S`, `implicit_mf;seed=S`).
    public var key: String { kind == .federated ? point.key : "\(kind.rawValue);seed=\(point.seed)" }

    /// Whether the run stopped before its planned rounds (``stopReason`` says why).
    public var stoppedEarly: Bool { stopReason != nil }

    /// Equal when kind, model, point, metrics (bit for bit), z, ε spent, rounds, stop reason and
    /// curve agree: what a resumed sweep must read back from `results.csv` unchanged.
    public static func == (a: SweepRecord, b: SweepRecord) -> Bool {
        func same(_ x: Double?, _ y: Double?) -> Bool { x?.bitPattern == y?.bitPattern }
        return a.kind == b.kind && a.model == b.model && a.point == b.point && same(a.rmse, b.rmse) && same(a.mae, b.mae)
            && same(a.hitRate, b.hitRate) && same(a.ndcg, b.ndcg) && same(a.sampledHitRate, b.sampledHitRate)
            && same(a.sampledNDCG, b.sampledNDCG)
            && a.noiseMultiplier == b.noiseMultiplier && a.epsilonRDP == b.epsilonRDP && a.epsilonPLD == b.epsilonPLD
            && a.roundsRun == b.roundsRun && a.stopReason == b.stopReason
            && a.curve.map(\.round) == b.curve.map(\.round) && a.curve.map(\.value) == b.curve.map(\.value)
    }

    /// Hashes the key (equal records have equal keys).
    public func hash(into h: inout Hasher) { h.combine(key) }

    /// The columns of results.csv, in order. Cells a model does not report are empty: rmse and mae
    /// for NeuMF rows, the four ranking columns for MF rows. `curve` holds `round:value` pairs of
    /// the model's headline metric (RMSE or HR@10).
    public static let columns = [
        "kind", "model", "epsilon_target", "trust", "clip", "sampling_rate", "rounds", "seed", "rmse", "mae",
        "hr_at_10", "ndcg_at_10", "sampled_hr_at_10", "sampled_ndcg_at_10",
        "noise_multiplier", "epsilon_rdp", "epsilon_pld", "server_view_epsilon", "delta", "min_updates",
        "rounds_run", "rounds_released", "mean_participants", "seconds_per_round", "wall_seconds", "stop_reason", "curve",
    ]

    /// The columns of results.csv written before NeuMF sweeps (MF only, no stop reason). Such a
    /// file still loads: its rows are MF rows that ran to the end; the next save rewrites it with
    /// ``columns``.
    public static let legacyColumns = [
        "kind", "epsilon_target", "trust", "clip", "sampling_rate", "rounds", "seed", "rmse", "mae",
        "noise_multiplier", "epsilon_rdp", "epsilon_pld", "server_view_epsilon", "delta", "min_updates",
        "rounds_run", "rounds_released", "mean_participants", "seconds_per_round", "wall_seconds", "curve",
    ]

    /// Reads every row of a results table written with ``columns`` or ``legacyColumns``.
    /// - Throws: ``ExperimentError`` `corruptResults` for other columns (naming both lists) or a
    ///   damaged row (naming the row and column).
    public static func records(in table: CSVTable, file: String) throws -> [SweepRecord] {
        guard table.columns == columns || table.columns == legacyColumns else {
            throw ExperimentError(.corruptResults, "\(file) has columns \(table.columns.joined(separator: ",")), expected \(columns.joined(separator: ",")); it was written by another version: choose a new --out folder")
        }
        return try table.rows.indices.map { try SweepRecord(table, row: $0, file: file) }
    }

    /// The record as CSV cells (numbers written to read back exactly).
    var cells: [CSVTable.Cell] {
        func opt(_ x: Double?) -> CSVTable.Cell { x.map { .number($0) } ?? .empty }
        return [
            .text(kind.rawValue), .text(model.rawValue), .number(point.epsilon), point.trust.map { .text($0.rawValue) } ?? .empty, opt(point.clip),
            .number(point.schedule.samplingRate), .integer(point.schedule.rounds), .text(String(point.seed)),
            opt(rmse), opt(mae), opt(hitRate), opt(ndcg), opt(sampledHitRate), opt(sampledNDCG),
            opt(noiseMultiplier), opt(epsilonRDP), opt(epsilonPLD), opt(serverViewEpsilon),
            opt(delta), minimumUpdates.map { .integer($0) } ?? .empty, .integer(roundsRun), .integer(roundsReleased),
            .number(meanParticipants), .number(secondsPerRound), .number(wallSeconds), stopReason.map { .text($0) } ?? .empty,
            .text(curve.map { "\($0.round):\($0.value)" }.joined(separator: " ")),
        ]
    }

    /// Reads row `row` of a results table.
    /// - Throws: ``ExperimentError`` `corruptResults` naming the row and column.
    init(_ table: CSVTable, row: Int, file: String) throws {
        func bad(_ column: String) -> ExperimentError {
            ExperimentError(.corruptResults, "\(file) row \(row + 2): column '\(column)' has '\(table.value(row: row, column: column) ?? "")'; delete the row (that point reruns) or the folder")
        }
        func text(_ c: String) -> String { table.value(row: row, column: c) ?? "" }
        func number(_ c: String) throws -> Double { guard let x = table.double(row: row, column: c) else { throw bad(c) }; return x }
        func optional(_ c: String) throws -> Double? { text(c).isEmpty ? nil : try number(c) }
        func integer(_ c: String) throws -> Int { guard let n = table.integer(row: row, column: c) else { throw bad(c) }; return n }
        guard let kind = Kind(rawValue: text("kind")) else { throw bad("kind") }
        let trust: TrustModel?
        if text("trust").isEmpty { trust = nil } else {
            guard let t = TrustModel(rawValue: text("trust")) else { throw bad("trust") }
            trust = t
        }
        guard let seed = UInt64(text("seed")) else { throw bad("seed") }
        let point = SweepPoint(
            epsilon: try number("epsilon_target"), trust: trust, clip: try optional("clip"),
            schedule: SweepSchedule(samplingRate: try number("sampling_rate"), rounds: try integer("rounds")), seed: seed)
        // A results.csv written before NeuMF sweeps has no model column: its rows are MF rows.
        let model: SweepModel
        if table.columnIndex("model") == nil { model = .mf } else {
            guard let m = SweepModel(rawValue: text("model")) else { throw bad("model") }
            model = m
        }
        switch model {
        case .mf:
            self.init(kind: kind, point: point, rmse: try number("rmse"), mae: try number("mae"))
        case .neumf:
            self.init(kind: kind, point: point, hitRate: try number("hr_at_10"), ndcg: try number("ndcg_at_10"),
                      sampledHitRate: try optional("sampled_hr_at_10"), sampledNDCG: try optional("sampled_ndcg_at_10"))
        }
        noiseMultiplier = try optional("noise_multiplier")
        epsilonRDP = try optional("epsilon_rdp")
        epsilonPLD = try optional("epsilon_pld")
        serverViewEpsilon = try optional("server_view_epsilon")
        delta = try optional("delta")
        minimumUpdates = text("min_updates").isEmpty ? nil : try integer("min_updates")
        roundsRun = try integer("rounds_run")
        roundsReleased = try integer("rounds_released")
        meanParticipants = try number("mean_participants")
        secondsPerRound = try number("seconds_per_round")
        wallSeconds = try number("wall_seconds")
        stopReason = text("stop_reason").isEmpty ? nil : text("stop_reason")
        curve = try text("curve").split(separator: " ").map { pair in
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let r = Int(parts[0]), let y = Double(parts[1]) else { throw bad("curve") }
            return (r, y)
        }
    }
}
