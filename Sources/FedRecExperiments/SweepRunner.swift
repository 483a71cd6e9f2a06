import FedRecData
import FedRecFederation
import FedRecPrivacy
import Foundation

/// Runs the points of a ``SweepSpec`` one after another, skipping those already in the
/// ``SweepResults`` and saving each completed point at once, so an interrupted sweep resumes
/// where it stopped.
///
/// For each seed the split is built once and the centralized baseline (if asked for) trained once
/// on it; every point of that seed — non-private and private alike — uses the same split.
public struct SweepRunner: Sendable {
    /// The study.
    public var spec: SweepSpec

    /// Creates a runner.
    public init(spec: SweepSpec) { self.spec = spec }

    /// Where a sweep stands, for a progress bar: work is counted in training rounds so the ETA
    /// weighs long schedules correctly.
    public struct Progress: Sendable {
        /// Points completed in this call plus before it.
        public var pointsDone: Int
        /// Points in the grid.
        public var pointsTotal: Int
        /// Rounds completed in this call.
        public var roundsDone: Int
        /// Rounds of every point still pending when the call started.
        public var roundsTotal: Int
        /// The point running, e.g. "ε = 2, distributed, C = 0.5, seed 1".
        public var label: String
    }

    /// The centralized baseline's held-out metrics on one split.
    public struct BaselineMetrics: Sendable {
        /// RMSE.
        public var rmse: Double
        /// MAE.
        public var mae: Double
        /// Training seconds.
        public var seconds: Double

        /// Creates metrics.
        public init(rmse: Double, mae: Double, seconds: Double) {
            self.rmse = rmse
            self.mae = mae
            self.seconds = seconds
        }
    }

    /// The points not yet in `results`, in run order.
    public func pending(_ results: SweepResults) -> [SweepPoint] { spec.grid.points.filter { !results.isDone($0) } }

    /// Runs pending points (at most `limit` of them) and returns how many ran.
    /// - Parameters:
    ///   - results: completed rows; each new row is appended (and `results.csv` rewritten) at once.
    ///   - limit: stop after this many points (nil: all); used to split a long sweep over sessions.
    ///   - split: the train/held-out split of a seed.
    ///   - baseline: trains the centralized model on a split (nil: no baseline rows).
    ///   - onProgress: called after every round and every point.
    /// - Throws: the first error of a point (completed points stay saved).
    @discardableResult
    public func run(
        results: inout SweepResults, limit: Int? = nil,
        split: (UInt64) throws -> DataSplit,
        baseline: ((UInt64, DataSplit) throws -> BaselineMetrics)?,
        onProgress: (Progress) -> Void = { _ in }
    ) throws -> Int {
        let all = spec.grid.points
        var todo = pending(results)
        if let limit { todo = Array(todo.prefix(max(0, limit))) }
        var progress = Progress(pointsDone: all.count - pending(results).count, pointsTotal: all.count, roundsDone: 0,
                                roundsTotal: todo.map(\.schedule.rounds).reduce(0, +), label: "")
        var ran = 0
        for seed in spec.grid.seeds {
            let mine = todo.filter { $0.seed == seed }
            let needsBaseline = baseline != nil && results.baseline(seed: seed) == nil && (!mine.isEmpty || limit == nil)
            guard !mine.isEmpty || needsBaseline else { continue }
            let data = try split(seed)
            if needsBaseline, let baseline {
                progress.label = "centralized baseline, seed \(seed)"
                onProgress(progress)
                let m = try baseline(seed, data)
                var record = SweepRecord(
                    kind: .centralized,
                    point: SweepPoint(epsilon: .infinity, trust: nil, clip: nil, schedule: SweepSchedule(samplingRate: 1, rounds: 1), seed: seed),
                    rmse: m.rmse, mae: m.mae)
                record.wallSeconds = m.seconds
                try results.append(record)
            }
            for point in mine {
                progress.label = Self.label(point)
                onProgress(progress)
                let before = progress.roundsDone
                let record = try runPoint(point, split: data) { round in
                    progress.roundsDone = before + round
                    onProgress(progress)
                }
                progress.roundsDone = before + point.schedule.rounds
                try results.append(record)
                ran += 1
                progress.pointsDone += 1
                onProgress(progress)
            }
        }
        return ran
    }

    /// Runs one point on `split` and returns its row.
    public func runPoint(_ point: SweepPoint, split: DataSplit, onRound: (Int) -> Void = { _ in }) throws -> SweepRecord {
        let start = Date()
        let outcome = try spec.experiment(for: point).run(train: split.train, heldOut: split.test) { onRound($0.round) }
        let result = outcome.result
        var record = SweepRecord(kind: .federated, point: point, rmse: result.final.rmse, mae: result.final.mae)
        if let plan = outcome.plan {
            record.noiseMultiplier = plan.mechanism.noiseMultiplier
            record.delta = plan.delta
            record.minimumUpdates = plan.mechanism.trust == .distributed ? plan.mechanism.minimumUpdates : nil
        }
        record.epsilonRDP = outcome.epsilonSpent(.rdp)
        record.epsilonPLD = outcome.epsilonSpent(.pld)
        record.serverViewEpsilon = outcome.ledger?.serverViewEpsilon
        record.roundsRun = result.rounds.count
        record.roundsReleased = result.rounds.filter(\.released).count
        record.meanParticipants = result.rounds.isEmpty ? 0 : Double(result.rounds.map(\.participants).reduce(0, +)) / Double(result.rounds.count)
        record.secondsPerRound = result.secondsPerRound
        record.wallSeconds = Date().timeIntervalSince(start)
        record.curve = result.rounds.compactMap { r in r.rmse.map { (r.round, $0) } }
        if record.curve.last?.round != result.rounds.count, result.final.rmse.isFinite {
            record.curve.append((result.rounds.count, result.final.rmse))
        }
        return record
    }

    /// A short description of a point for progress lines.
    public static func label(_ p: SweepPoint) -> String {
        let seed = "q \(p.schedule.samplingRate), T \(p.schedule.rounds), seed \(p.seed)"
        guard let trust = p.trust, let clip = p.clip else { return "non-private, \(seed)" }
        return "ε \(p.epsilon), \(trust.rawValue), C \(clip), \(seed)"
    }
}
