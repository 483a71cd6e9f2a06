import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
import Foundation

/// `fedrec sweep`: a privacy/accuracy study. Runs a grid of ε (with ∞, the non-private run),
/// trust models, clip bounds, schedules and seeds one point after another, saving each completed
/// point to `results.csv` so an interrupted sweep resumes, and writes `report.md` and SVG charts.
public enum SweepCommand: FedRecCommand {
    /// Training options shared with `simulate`, minus the ones that become grid axes.
    static let trainingOptions = SimulationOptions.training.filter { !["rounds", "sampling-rate", "clients-per-round"].contains($0.name) }

    public static let spec = CommandSpec(
        ["sweep"],
        summary: "Privacy/accuracy sweep over ε, trust, clip, sampling rate and seeds, with a report and charts.",
        discussion: """
            Every point calibrates the noise multiplier z to its ε for its planned rounds, runs the \
            federated simulation and records its metrics, ε spent (RDP and PLD), z, wall time and, if \
            the run stopped early (a diverged model), why; ε = inf is the non-private federated run. \
            --model mf (default) trains biased MF on ratings and records RMSE/MAE; --model neumf trains \
            NeuMF on implicit feedback (leave-one-out by timestamp) and records HR@10 and NDCG@10 over \
            the full ranking, plus the sampled 1+99 protocol as labelled extra columns; its clients \
            train as in simulate --model neumf (shape --gmf-dim/--mlp-layers, 2 local epochs of Adam at \
            --neumf-lr, FedAvg at server lr 1 unless --server-optimizer or --server-lr say otherwise) \
            and it evaluates only at the end unless --eval-every is given. The centralized \
            baseline (SGD/ALS MF, or centralized NeuMF) runs once per seed on the same \
            split. Completed points are kept in DIR/results.csv; rerunning the same command resumes \
            (a different configuration or model is refused). Lists are comma-separated, in flags or in the \
            --config JSON file (e.g. {"epsilons": "1,2,4,8,inf", "seeds": "1,2,3"}). Noise is seeded \
            from each point's seed (reproducible, labelled not private) unless --secure-noise is given.
            """,
        options: [OptionSpec("config", .string, valueName: "FILE", help: "JSON object of option names to values; flags override it.")]
            + DataOptions.specs + ModelOptions.specs + NeuMFRuns.specs + NeuMFRuns.federatedSpecs + trainingOptions + [
                OptionSpec("epsilons", .string, valueName: "LIST", default: "0.5,1,2,4,8,16,inf", help: "ε budgets; inf is the non-private run."),
                OptionSpec("trusts", .string, valueName: "LIST", default: "distributed", help: "Trust models: central, distributed, local."),
                OptionSpec("clips", .string, valueName: "LIST", default: "0.5", help: "Clip bounds C."),
                OptionSpec("sampling-rates", .string, valueName: "LIST", default: "0.1", help: "Poisson sampling rates q, paired with --rounds."),
                OptionSpec("rounds", .string, valueName: "LIST", default: "300", help: "Rounds T for each sampling rate (one value applies to all; the default is the same for MF and NeuMF)."),
                OptionSpec("seeds", .string, valueName: "LIST", default: "1,2,3", help: "Seeds of split, initialization, sampling and noise."),
                OptionSpec("delta", .double(.openUnit), valueName: "D", help: "δ (default: min(1e-5, 1/(10·users)))."),
                OptionSpec("accountant", .choice(AccountantKind.allCases.map(\.rawValue)), valueName: "NAME", default: "pld",
                           help: "Accountant used for calibration and the budget (both are reported)."),
                OptionSpec("min-updates", .int(1...Int.max), valueName: "m", help: "Distributed trust: fewest updates per released round (default ⌊qN − 3√(qN)⌋)."),
                OptionSpec("noise", .choice(NoisePlacement.allCases.map(\.rawValue)), valueName: "WHERE", default: "aggregate",
                           help: "Noise drawn once for the aggregate (same released distribution, faster) or per party."),
                .flag("secure-noise", help: "Draw noise from the system CSPRNG instead of seeding it from each point's seed."),
                .flag("no-baseline", help: "Skip the centralized baseline."),
                OptionSpec("title", .string, valueName: "TEXT", default: "Privacy/accuracy sweep", help: "Title of report.md."),
                OptionSpec("out", .string, valueName: "DIR", help: "Folder for results.csv, report.md and the charts (required; reused to resume)."),
                OptionSpec("max-points", .int(0...Int.max), valueName: "N", help: "Run at most N pending points, then write the (partial) report and stop."),
                .flag("json", help: "Print one JSON summary object on stdout (progress goes to stderr)."),
            ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let neumf = arguments.string("model") == "neumf"
        try NeuMFRuns.checkModelOptions(arguments)
        let outPath = try arguments.required(string: "out")
        let json = arguments.flag("json")
        let say: (String) -> Void = { json ? console.note($0) : console.print($0) }
        let input = try DataOptions.load(arguments)
        // NeuMF: one leave-one-out split (by timestamp, so the same for every seed); MF: a random holdout per seed.
        let neumfSplit = neumf ? try NeuMFRuns.split(input, arguments) : nil
        let sweep = try spec(arguments, input: input, neumfSplit: neumfSplit)
        let folder = URL(fileURLWithPath: outPath)
        var results = try SweepResults(folder: folder, spec: sweep)
        let runner = SweepRunner(spec: sweep)
        let total = sweep.grid.points.count
        let pendingBefore = runner.pending(results).count
        say("data: \(input.summary)")
        say("sweep: \(total) points (\(sweep.grid.points.filter(\.isPrivate).count) private) over \(sweep.grid.seeds.count) seed(s); \(total - pendingBefore) already done in \(outPath)")

        var progress: ProgressReporter? = nil
        let ran = try runner.run(
            results: &results, limit: arguments.int("max-points"),
            split: { seed in try neumfSplit ?? ModelOptions.split(input.dataset, arguments, seed: seed) },
            baseline: arguments.flag("no-baseline") ? nil : { seed, split in
                if neumf {
                    let r = try NeuMFExperiment.centralized(split: split, config: sweep.neumfSimulation!.model, options: NeuMFRuns.trainingOptions(arguments),
                                                            seed: seed)
                    func ranking(_ full: RankingMetrics?, _ sampled: RankingMetrics?, _ seconds: Double) -> SweepRunner.BaselineMetrics.Ranking? {
                        full.map { .init(hitRate: $0.hitRate(at: 10), ndcg: $0.ndcg(at: 10), sampledHitRate: sampled?.hitRate(at: 10),
                                         sampledNDCG: sampled?.ndcg(at: 10), seconds: seconds) }
                    }
                    return .init(hitRate: r.hitRateAt10, ndcg: r.ndcgAt10, sampledHitRate: r.sampledHitRateAt10,
                                 sampledNDCG: r.sampledNDCGAt10, seconds: r.trainingSeconds,
                                 popularity: ranking(r.popularityFull, r.popularitySampled, 0),
                                 implicitMF: ranking(r.implicitMFFull, r.implicitMFSampled, r.implicitMFSeconds))
                }
                let r = try CentralizedBaseline.train(try ModelOptions.algorithm(arguments, seed: seed), split: split)
                return .init(rmse: r.metrics.rmse, mae: r.metrics.mae, seconds: r.trainSeconds)
            },
            onProgress: { p in
                if progress == nil { progress = ProgressReporter("sweep", total: max(p.roundsTotal, 1), console: console) }
                let current = p.roundsDone < p.roundsTotal ? min(p.pointsDone + 1, p.pointsTotal) : p.pointsDone
                progress!.update(p.roundsDone, detail: "point \(current)/\(p.pointsTotal): \(p.label)")
            })

        let report = SweepReport(spec: sweep, records: results.records, command: reproduction(arguments))
        try report.write(to: folder)
        let done = total - runner.pending(results).count
        if json {
            var o = JSONObjectBuilder()
            o.set("model", sweep.model.rawValue)
            o.set("points_total", total)
            o.set("points_done", done)
            o.set("points_run", ran)
            o.set("complete", done == total)
            o.set("out", outPath)
            console.print(o.value.serialized())
        } else {
            say("ran \(ran) point(s); \(done)/\(total) complete" + (done < total ? " (rerun the same command to resume)" : ""))
            say("wrote \(outPath)/{results.csv, report.md, " + report.charts().map(\.name).joined(separator: ", ") + "}")
        }
    }

    /// The study the options describe; `neumfSplit` is the leave-one-out split of a NeuMF sweep (nil for MF).
    static func spec(_ args: ParsedArguments, input: DataOptions.Input, neumfSplit: DataSplit? = nil) throws -> SweepSpec {
        let command = args.spec.invocation
        func list<T>(_ name: String, _ parse: (String) -> T?) throws -> [T] {
            let words = args.string(name)!.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return try words.map { w in
                guard let v = parse(w) else { throw UsageError("'--\(name)' has '\(w)', which is not allowed: \(args.spec.option(named: name)!.help)", command: command) }
                return v
            }
        }
        let epsilons = try list("epsilons") { ParsedArguments.parseDouble($0).flatMap { $0 > 0 ? $0 : nil } }
        let trusts = try list("trusts") { TrustModel(rawValue: $0) }
        let clips = try list("clips") { Double($0).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } }
        let rates = try list("sampling-rates") { Double($0).flatMap { $0 > 0 && $0 <= 1 ? $0 : nil } }
        var rounds = try list("rounds") { Int($0).flatMap { $0 >= 1 ? $0 : nil } }
        let seeds = try list("seeds") { UInt64($0) }
        if rounds.count == 1 { rounds = Array(repeating: rounds[0], count: rates.count) }
        guard rounds.count == rates.count else {
            throw UsageError("--rounds lists \(rounds.count) values but --sampling-rates lists \(rates.count); give one T per q, or a single T for all", command: command)
        }
        let grid: SweepGrid
        do {
            grid = try SweepGrid(epsilons: epsilons, trusts: trusts, clips: clips,
                                 schedules: zip(rates, rounds).map { SweepSchedule(samplingRate: $0, rounds: $1) }, seeds: seeds)
        } catch let e as ExperimentError {
            throw UsageError(e.message, command: command)
        }
        let title = args.string("title")!
        let accountant = AccountantKind(rawValue: args.string("accountant")!)!
        let placement = NoisePlacement(rawValue: args.string("noise")!)!
        if let split = neumfSplit {
            let threshold = args.double("implicit-threshold").map { "ratings ≥ \($0) count as interactions" } ?? "every rating counts as an interaction"
            let description = "leave-one-out by timestamp: each user's latest interaction held out, the same split for every seed; implicit feedback ("
                + (input.dataset.feedback == .implicit ? "as loaded" : threshold)
                + "); \(split.train.userCount) users, \(split.train.itemCount) items, \(split.train.count) training interactions, \(split.test.count) held out"
            let baseline = args.flag("no-baseline") ? nil : try NeuMFRuns.baselineSummary(args) + " (once per seed, same split)"
            let template = try NeuMFRuns.simulationConfig(
                args, rounds: 1, sampling: .poisson(rate: 0.1), evaluateEvery: args.isSet("eval-every") ? args.int("eval-every")! : 0, seed: 0)
            return SweepSpec(
                title: title, data: input.summary, split: description, baseline: baseline, neumf: template, delta: args.double("delta"),
                accountant: accountant, placement: placement, minimumUpdates: args.int("min-updates"),
                seededNoise: !args.flag("secure-noise"), grid: grid)
        }
        let holdout = args.double("holdout")!
        let split = input.dataset.feedback == .explicit
            ? "per-user random holdout of \(holdout) of each user's ratings, drawn from each point's seed (the same split for every point of a seed); \(input.dataset.userCount) users, \(input.dataset.itemCount) items, \(input.dataset.count) ratings"
            : "leave-last-out by timestamp; \(input.dataset.userCount) users, \(input.dataset.itemCount) items"
        let baseline = args.flag("no-baseline") ? nil : try ModelOptions.algorithm(args, seed: 0).summary + " (once per seed, same split)"
        return SweepSpec(
            title: title, data: input.summary, split: split, baseline: baseline,
            simulation: try trainingConfig(args), delta: args.double("delta"),
            accountant: accountant, placement: placement, minimumUpdates: args.int("min-updates"),
            seededNoise: !args.flag("secure-noise"), grid: grid)
    }

    /// The federated training template (rounds, sampling and seed are set per point).
    static func trainingConfig(_ args: ParsedArguments) throws -> SimulationConfig {
        return try SimulationConfig(
            rounds: 1, sampling: .poisson(rate: 0.1), dim: args.int("dim") ?? 16, local: SimulationOptions.localTraining(args),
            serverOptimizer: try SimulationOptions.serverOptimizer(args, defaultName: SimulationOptions.MFDefaults.serverOptimizer),
            evaluateEvery: args.int("eval-every") ?? SimulationOptions.MFDefaults.evaluateEvery, seed: 0,
            threads: args.int("threads") ?? SimulationConfig.defaultThreads)
    }

    /// A command line that reproduces the sweep: every option that was set, explicitly.
    static func reproduction(_ args: ParsedArguments) -> String {
        var words = ["fedrec", "sweep"]
        for o in args.spec.options where args.isSet(o.name) && !["config", "max-points", "json", "threads"].contains(o.name) {
            if o.kind.isFlag {
                if args.flag(o.name) { words.append("--\(o.name)") }
            } else {
                let v = args.string(o.name)!
                words += ["--\(o.name)", v.contains(" ") || v.contains("(") ? "'\(v)'" : v]
            }
        }
        return words.joined(separator: " ")
    }
}
