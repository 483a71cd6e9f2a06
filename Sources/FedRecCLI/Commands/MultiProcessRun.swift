import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecHarness
import FedRecModels
import FedRecPrivacy
import FedRecServer
import Foundation

/// `simulate --processes P`: the same experiment with the aggregation server on loopback and P
/// client processes, each holding only its shard of users, reported exactly like an in-process run.
enum MultiProcessRun {
    /// Runs `experiment` over HTTP with `processes` client processes of this executable.
    static func run(
        _ experiment: FederatedExperiment, processes: Int, split: DataSplit, onRound: (RoundRecord) -> Void
    ) throws -> FederatedExperiment.Outcome {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let run = MultiProcessSimulation(
            executable: MultiProcessSimulation.currentExecutable, processes: processes,
            simulation: experiment.simulation, privacy: experiment.privacy,
            threadsPerProcess: max(1, cores / processes))
        var elapsed = 0.0
        let outcome = try run.run(train: split.train, heldOut: split.test) { r in
            elapsed += r.seconds
            onRound(Self.record(r, elapsed: elapsed))
        }
        var elapsedSoFar = 0.0
        let records = outcome.rounds.map { r -> RoundRecord in
            elapsedSoFar += r.seconds
            return Self.record(r, elapsed: elapsedSoFar)
        }
        let result = SimulationResult(
            config: experiment.simulation, rounds: records, final: outcome.final, model: outcome.model!,
            optimizerState: outcome.optimizerState, secondsPerRound: outcome.secondsPerRound,
            trainingSeconds: outcome.trainingSeconds, wallSeconds: outcome.wallSeconds, stopReason: outcome.stopReason)
        return FederatedExperiment.Outcome(result: result, plan: outcome.plan, ledger: outcome.ledger, population: outcome.population,
                                           finalClipBound: outcome.finalClipBound)
    }

    /// Server-side NeuMF rounds as simulation records (norms, losses and per-round metrics stay
    /// on the clients: NaN and nil).
    static func neumfRecords(_ rounds: [FederatedRoundCoordinator.RoundOutcome]) -> [NeuMFRoundRecord] {
        var elapsed = 0.0
        return rounds.map { r in
            elapsed += r.seconds
            return NeuMFRoundRecord(round: Int(r.round), participants: r.received, meanUpdateNorm: .nan, trainLoss: .nan,
                                    released: r.released, discardReason: r.discardReason, roundSeconds: r.seconds, elapsedSeconds: elapsed)
        }
    }

    /// A server-side round as a simulation record: the server knows who reported, not their
    /// norms or losses (those stay on the clients), so those fields are NaN.
    static func record(_ r: FederatedRoundCoordinator.RoundOutcome, elapsed: Double) -> RoundRecord {
        RoundRecord(round: Int(r.round), participants: r.received, meanUpdateNorm: .nan, trainLoss: .nan,
                    released: r.released, discardReason: r.discardReason, roundSeconds: r.seconds, elapsedSeconds: elapsed)
    }

    /// `simulate --model neumf --processes P`: federated NeuMF with the server on loopback and P
    /// client processes; the model is bit-identical to the in-process ``NeuMFSimulation`` for the
    /// seed, and HR/NDCG (full ranking and the sampled 1 + 99 protocol) are the clients' local
    /// rankings summed, as the in-process evaluation sums them. Prints (and writes to --out) what
    /// the in-process path reports; the clients' losses and norms stay on the clients.
    static func neumf(
        _ args: ParsedArguments, config: NeuMFSimulationConfig, privacy: PrivacySettings, processes: Int, split: DataSplit,
        centralized: ImplicitResult?, input: DataOptions.Input, seed: UInt64, console: Console
    ) throws {
        let json = args.flag("json")
        let out = try args.string("out").map { try OutputFolder(path: $0) }
        if let url = out?.url("ledger.json"), FileManager.default.fileExists(atPath: url.path) {
            throw CLIError("\(url.path) already holds the privacy ledger of another run; it is never replaced: choose a new output folder")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let run = try MultiProcessSimulation(
            executable: MultiProcessSimulation.currentExecutable, processes: processes, neumf: config, privacy: privacy,
            threadsPerProcess: max(1, cores / processes))
        var progress = ProgressReporter("federated NeuMF (\(processes) processes)", total: config.rounds, console: console)
        let outcome = try run.run(train: split.train, heldOut: split.test) { r in
            progress.update(Int(r.round), detail: "participants \(r.received)\(r.released ? "" : " (discarded)")")
        }
        if let url = out?.url("ledger.json"), let ledger = outcome.ledger { try ledger.save(to: url) }
        if let stop = outcome.stopReason { console.note("stopped after round \(outcome.rounds.count): \(stop)") }
        let ranking = outcome.ranking ?? []
        guard ranking.count == 2 else { throw CLIError("the client processes returned no ranking metrics") }
        let (full, sampled) = (ranking[0], ranking[1])
        // The popularity baseline under both protocols, as the in-process report shows it.
        let train = split.train.byUser(), test = split.test.byUser()
        let popularity = PopularityBaseline(train: split.train)
        let popFull = try RankingEvaluator(cutoffs: config.cutoffs, candidates: full.candidates).evaluate(popularity, train: train, test: test)
        let popSampled = try RankingEvaluator(cutoffs: config.cutoffs, candidates: sampled.candidates).evaluate(popularity, train: train, test: test)
        var result = ImplicitResult(
            setting: "federated", full: full, sampled: sampled, popularityFull: popFull, popularitySampled: popSampled,
            trainingSeconds: outcome.trainingSeconds,
            // Everything outside the training rounds: shards, process start, the clients' evaluation.
            evaluationSeconds: max(0, outcome.wallSeconds - outcome.trainingSeconds),
            wallSeconds: outcome.wallSeconds, secondsPerRound: outcome.secondsPerRound, steps: outcome.rounds.count,
            rounds: neumfRecords(outcome.rounds), privacy: outcome.plan, ledger: outcome.ledger, stopReason: outcome.stopReason,
            users: split.train.userCount, items: split.train.itemCount, trainInteractions: split.train.count, evaluatedUsers: full.userCount)
        result.finalClipBound = outcome.finalClipBound
        var o = NeuMFRuns.federatedReport(result, centralized: centralized, privacyEnabled: privacy.enabled, model: config.model,
                                          split: split, input: input, seed: seed)
        o.set("processes", processes)
        if let out {
            try NeuMFRuns.write(to: out, data: input.summary, seed: seed, config: config, privacy: privacy, result: result, report: o)
        }
        if json {
            console.print(o.value.serialized())
            return
        }
        var rows: [(String, ImplicitResult)] = []
        if let c = centralized { rows.append(("NeuMF, centralized", c)) }
        rows.append((privacy.enabled ? String(format: "NeuMF, federated, ε = %.3g (%@)", outcome.ledger?.epsilonSpentSoFar ?? .nan,
                                              outcome.ledger?.spentAccountant?.rawValue ?? "none") : "NeuMF, federated", result))
        var lines = ["", NeuMFRuns.table(rows)]
        lines.append(String(format: "%d rounds in %.2f s (%.3f s/round) over HTTP with %d client processes", outcome.rounds.count,
                            outcome.trainingSeconds, outcome.secondsPerRound, processes))
        if let ledger = outcome.ledger { lines.append("noise: \(ledger.noiseSource)") }
        if let c = outcome.finalClipBound, let plan = outcome.plan {
            lines.append(String(format: "adaptive clipping: C %.4g → %.4g", plan.mechanism.clipBound, c))
        }
        console.print(lines.joined(separator: "\n"))
    }
}
