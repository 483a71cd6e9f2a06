import FedRecPrivacy
import FedRecReport

/// One completed row of a sweep: a federated point with its metrics, noise multiplier, ε spent
/// and timings, or the centralized baseline of one seed.
public struct SweepRecord: Sendable, Hashable {
    /// What produced the row.
    public enum Kind: String, Sendable, Hashable {
        /// A federated point of the grid (private or not).
        case federated
        /// The centralized baseline of a seed (trained once per seed on the same split).
        case centralized
    }

    /// Federated point or centralized baseline.
    public var kind: Kind
    /// The point (for a baseline: only its seed is meaningful; ε is ∞, no trust or clip).
    public var point: SweepPoint
    /// Held-out RMSE at the end.
    public var rmse: Double
    /// Held-out MAE at the end.
    public var mae: Double
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
    /// Held-out RMSE at each evaluated round: the learning curve.
    public var curve: [(round: Int, rmse: Double)] = []

    /// Creates a record.
    public init(kind: Kind, point: SweepPoint, rmse: Double, mae: Double) {
        self.kind = kind
        self.point = point
        self.rmse = rmse
        self.mae = mae
    }

    /// The key results.csv rows are matched by: the point's key, or `centralized;seed=S`.
    public var key: String { kind == .centralized ? "centralized;seed=\(point.seed)" : point.key }

    /// Equal when kind, point, metrics (bit for bit), z, ε spent, rounds and curve agree: what a
    /// resumed sweep must read back from `results.csv` unchanged.
    public static func == (a: SweepRecord, b: SweepRecord) -> Bool {
        a.kind == b.kind && a.point == b.point && a.rmse.bitPattern == b.rmse.bitPattern && a.mae.bitPattern == b.mae.bitPattern
            && a.noiseMultiplier == b.noiseMultiplier && a.epsilonRDP == b.epsilonRDP && a.epsilonPLD == b.epsilonPLD
            && a.roundsRun == b.roundsRun && a.curve.map(\.round) == b.curve.map(\.round) && a.curve.map(\.rmse) == b.curve.map(\.rmse)
    }

    /// Hashes the key (equal records have equal keys).
    public func hash(into h: inout Hasher) { h.combine(key) }

    /// The columns of results.csv, in order.
    public static let columns = [
        "kind", "epsilon_target", "trust", "clip", "sampling_rate", "rounds", "seed", "rmse", "mae",
        "noise_multiplier", "epsilon_rdp", "epsilon_pld", "server_view_epsilon", "delta", "min_updates",
        "rounds_run", "rounds_released", "mean_participants", "seconds_per_round", "wall_seconds", "curve",
    ]

    /// The record as CSV cells (numbers written to read back exactly).
    var cells: [CSVTable.Cell] {
        func opt(_ x: Double?) -> CSVTable.Cell { x.map { .number($0) } ?? .empty }
        return [
            .text(kind.rawValue), .number(point.epsilon), point.trust.map { .text($0.rawValue) } ?? .empty, opt(point.clip),
            .number(point.schedule.samplingRate), .integer(point.schedule.rounds), .text(String(point.seed)),
            .number(rmse), .number(mae), opt(noiseMultiplier), opt(epsilonRDP), opt(epsilonPLD), opt(serverViewEpsilon),
            opt(delta), minimumUpdates.map { .integer($0) } ?? .empty, .integer(roundsRun), .integer(roundsReleased),
            .number(meanParticipants), .number(secondsPerRound), .number(wallSeconds),
            .text(curve.map { "\($0.round):\($0.rmse)" }.joined(separator: " ")),
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
        self.init(kind: kind, point: point, rmse: try number("rmse"), mae: try number("mae"))
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
        curve = try text("curve").split(separator: " ").map { pair in
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let r = Int(parts[0]), let y = Double(parts[1]) else { throw bad("curve") }
            return (r, y)
        }
    }
}
