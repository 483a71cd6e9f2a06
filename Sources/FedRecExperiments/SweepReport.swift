import FedRecFederation
import FedRecModels
import FedRecPrivacy
import FedRecReport
import Foundation

/// The report of a sweep: `report.md` with every parameter a reader needs to reproduce it and a
/// table of mean ± std over seeds, and SVG charts (metric vs ε on a log axis with the centralized
/// and non-private federated levels as reference lines; learning curves per ε).
public struct SweepReport: Sendable {
    /// The study.
    public var spec: SweepSpec
    /// Its completed rows (a partial sweep gives a partial report).
    public var records: [SweepRecord]
    /// The command that reproduces the sweep (shown in a code block), if known.
    public var command: String?

    /// Creates a report.
    public init(spec: SweepSpec, records: [SweepRecord], command: String? = nil) {
        self.spec = spec
        self.records = records
        self.command = command
    }

    /// Mean and sample standard deviation (nil for one value).
    public static func meanStd(_ xs: [Double]) -> (mean: Double, std: Double?) {
        guard !xs.isEmpty else { return (.nan, nil) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        guard xs.count > 1 else { return (mean, nil) }
        let v = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)
        return (mean, v.squareRoot())
    }

    private var federated: [SweepRecord] { records.filter { $0.kind == .federated } }
    private var centralized: [SweepRecord] { records.filter { $0.kind == .centralized } }
    private var popularity: [SweepRecord] { records.filter { $0.kind == .popularity } }
    private var implicitMF: [SweepRecord] { records.filter { $0.kind == .implicitMF } }
    private var nonPrivate: [SweepRecord] { completed.filter { !$0.point.isPrivate } }
    /// Federated rows that ran their planned rounds: what the table's means and the charts use.
    private var completed: [SweepRecord] { federated.filter { !$0.stoppedEarly } }
    /// Federated rows whose run stopped early (diverged, or the budget): listed, never plotted.
    private var stopped: [SweepRecord] { federated.filter(\.stoppedEarly) }

    /// The private series (trust, clip, schedule) in grid order.
    var seriesKeys: [SweepPoint.SeriesKey] {
        var keys: [SweepPoint.SeriesKey] = []
        for s in spec.grid.schedules { for t in spec.grid.trusts { for c in spec.grid.clips {
            keys.append(.init(trust: t, clip: c, schedule: s))
        } } }
        return keys
    }

    func seriesName(_ k: SweepPoint.SeriesKey) -> String {
        var parts: [String] = []
        parts.append(k.trust?.rawValue ?? "non-private")
        if let c = k.clip { parts.append("C = \(ReportFormat.general(c))") }
        if spec.grid.schedules.count > 1 { parts.append("q = \(ReportFormat.general(k.schedule.samplingRate)), T = \(k.schedule.rounds)") }
        return parts.joined(separator: ", ")
    }

    /// The metric named `id` (`rmse`, `mae`, `hr_at_10`, `ndcg_at_10`, …); the model's headline for an unknown name.
    func metric(named id: String) -> SweepMetric {
        ([SweepMetric.rmse, .mae, .hitRate, .ndcg, .sampledHitRate, .sampledNDCG]).first { $0.id == id } ?? spec.model.headline
    }

    /// The y-axis label of `metric`: MF keeps "held-out RMSE"; ranking metrics name the protocol and direction.
    func axisLabel(_ metric: SweepMetric) -> String {
        metric.higherIsBetter ? "held-out \(metric.label), full ranking (higher is better)" : "held-out \(metric.label)"
    }

    /// The model's name in sentences.
    var modelDescription: String { spec.model == .mf ? "federated matrix factorization" : "federated NeuMF" }

    /// The metric vs ε chart for `metric` (`rmse` or `mae` for MF, `hr_at_10` or `ndcg_at_10` for
    /// NeuMF): one series per trust/clip/schedule with mean ± std over seeds, the non-private run in
    /// the ∞ slot, and reference lines. Points that stopped early are left out (the report lists them).
    public func epsilonChart(metric id: String) -> LineChart {
        let metric = metric(named: id)
        let value: (SweepRecord) -> Double? = { metric.value($0) }
        let deltaText = deltaDescription
        let name = metric.higherIsBetter ? metric.label : metric.id.uppercased()
        var chart = LineChart(title: "\(name) vs privacy budget ε (user-level, δ = \(deltaText))",
                              xLabel: "ε (log scale; ∞ = non-private)", yLabel: axisLabel(metric), xScale: .log10)
        for k in seriesKeys {
            var points: [LineChart.Point] = []
            for e in spec.grid.privateEpsilons {
                let ys = completed.filter { $0.point.seriesKey == k && $0.point.epsilon == e }.compactMap(value)
                guard !ys.isEmpty else { continue }
                let (m, s) = Self.meanStd(ys)
                points.append(.init(x: e, y: m, error: s))
            }
            let np = nonPrivate.filter { $0.point.schedule == k.schedule }.compactMap(value)
            if !np.isEmpty {
                let (m, s) = Self.meanStd(np)
                points.append(.init(x: .infinity, y: m, error: s))
            }
            if !points.isEmpty { chart.series.append(.init(seriesName(k), points: points)) }
        }
        let c = centralized.compactMap(value)
        if !c.isEmpty { chart.referenceLines.append(.init("centralized", y: Self.meanStd(c).mean)) }
        let np = nonPrivate.compactMap(value)
        if !np.isEmpty { chart.referenceLines.append(.init("federated, non-private", y: Self.meanStd(np).mean)) }
        let pop = popularity.compactMap(value)
        if !pop.isEmpty { chart.referenceLines.append(.init("popularity", y: Self.meanStd(pop).mean)) }
        chart.accessibleDescription = metric.higherIsBetter
            ? "Held-out \(metric.label) over the full ranking (higher is better) of \(modelDescription) at each ε, mean ± std over \(spec.grid.seeds.count) seed(s)."
            : "Held-out \(metric.id.uppercased()) of \(modelDescription) at each ε, mean ± std over \(spec.grid.seeds.count) seed(s)."
        return chart
    }

    /// Learning curves (the headline metric, held-out RMSE or HR@10, vs round, mean over seeds) for
    /// one trust/clip/schedule, one series per ε.
    public func learningCurves(_ k: SweepPoint.SeriesKey) -> LineChart {
        let metric = spec.model.headline
        var chart = LineChart(title: "Learning curves: \(seriesName(k))" + (spec.grid.schedules.count > 1 ? "" : ", q = \(ReportFormat.general(k.schedule.samplingRate)), T = \(k.schedule.rounds)"),
                              xLabel: "round", yLabel: axisLabel(metric))
        var groups: [(String, [SweepRecord])] = spec.grid.privateEpsilons.map { e in
            ("ε = \(ReportFormat.general(e))", completed.filter { $0.point.seriesKey == k && $0.point.epsilon == e })
        }
        groups.append(("non-private", nonPrivate.filter { $0.point.schedule == k.schedule }))
        for (name, rs) in groups where !rs.isEmpty {
            var byRound: [Int: [Double]] = [:]
            for r in rs { for (round, y) in r.curve { byRound[round, default: []].append(y) } }
            let rounds = byRound.keys.sorted()
            chart.series.append(.init(name, x: rounds.map(Double.init), y: rounds.map { Self.meanStd(byRound[$0]!).mean },
                                      showsMarkers: rounds.count <= 20))
        }
        let c = centralized.compactMap { metric.value($0) }
        if !c.isEmpty { chart.referenceLines.append(.init("centralized", y: Self.meanStd(c).mean)) }
        return chart
    }

    /// Whether the runs evaluate during training (else a learning curve is a single final point):
    /// MF always draws them; NeuMF only with an evaluation interval (its evaluation fits every
    /// held-out user and ranks every item, so it is off by default).
    var drawsLearningCurves: Bool { spec.model == .mf || (spec.neumfSimulation?.evaluateEvery ?? 0) > 0 }

    /// File names and SVG text of every chart: `<metric>_vs_epsilon.svg` per charted metric, then
    /// the learning curves.
    public func charts() -> [(name: String, svg: String)] {
        var out = spec.model.chartedMetrics.map { ("\($0.id)_vs_epsilon.svg", epsilonChart(metric: $0.id).render()) }
        let keys = seriesKeys
        if drawsLearningCurves {
            for (i, k) in keys.enumerated() {
                out.append((keys.count == 1 ? "learning_curves.svg" : "learning_curves_\(i + 1).svg", learningCurves(k).render()))
            }
        }
        return out
    }

    /// δ as stated: the fixed value, or the values the runs resolved (population-dependent default).
    var deltaDescription: String {
        if let d = spec.delta { return ReportFormat.general(d) }
        let ds = Set(federated.compactMap(\.delta))
        if ds.count == 1 { return ReportFormat.general(ds.first!) }
        return "min(1e-5, 1/(10·N))"
    }

    /// The reproduction parameters, in the order the report lists them.
    public var parameters: [(key: String, value: String)] {
        let schedules = spec.grid.schedules.map { "q = \(ReportFormat.general($0.samplingRate)), T = \($0.rounds)" }
        let ms = Set(federated.compactMap(\.minimumUpdates)).sorted()
        var out: [(key: String, value: String)] = [
            ("privacy unit", "user (add/remove one user's whole history)"),
            ("δ", deltaDescription),
            ("accountant", "\(spec.accountant.rawValue.uppercased()) calibrates z to each ε for the planned rounds; ε spent is reported under both RDP and PLD"),
            ("sampling", "Poisson; " + schedules.joined(separator: "; ")),
            ("ε grid", spec.grid.epsilons.map { ReportFormat.general($0) }.joined(separator: ", ")),
            ("C (clip)", spec.grid.clips.map { ReportFormat.general($0) }.joined(separator: ", ")),
            ("trust model", spec.grid.trusts.map(\.rawValue).joined(separator: ", ")
                + (ms.isEmpty ? "" : (spec.grid.trusts.count == 1 ? " (m = " : " (distributed: m = ") + ms.map(String.init).joined(separator: ", ") + ")")),
            ("noise source", (spec.seededNoise ? "seeded (simulation only, not private)" : "secure (system CSPRNG)")
                + ", \(spec.placement.rawValue) noise" + (spec.placement == .aggregate ? " (one draw of the aggregate's total noise: the same released distribution, faster)" : "")),
            ("seeds", spec.grid.seeds.map(String.init).joined(separator: ", ")),
            ("data set", spec.data),
            ("split", spec.split),
        ]
        if let sim = spec.simulation {
            let local = sim.local
            out += [
                ("model", "biased MF, dim \(sim.dim); user embedding: \(local.userState)"),
                ("local training", "\(local.epochs) epochs, lr \(local.learningRate), reg \(local.regularization), user ridge λ \(local.userRegularization)"),
                ("server optimizer", "\(sim.serverOptimizer.name), lr \(sim.serverOptimizer.learningRate)"),
                ("evaluation", "held-out RMSE/MAE every \(sim.evaluateEvery) rounds and at the end"),
            ]
        } else if let sim = spec.neumfSimulation {
            let m = sim.model, local = sim.local
            out += [
                ("model", "NeuMF (GMF \(m.gmfDim) + MLP \(m.mlpLayers.map(String.init).joined(separator: "→"))), implicit feedback; user embedding: "
                    + (sim.persistentUserState ? "persistent" : "reconstruct")),
                ("local training", "\(local.epochs) epochs (+ \(local.userOnlyEpochs) user-only), batch \(local.batchSize), \(Self.describe(local.optimizer)), \(local.negativesPerPositive) negatives per positive"),
                ("server optimizer", "\(sim.serverOptimizer.name), lr \(sim.serverOptimizer.learningRate)"),
                ("evaluation", "HR@10 and NDCG@10 over the full ranking of every item the user has not interacted with (higher is better), "
                    + (sim.evaluateEvery > 0 ? "every \(sim.evaluateEvery) rounds and at the end" : "at the end")
                    + "; the sampled protocol (1 held-out item + \(NeuMFExperiment.sampledNegatives) sampled negatives, NCF paper) is reported beside it, labelled"),
            ]
        }
        out.append(("centralized baseline", spec.baseline ?? "not run"))
        return out
    }

    /// A NeuMF optimizer in words.
    static func describe(_ o: NeuMFOptimizer) -> String {
        switch o {
        case .sgd(let lr): "SGD lr \(lr)"
        case .adam(let h): "Adam lr \(h.learningRate)"
        }
    }

    /// The markdown report.
    public func markdown() -> String {
        var md = MarkdownReport()
        md.heading(spec.title)
        let done = federated.count, total = spec.grid.points.count
        let intro = spec.model == .mf
            ? "Federated matrix factorization under user-level differential privacy: held-out accuracy at each privacy budget ε, "
            : "Federated NeuMF on implicit feedback under user-level differential privacy: HR@10 and NDCG@10 over the full ranking "
                + "(higher is better) at each privacy budget ε, "
        md.paragraph(intro + "mean ± std over \(spec.grid.seeds.count) seed(s). \(done) of \(total) points completed"
            + (done < total ? " (partial: resume the sweep to complete it)." : "."))
        md.heading("Parameters", level: 2)
        md.parameters(parameters)
        if let command { md.codeBlock(command, language: "sh") }
        md.heading("Results", level: 2)
        md.table(resultsTable())
        let headline = spec.model.headline
        md.paragraph("ε target is the budget z was calibrated to for the planned rounds; ε spent is what the ledger recorded for the rounds released "
            + "against whoever sees the released model. ε vs server is the guarantee of one client's updates against the aggregation server itself "
            + "(no amplification by sampling; none under central trust, where the server sees clipped updates in the clear). "
            + (spec.model == .mf
                ? "ΔRMSE compares with the non-private federated run of the same schedule (same split, same seeds)."
                : "Δ\(headline.label) is the relative change from the non-private federated run of the same schedule (same split, same seeds); "
                    + "\(headline.label) is higher-is-better, so a negative Δ is the ranking quality privacy costs. "
                    + "The sampled columns rank the held-out item among \(NeuMFExperiment.sampledNegatives) sampled negatives (the NCF paper's protocol); "
                    + "they are optimistic next to the full ranking and shown for comparison only."
                    + (popularity.isEmpty ? "" : " Popularity ranks items by their interaction count in the training split: "
                        + "a private model below it has learned nothing a count would not tell.")))
        if !stopped.isEmpty {
            md.heading("Stopped early", level: 2)
            md.paragraph("These points stopped before their planned rounds; they are left out of the means above and of the charts.")
            md.bulletList(stopped.map { r in
                "\(Self.label(r.point)): \(r.roundsRun) of \(r.point.schedule.rounds) rounds; \(r.stopReason ?? "")"
            })
        }
        md.heading("Charts", level: 2)
        for (name, _) in charts() { md.image(name.replacingOccurrences(of: ".svg", with: "").replacingOccurrences(of: "_", with: " "), path: name) }
        let total_s = records.map(\.wallSeconds).reduce(0, +)
        md.paragraph("Total compute time of the completed points: \(ReportFormat.fixed(total_s, decimals: 1)) s.")
        return md.render()
    }

    /// A point in words for the stopped-early list.
    static func label(_ p: SweepPoint) -> String {
        let seed = "seed \(p.seed), q = \(ReportFormat.general(p.schedule.samplingRate)), T = \(p.schedule.rounds)"
        guard let trust = p.trust, let clip = p.clip else { return "non-private, \(seed)" }
        return "ε = \(ReportFormat.general(p.epsilon)), \(trust.rawValue), C = \(ReportFormat.general(clip)), \(seed)"
    }

    /// The results table: the centralized baseline (and, for NeuMF, implicit MF and popularity on
    /// the same split), then per schedule the non-private run and every trust/clip/ε, mean ± std
    /// over the seeds that ran to the end.
    func resultsTable() -> MarkdownTable {
        let metrics: [SweepMetric] = spec.model == .mf ? [.rmse, .mae] : [.hitRate, .ndcg, .sampledHitRate, .sampledNDCG]
        let headline = spec.model.headline
        var table = MarkdownTable(columns: [
            .init("run"), .init("ε target", alignment: .right), .init("z", alignment: .right),
            .init("ε spent PLD", alignment: .right), .init("ε spent RDP", alignment: .right), .init("ε vs server", alignment: .right),
        ] + metrics.map { .init($0.label, alignment: .right) } + [
            .init("Δ\(headline.label) vs non-private", alignment: .right),
            .init("s/point", alignment: .right),
        ])
        func ms(_ xs: [Double], _ d: Int) -> String { let v = Self.meanStd(xs); return ReportFormat.meanStd(v.mean, v.std, decimals: d) }
        for (name, c) in [("centralized", centralized), ("implicit MF (centralized)", implicitMF), ("popularity", popularity)] where !c.isEmpty {
            table.append([name, "–", "–", "–", "–", "–"] + metrics.map { m in
                let xs = c.compactMap { m.value($0) }
                return xs.isEmpty ? "–" : ms(xs, 4)
            } + ["", ReportFormat.fixed(Self.meanStd(c.map(\.wallSeconds)).mean, decimals: 1)])
        }
        for s in spec.grid.schedules {
            let np = nonPrivate.filter { $0.point.schedule == s }
            let npMean = Self.meanStd(np.compactMap { headline.value($0) }).mean
            func row(_ name: String, _ eps: String, _ all: [SweepRecord]) {
                let rs = all.filter { !$0.stoppedEarly }
                guard !rs.isEmpty else { return }
                func mean(_ xs: [Double?], _ d: Int) -> String {
                    let v = xs.compactMap { $0 }
                    return v.isEmpty ? "–" : ReportFormat.general(Self.meanStd(v).mean, significantDigits: d)
                }
                let rm = Self.meanStd(rs.compactMap { headline.value($0) }).mean
                let change = (rm / npMean - 1) * 100
                let delta = np.isEmpty || !rs[0].point.isPrivate ? "" : change.isFinite ? String(format: "%+.1f%%", change) : "n/a (diverged)"
                let stoppedNote = all.count > rs.count ? " (\(all.count - rs.count) stopped early)" : ""
                table.append([name + stoppedNote, eps, mean(rs.map(\.noiseMultiplier), 4), mean(rs.map(\.epsilonPLD), 4), mean(rs.map(\.epsilonRDP), 4),
                              !rs[0].point.isPrivate ? "–" : rs[0].point.trust == .central ? "none" : mean(rs.map(\.serverViewEpsilon), 3)]
                              + metrics.map { m in
                                  let xs = rs.compactMap { m.value($0) }
                                  return xs.isEmpty ? "–" : ms(xs, 4)
                              }
                              + [delta, ReportFormat.fixed(Self.meanStd(rs.map(\.wallSeconds)).mean, decimals: 1)])
            }
            let sched = spec.grid.schedules.count > 1 ? " (q = \(ReportFormat.general(s.samplingRate)), T = \(s.rounds))" : ""
            row("federated, non-private" + sched, "∞", federated.filter { !$0.point.isPrivate && $0.point.schedule == s })
            for t in spec.grid.trusts { for clip in spec.grid.clips { for e in spec.grid.privateEpsilons {
                let rs = federated.filter { $0.point.schedule == s && $0.point.trust == t && $0.point.clip == clip && $0.point.epsilon == e }
                row("\(t.rawValue), C = \(ReportFormat.general(clip))" + sched, ReportFormat.general(e), rs)
            } } }
        }
        return table
    }

    /// Writes report.md and the charts into `folder` (atomically, file by file).
    public func write(to folder: URL) throws {
        for (name, svg) in charts() { try SweepResults.write(svg, to: folder.appendingPathComponent(name)) }
        try SweepResults.write(markdown(), to: folder.appendingPathComponent("report.md"))
    }
}
