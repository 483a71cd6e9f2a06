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

    /// The centralized baseline's held-out metrics on one split: RMSE and MAE for MF, HR@10 and
    /// NDCG@10 (full ranking, and the sampled protocol) for NeuMF.
    public struct BaselineMetrics: Sendable {
        /// MF: RMSE.
        public var rmse: Double?
        /// MF: MAE.
        public var mae: Double?
        /// NeuMF: HR@10 over the full ranking.
        public var hitRate: Double?
        /// NeuMF: NDCG@10 over the full ranking.
        public var ndcg: Double?
        /// NeuMF: HR@10 under the sampled 1 + 99 protocol.
        public var sampledHitRate: Double?
        /// NeuMF: NDCG@10 under the sampled 1 + 99 protocol.
        public var sampledNDCG: Double?
        /// Training seconds.
        public var seconds: Double
        /// NeuMF: the popularity baseline on the same split, if computed.
        public var popularity: Ranking?
        /// NeuMF: centralized implicit MF on the same split, if trained.
        public var implicitMF: Ranking?

        /// HR@10 and NDCG@10 of a reference model, full ranking and sampled 1 + 99 protocol.
        public struct Ranking: Sendable {
            /// HR@10, full ranking.
            public var hitRate: Double
            /// NDCG@10, full ranking.
            public var ndcg: Double
            /// HR@10, sampled protocol.
            public var sampledHitRate: Double?
            /// NDCG@10, sampled protocol.
            public var sampledNDCG: Double?
            /// Training seconds (0 for popularity).
            public var seconds: Double

            /// Creates the figures.
            public init(hitRate: Double, ndcg: Double, sampledHitRate: Double?, sampledNDCG: Double?, seconds: Double = 0) {
                self.hitRate = hitRate
                self.ndcg = ndcg
                self.sampledHitRate = sampledHitRate
                self.sampledNDCG = sampledNDCG
                self.seconds = seconds
            }
        }

        /// Creates MF metrics.
        public init(rmse: Double, mae: Double, seconds: Double) {
            self.rmse = rmse
            self.mae = mae
            self.seconds = seconds
        }

        /// Creates NeuMF metrics, with the popularity and implicit-MF references when known.
        public init(hitRate: Double, ndcg: Double, sampledHitRate: Double?, sampledNDCG: Double?, seconds: Double,
                    popularity: Ranking? = nil, implicitMF: Ranking? = nil) {
            self.hitRate = hitRate
            self.ndcg = ndcg
            self.sampledHitRate = sampledHitRate
            self.sampledNDCG = sampledNDCG
            self.seconds = seconds
            self.popularity = popularity
            self.implicitMF = implicitMF
        }

        /// The baseline row of `seed` for a sweep of `model`.
        /// - Precondition: the metrics of `model` are present.
        func record(model: SweepModel, seed: UInt64) -> SweepRecord {
            let point = SweepPoint(epsilon: .infinity, trust: nil, clip: nil, schedule: SweepSchedule(samplingRate: 1, rounds: 1), seed: seed)
            var record: SweepRecord
            switch model {
            case .mf:
                guard let rmse, let mae else { preconditionFailure("an MF sweep's baseline must report RMSE and MAE") }
                record = SweepRecord(kind: .centralized, point: point, rmse: rmse, mae: mae)
            case .neumf:
                guard let hitRate, let ndcg else { preconditionFailure("a NeuMF sweep's baseline must report HR@10 and NDCG@10") }
                record = SweepRecord(kind: .centralized, point: point, hitRate: hitRate, ndcg: ndcg,
                                     sampledHitRate: sampledHitRate, sampledNDCG: sampledNDCG)
            }
            record.wallSeconds = seconds
            return record
        }

        /// Every reference row of `seed`: the baseline, then (NeuMF) popularity and implicit MF.
        /// - Precondition: as ``record(model:seed:)``.
        func records(model: SweepModel, seed: UInt64) -> [SweepRecord] {
            var out = [record(model: model, seed: seed)]
            for (kind, r) in [(SweepRecord.Kind.popularity, popularity), (.implicitMF, implicitMF)] {
                guard let r else { continue }
                var row = SweepRecord(kind: kind, point: out[0].point, hitRate: r.hitRate, ndcg: r.ndcg,
                                      sampledHitRate: r.sampledHitRate, sampledNDCG: r.sampledNDCG)
                row.wallSeconds = r.seconds
                out.append(row)
            }
            return out
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
                for row in try baseline(seed, data).records(model: spec.model, seed: seed) { try results.append(row) }
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

    /// Runs one point on `split` and returns its row: federated MF (``FederatedExperiment``) or
    /// federated NeuMF (``NeuMFExperiment``), whichever the study's model is, with the same
    /// calibration and ledger.
    public func runPoint(_ point: SweepPoint, split: DataSplit, onRound: (Int) -> Void = { _ in }) throws -> SweepRecord {
        switch spec.model {
        case .mf: try runMFPoint(point, split: split, onRound: onRound)
        case .neumf: try runNeuMFPoint(point, split: split, onRound: onRound)
        }
    }

    func runMFPoint(_ point: SweepPoint, split: DataSplit, onRound: (Int) -> Void) throws -> SweepRecord {
        let start = Date()
        let outcome = try spec.experiment(for: point).run(train: split.train, heldOut: split.test) { onRound($0.round) }
        let result = outcome.result
        var record = SweepRecord(kind: .federated, point: point, rmse: result.final.rmse, mae: result.final.mae)
        Self.describeRun(&record, plan: outcome.plan, ledger: outcome.ledger, rdp: outcome.epsilonSpent(.rdp), pld: outcome.epsilonSpent(.pld),
                         rounds: result.rounds.map { ($0.released, $0.participants) }, secondsPerRound: result.secondsPerRound,
                         stopReason: result.stopReason, start: start,
                         curve: result.rounds.compactMap { r in r.rmse.map { (r.round, $0) } }, final: result.final.rmse)
        return record
    }

    func runNeuMFPoint(_ point: SweepPoint, split: DataSplit, onRound: (Int) -> Void) throws -> SweepRecord {
        let start = Date()
        let run = try spec.neumfRun(for: point)
        let result = try NeuMFExperiment.federated(split: split, simulation: run.simulation, privacy: run.privacy) { onRound($0.round) }
        var record = SweepRecord(kind: .federated, point: point, hitRate: result.hitRateAt10, ndcg: result.ndcgAt10,
                                 sampledHitRate: result.sampledHitRateAt10, sampledNDCG: result.sampledNDCGAt10)
        Self.describeRun(&record, plan: result.privacy, ledger: result.ledger, rdp: result.epsilonSpent(.rdp), pld: result.epsilonSpent(.pld),
                         rounds: result.rounds.map { ($0.released, $0.participants) }, secondsPerRound: result.secondsPerRound ?? 0,
                         stopReason: result.stopReason, start: start,
                         curve: result.rounds.compactMap { r in r.hitRate.map { (r.round, $0) } }, final: result.hitRateAt10)
        return record
    }

    /// Fills the columns every federated row has, whichever the model: the plan's z, δ and m, ε
    /// spent, the schedule as it ran, timings, the stop reason and the learning curve (ending with
    /// the final value at the last round when the run did not evaluate there).
    static func describeRun(
        _ record: inout SweepRecord, plan: ResolvedPrivacy?, ledger: PrivacyLedger?, rdp: Double?, pld: Double?,
        rounds: [(released: Bool, participants: Int)], secondsPerRound: Double, stopReason: String?, start: Date,
        curve: [(round: Int, value: Double)], final: Double
    ) {
        if let plan {
            record.noiseMultiplier = plan.mechanism.noiseMultiplier
            record.delta = plan.delta
            record.minimumUpdates = plan.mechanism.trust == .distributed ? plan.mechanism.minimumUpdates : nil
        }
        record.epsilonRDP = rdp
        record.epsilonPLD = pld
        record.serverViewEpsilon = ledger?.serverViewEpsilon
        record.roundsRun = rounds.count
        record.roundsReleased = rounds.filter(\.released).count
        record.meanParticipants = rounds.isEmpty ? 0 : Double(rounds.map(\.participants).reduce(0, +)) / Double(rounds.count)
        record.secondsPerRound = secondsPerRound
        record.wallSeconds = Date().timeIntervalSince(start)
        record.stopReason = stopReason
        record.curve = curve
        if record.curve.last?.round != rounds.count, final.isFinite { record.curve.append((rounds.count, final)) }
    }

    /// A short description of a point for progress lines.
    public static func label(_ p: SweepPoint) -> String {
        let seed = "q \(p.schedule.samplingRate), T \(p.schedule.rounds), seed \(p.seed)"
        guard let trust = p.trust, let clip = p.clip else { return "non-private, \(seed)" }
        return "ε \(p.epsilon), \(trust.rawValue), C \(clip), \(seed)"
    }
}
