import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
import Foundation

/// `fedrec simulate`: the main job. A federated, differentially private simulation compared with
/// the centralized baseline on the same split (and, for a private run, with the same federation
/// without privacy).
public enum SimulateCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["simulate"],
        summary: "Federated, differentially private training compared with the centralized baseline.",
        discussion: """
            Every user is a client that keeps its history and user embedding; sampled clients send \
            clipped, noised updates of the item model. Without --data it runs on the built-in synthetic \
            data. Privacy unit: one user. Noise is secure (system CSPRNG) unless --seed is given, which \
            makes the whole run, noise included, reproducible and is labelled as not private.
            """,
        options: [OptionSpec("config", .string, valueName: "FILE", help: "JSON object of option names to values; flags override it.")]
            + DataOptions.specs + ModelOptions.specs + NeuMFRuns.specs + NeuMFRuns.federatedSpecs + SimulationOptions.training + SimulationOptions.privacy + [
                OptionSpec("seed", .int(0...Int.max), valueName: "S", default: "42",
                           help: "Seed of the split, initialization and sampling (and of the noise, when given explicitly)."),
                OptionSpec("processes", .int(1...256), valueName: "P",
                           help: "Run the federation over HTTP: an aggregation server on loopback and P client processes, each holding only its users' data."),
                .flag("no-baseline", help: "Skip the centralized baseline."),
                .flag("no-reference", help: "Private runs: skip the non-private federated reference run."),
                OptionSpec("out", .string, valueName: "DIR", help: "Write config.json, rounds.csv, result.json and ledger.json here."),
                .flag("json", help: "Print one JSON object on stdout (progress goes to stderr)."),
            ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        try SimulationOptions.checkConsistency(arguments)
        try NeuMFRuns.checkModelOptions(arguments)
        let seed = UInt64(arguments.int("seed")!)
        let config = try SimulationOptions.simulationConfig(arguments, seed: seed)
        let privacy = SimulationOptions.privacySettings(arguments, seed: seed)
        let experiment = FederatedExperiment(simulation: config, privacy: privacy)
        let json = arguments.flag("json")
        let say: (String) -> Void = { json ? console.note($0) : console.print($0) }
        let out = try arguments.string("out").map { try OutputFolder(path: $0) }

        let input = try DataOptions.load(arguments)
        if arguments.string("model") == "neumf" {
            return try NeuMFRuns.simulate(arguments, input: input, privacy: privacy, seed: seed, console: console)
        }
        let split = try ModelOptions.split(input.dataset, arguments, seed: seed)
        say("data: \(input.summary); \(split.train.userCount) clients, train \(split.train.count), held out \(split.test.count) ratings")
        let plan = try experiment.plan(population: split.train.userCount)
        if let plan { say(PrivacySummary.describe(plan)) } else { say("privacy: none (--no-dp)") }

        var baseline: CentralizedBaseline.Result? = nil
        var baselineAlgorithm: MFAlgorithm? = nil
        if !arguments.flag("no-baseline") {
            let algorithm = try ModelOptions.algorithm(arguments, seed: seed)
            baselineAlgorithm = algorithm
            var progress = ProgressReporter("centralized", total: algorithm.epochs, console: console)
            baseline = try CentralizedBaseline.train(algorithm, split: split) { r in
                progress.update(r.epoch, detail: String(format: "rmse %.4f", r.heldOut?.rmse ?? .nan))
            }
            say(String(format: "centralized baseline (%@): rmse %.4f, mae %.4f in %.2fs", algorithm.summary, baseline!.metrics.rmse, baseline!.metrics.mae, baseline!.trainSeconds))
        }

        var reference: FederatedExperiment.Outcome? = nil
        if privacy.enabled && !arguments.flag("no-reference") {
            let nonPrivate = FederatedExperiment(simulation: config, privacy: .none)
            var progress = ProgressReporter("federated, non-private", total: config.rounds, console: console)
            reference = try nonPrivate.run(train: split.train, heldOut: split.test) { r in
                progress.update(r.round, detail: r.rmse.map { String(format: "rmse %.4f", $0) } ?? "")
            }
            say(String(format: "federated, non-private: rmse %.4f, mae %.4f", reference!.result.final.rmse, reference!.result.final.mae))
        }

        var progress = ProgressReporter(privacy.enabled ? "federated, private" : "federated", total: config.rounds, console: console)
        let onRound: (RoundRecord) -> Void = { r in
            var detail = "participants \(r.participants)"
            if r.meanUpdateNorm.isFinite { detail += String(format: "  norm %.3f  loss %.4f", r.meanUpdateNorm, r.trainLoss) }
            if let rmse = r.rmse { detail += String(format: "  rmse %.4f", rmse) }
            if !r.released { detail += "  (discarded: \(r.discardReason ?? "?"))" }
            progress.update(r.round, detail: detail)
        }
        let outcome: FederatedExperiment.Outcome
        if let processes = arguments.int("processes") {
            outcome = try MultiProcessRun.run(experiment, processes: processes, split: split, onRound: onRound)
            if let url = out?.url("ledger.json"), let ledger = outcome.ledger { try ledger.save(to: url) }
        } else {
            outcome = try experiment.run(train: split.train, heldOut: split.test, ledgerURL: out?.url("ledger.json"), onRound: onRound)
        }
        let report = SimulationReport(
            input: input, split: split, config: config, privacy: privacy, outcome: outcome,
            baseline: baseline, baselineAlgorithm: baselineAlgorithm, reference: reference, seed: seed,
            processes: arguments.int("processes"))
        if let stop = outcome.result.stopReason { console.note("stopped after round \(outcome.result.rounds.count): \(stop)") }
        if let out { try report.write(to: out) }
        if json {
            console.print(report.json().serialized())
        } else {
            console.print("")
            console.print(report.table())
            if let out { console.print("wrote \(out.path)/{config.json, rounds.csv, result.json\(plan == nil ? "" : ", ledger.json")}") }
        }
    }
}

/// One-line descriptions of privacy plans for the console.
enum PrivacySummary {
    /// z, C, trust, m, q, T, δ, ε planned and the noise source.
    static func describe(_ plan: ResolvedPrivacy) -> String {
        let m = plan.mechanism
        var s = String(format: "privacy: user-level (ε ≤ %.4g, δ = %.3g); z = %.4g%@, C = %.4g, trust %@",
                       plan.epsilonBudget, plan.delta, m.noiseMultiplier, plan.calibrated ? " (calibrated)" : "", m.clipBound, m.trust.rawValue)
        if m.trust == .distributed { s += ", m = \(m.minimumUpdates)" }
        s += String(format: ", q = %.4g, %d rounds; planned ε: PLD %.4g, RDP %.4g; noise %@ (%@)",
                    plan.samplingRate, plan.rounds, plan.plannedEpsilonPLD, plan.plannedEpsilonRDP, plan.noise.description, plan.placement.rawValue)
        return s
    }
}
