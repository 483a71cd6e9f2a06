import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
import Foundation

/// `--model neumf` for `baseline` and `simulate`: implicit feedback, leave-one-out by timestamp,
/// HR@10 and NDCG@10 over the full ranking (and the labelled sampled 1 + 99 protocol), with the
/// popularity baseline and implicit MF (Rendle et al. 2020) reported beside NeuMF.
enum NeuMFRuns {
    /// `fedrec baseline --model neumf`.
    static func baseline(_ args: ParsedArguments, input: DataOptions.Input, seed: UInt64, console: Console) throws {
        let json = args.flag("json")
        let say: (String) -> Void = { json ? console.note($0) : console.print($0) }
        let split = try split(input, args)
        say("data: \(input.summary); implicit, leave-one-out: train \(split.train.count), held out \(split.test.count)")
        let options = trainingOptions(args), shape = try modelConfig(args)
        say("model: \(try baselineSummary(args))")
        let result = try NeuMFExperiment.centralized(split: split, config: shape, options: options, seed: seed) { r in
            say(String(format: "epoch %3d  loss %.4f  %.2fs", r.epoch, r.meanLoss, r.elapsedSeconds))
        }
        if json {
            var o = metrics(result)
            o.set("model", "neumf")
            o.set("epochs", options.epochs)
            o.set("gmf_dim", shape.gmfDim)
            o.set("mlp_layers", shape.mlpLayers.map(String.init).joined(separator: ","))
            o.set("train_seconds", result.trainingSeconds)
            o.set("wall_seconds", result.wallSeconds)
            o.set("users", split.train.userCount)
            o.set("items", split.train.itemCount)
            o.set("seed", Int(seed))
            o.set("data", input.summary)
            console.print(o.value.serialized())
        } else {
            console.print(table([("NeuMF (centralized)", result)]))
        }
    }

    /// `fedrec simulate --model neumf`.
    static func simulate(_ args: ParsedArguments, input: DataOptions.Input, privacy: PrivacySettings, seed: UInt64,
                         console: Console) throws {
        let json = args.flag("json")
        let say: (String) -> Void = { json ? console.note($0) : console.print($0) }
        let split = try split(input, args)
        say("data: \(input.summary); implicit, leave-one-out: \(split.train.userCount) clients, train \(split.train.count), held out \(split.test.count)")
        let mf = try SimulationOptions.simulationConfig(args, seed: seed)
        let config = try simulationConfig(args, rounds: mf.rounds, sampling: mf.sampling,
                                          evaluateEvery: args.isSet("processes") ? 0 : args.int("eval-every") ?? 0, seed: seed)
        say("model: \(federatedSummary(config))")
        var rows: [(String, ImplicitResult)] = []
        var centralized: ImplicitResult? = nil
        if !args.flag("no-baseline") {
            say("centralized baseline: \(try baselineSummary(args))")
            centralized = try NeuMFExperiment.centralized(split: split, config: config.model, options: trainingOptions(args), seed: seed)
            rows.append(("NeuMF, centralized", centralized!))
        }
        if let processes = args.int("processes") {
            return try MultiProcessRun.neumf(args, config: config, privacy: privacy, processes: processes, split: split,
                                             centralized: centralized, input: input, seed: seed, console: console)
        }
        var progress = ProgressReporter("federated NeuMF", total: config.rounds, console: console)
        let out = try args.string("out").map { try OutputFolder(path: $0) }
        let result = try NeuMFExperiment.federated(split: split, simulation: config, privacy: privacy,
                                                   ledgerURL: out?.url("ledger.json")) { r in
            progress.update(r.round, detail: "participants \(r.participants)" + (r.hitRate.map { String(format: "  HR@10 %.4f", $0) } ?? ""))
        }
        rows.append((privacy.enabled ? String(format: "NeuMF, federated, ε = %.3g (%@)", result.ledger?.epsilonSpentSoFar ?? .nan,
                                              result.ledger?.spentAccountant?.rawValue ?? "none") : "NeuMF, federated", result))
        let o = federatedReport(result, centralized: centralized, privacyEnabled: privacy.enabled, model: config.model,
                                split: split, input: input, seed: seed)
        if let out {
            try write(to: out, data: input.summary, seed: seed, config: config, privacy: privacy, result: result, report: o)
        }
        if json {
            console.print(o.value.serialized())
        } else {
            console.print("")
            console.print(table(rows))
            if let ledger = result.ledger { console.print("noise: \(ledger.noiseSource)") }
            if let c = result.finalClipBound, let plan = result.privacy {
                console.print(String(format: "adaptive clipping: C %.4g → %.4g", plan.mechanism.clipBound, c))
            }
        }
    }

    /// The ranking metrics of a result, NeuMF first, then the comparisons.
    static func metrics(_ r: ImplicitResult) -> JSONObjectBuilder {
        var o = JSONObjectBuilder()
        o.set("hr_at_10", r.hitRateAt10)
        o.set("ndcg_at_10", r.ndcgAt10)
        o.set("sampled_hr_at_10", r.sampledHitRateAt10)
        o.set("sampled_ndcg_at_10", r.sampledNDCGAt10)
        o.set("sampled_protocol", "1 held-out positive + \(NeuMFExperiment.sampledNegatives) sampled negatives")
        o.set("popularity_hr_at_10", r.popularityFull.hitRate(at: 10))
        o.set("popularity_ndcg_at_10", r.popularityFull.ndcg(at: 10))
        o.set("implicit_mf_hr_at_10", r.implicitMFFull?.hitRate(at: 10))
        o.set("implicit_mf_ndcg_at_10", r.implicitMFFull?.ndcg(at: 10))
        return o
    }

    /// The report of a federated run, in-process or over the server (`--processes`): the ranking
    /// metrics, the centralized comparison, the privacy spent, the schedule, the model's shape and
    /// the data, the same keys in the same order (absent values are `null`, never missing).
    /// `simulate --processes` adds `processes`.
    static func federatedReport(_ r: ImplicitResult, centralized: ImplicitResult?, privacyEnabled: Bool, model: NeuMFConfig,
                                split: DataSplit, input: DataOptions.Input, seed: UInt64) -> JSONObjectBuilder {
        var o = metrics(r)
        o.set("centralized_hr_at_10", centralized?.hitRateAt10)
        o.set("centralized_ndcg_at_10", centralized?.ndcgAt10)
        o.set("private", privacyEnabled)
        o.set("epsilon", r.ledger.map { $0.epsilonSpentSoFar })
        o.set("epsilon_accountant", r.ledger?.spentAccountant.map { .string($0.rawValue) } ?? .null)
        o.set("epsilon_pld", r.epsilonSpent(.pld))
        o.set("epsilon_rdp", r.epsilonSpent(.rdp))
        o.set("server_view_epsilon", r.ledger?.serverViewEpsilon)
        o.set("delta", r.privacy?.delta)
        o.set("noise_multiplier", r.privacy?.mechanism.noiseMultiplier)
        o.set("clip", r.privacy?.mechanism.clipBound)
        o.set("trust", r.privacy.map { .string($0.mechanism.trust.rawValue) } ?? .null)
        o.set("noise_source", r.privacy.map { .string($0.noise.description) } ?? .null)
        o.set("noise_seeded", r.privacy.map { .bool(!$0.noise.isPrivate) } ?? .null)
        o.set("rounds", r.steps)
        o.set("stop_reason", r.stopReason.map { .string($0) } ?? .null)
        o.set("wall_seconds", r.wallSeconds)
        o.set("seconds_per_round", r.secondsPerRound)
        o.set("adaptive_clip", r.finalClipBound != nil)
        o.set("final_clip", r.finalClipBound)
        o.set("model", "neumf")
        o.set("gmf_dim", model.gmfDim)
        o.set("mlp_layers", model.mlpLayers.map(String.init).joined(separator: ","))
        o.set("users", split.train.userCount)
        o.set("items", split.train.itemCount)
        o.set("seed", Int(seed))
        o.set("data", input.summary)
        return o
    }

    /// The comparison table: full ranking and sampled protocol side by side.
    static func table(_ rows: [(String, ImplicitResult)]) -> String {
        // The label column fits the longest label (an ε row names its accountant), at least 30 wide.
        let width = max(30, rows.map { $0.0.count }.max() ?? 0)
        var lines = ["".padding(toLength: width, withPad: " ", startingAt: 0) + "  HR@10  NDCG@10   (sampled 1+99: HR@10  NDCG@10)"]
        func line(_ name: String, _ full: RankingMetrics, _ sampled: RankingMetrics?) {
            var s = name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "  %.4f  %.4f", full.hitRate(at: 10), full.ndcg(at: 10))
            if let sampled { s += String(format: "                   %.4f  %.4f", sampled.hitRate(at: 10), sampled.ndcg(at: 10)) }
            lines.append(s)
        }
        for (name, r) in rows { line(name, r.full, r.sampled) }
        if let last = rows.last?.1 {
            if let mf = last.implicitMFFull { line("implicit MF (centralized)", mf, last.implicitMFSampled) }
            line("popularity", last.popularityFull, last.popularitySampled)
        }
        return lines.joined(separator: "\n") + "\nfull ranking over all items the user has not interacted with (the default protocol)"
    }
}
