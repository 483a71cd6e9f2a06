import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
import Foundation

/// Everything a `simulate` run reports: the JSON object of the command-line contract, the
/// comparison table, and the files of `--out`.
struct SimulationReport {
    var input: DataOptions.Input
    var split: DataSplit
    var config: SimulationConfig
    var privacy: PrivacySettings
    var outcome: FederatedExperiment.Outcome
    var baseline: CentralizedBaseline.Result?
    var baselineAlgorithm: MFAlgorithm?
    var reference: FederatedExperiment.Outcome?
    var seed: UInt64
    /// Client processes of a run over HTTP (nil: in process).
    var processes: Int? = nil

    private var result: SimulationResult { outcome.result }
    private var released: Int { result.rounds.filter(\.released).count }

    /// The contract's JSON object (DESIGN §6), snake_case keys; ε is `null` for a non-private run.
    func json() -> JSONValue {
        var o = JSONObjectBuilder()
        o.set("rmse", result.final.rmse)
        o.set("mae", result.final.mae)
        o.set("centralized_rmse", baseline?.metrics.rmse)
        o.set("centralized_mae", baseline?.metrics.mae)
        o.set("non_private_rmse", reference?.result.final.rmse)
        o.set("non_private_mae", reference?.result.final.mae)
        o.set("private", privacy.enabled)
        o.set("epsilon", outcome.ledger.map { $0.epsilonSpentSoFar })
        o.set("epsilon_accountant", outcome.ledger?.spentAccountant.map { .string($0.rawValue) } ?? .null)
        o.set("epsilon_pld", outcome.epsilonSpent(.pld))
        o.set("epsilon_rdp", outcome.epsilonSpent(.rdp))
        o.set("epsilon_budget", outcome.plan?.epsilonBudget)
        o.set("server_view_epsilon", outcome.ledger?.serverViewEpsilon)
        o.set("delta", outcome.plan?.delta)
        o.set("noise_multiplier", outcome.plan?.mechanism.noiseMultiplier)
        o.set("clip", outcome.plan?.mechanism.clipBound)
        o.set("adaptive_clip", privacy.enabled && privacy.adaptiveClipping != nil)
        o.set("final_clip", outcome.finalClipBound)
        o.set("trust", outcome.plan.map { .string($0.mechanism.trust.rawValue) } ?? .null)
        o.set("min_updates", outcome.plan.map { .int($0.mechanism.minimumUpdates) } ?? .null)
        o.set("noise_source", outcome.plan.map { .string($0.noise.description) } ?? .null)
        o.set("noise_seeded", outcome.plan.map { .bool(!$0.noise.isPrivate) } ?? .null)
        o.set("sampling_rate", config.sampling.rate.map { .double($0) } ?? .null)
        o.set("rounds", result.rounds.count)
        o.set("rounds_planned", config.rounds)
        o.set("rounds_released", released)
        o.set("stop_reason", result.stopReason.map { .string($0) } ?? .null)
        o.set("mean_participants", result.rounds.isEmpty ? 0 : Double(result.rounds.map(\.participants).reduce(0, +)) / Double(result.rounds.count))
        o.set("wall_seconds", result.wallSeconds)
        o.set("seconds_per_round", result.secondsPerRound)
        o.set("centralized_seconds", baseline?.trainSeconds)
        o.set("processes", processes.map { .int($0) } ?? .null)
        o.set("model", "mf")
        o.set("dim", config.dim)
        o.set("server_optimizer", config.serverOptimizer.name)
        o.set("users", input.dataset.userCount)
        o.set("items", input.dataset.itemCount)
        o.set("train_ratings", split.train.count)
        o.set("test_ratings", split.test.count)
        o.set("seed", Int(seed))
        o.set("data", input.summary)
        return o.value
    }

    /// The comparison table printed at the end of a run.
    func table() -> String {
        var rows: [(String, Double, Double, String)] = []
        if let b = baseline, let a = baselineAlgorithm {
            rows.append(("centralized (\(a.name), dim \(a.dim))", b.metrics.rmse, b.metrics.mae, Self.seconds(b.trainSeconds)))
        }
        if let r = reference {
            rows.append(("federated, non-private", r.result.final.rmse, r.result.final.mae, Self.seconds(r.result.trainingSeconds)))
        }
        let label: String
        if let ledger = outcome.ledger, let plan = outcome.plan {
            label = String(format: "federated, ε = %.3g (%@, δ = %.2g)", ledger.epsilonSpentSoFar,
                           ledger.spentAccountant?.rawValue ?? "none", plan.delta)
        } else {
            label = "federated"
        }
        rows.append((label, result.final.rmse, result.final.mae, Self.seconds(result.trainingSeconds)))
        let width = max(28, rows.map(\.0.count).max()! + 2)
        var lines = ["".padding(toLength: width, withPad: " ", startingAt: 0) + "    rmse      mae    train time"]
        for (name, rmse, mae, time) in rows {
            lines.append(name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "%8.4f %8.4f  %12@", rmse, mae, time))
        }
        var notes = [String(format: "%d rounds (%d released), %.4f s per training round, %.1f participants per round",
                            result.rounds.count, released, result.secondsPerRound,
                            result.rounds.isEmpty ? 0 : Double(result.rounds.map(\.participants).reduce(0, +)) / Double(result.rounds.count))]
        if let ledger = outcome.ledger {
            notes.append(Self.spentNote(ledger))
            if let server = ledger.serverViewEpsilon {
                notes.append(String(format: "against the server itself (no amplification; one client's updates): ε = %.4g", server))
            } else {
                notes.append("against the server itself: no guarantee (central trust: the server sees clipped updates in the clear)")
            }
            notes.append("noise: \(ledger.noiseSource)")
        }
        return (lines + [""] + notes).joined(separator: "\n")
    }

    /// "ε spent: 7.99 (PLD, the accountant that proves the budget) of budget 8; RDP bound 9.16": the
    /// figure shown is the ledger's ``PrivacyLedger/spentSoFar``; other bounds follow, named.
    static func spentNote(_ ledger: PrivacyLedger) -> String {
        guard let spent = ledger.spentSoFar else { return String(format: "ε spent: 0 of budget %.4g (no round released)", ledger.epsilonBudget) }
        var note = String(format: "ε spent: %.4g (%@, the accountant that proves the budget) of budget %.4g",
                          spent.epsilon, spent.accountant.rawValue.uppercased(), ledger.epsilonBudget)
        let others = AccountantKind.allCases.filter { $0 != spent.accountant }.compactMap { k in
            ledger.epsilonSpent[k.rawValue].flatMap { $0.rounds == spent.rounds ? String(format: "%@ bound %.4g", k.rawValue.uppercased(), $0.epsilon) : nil }
        }
        if !others.isEmpty { note += "; " + others.joined(separator: ", ") }
        return note
    }

    /// Writes config.json, rounds.csv and result.json (the ledger is kept by the run itself).
    func write(to folder: OutputFolder) throws {
        let encoder = Self.configEncoder()
        struct Config: Encodable {
            var data: String
            var seed: UInt64
            var simulation: SimulationConfig
            var privacy: PrivacySettings
            var plan: ResolvedPrivacy?
            var baseline: MFAlgorithm?
        }
        let config = Config(data: input.summary, seed: seed, simulation: self.config, privacy: privacy, plan: outcome.plan, baseline: baselineAlgorithm)
        try folder.write(String(decoding: try encoder.encode(config), as: UTF8.self) + "\n", to: "config.json")
        try folder.write(roundsCSV(), to: "rounds.csv")
        try folder.write(json().serialized() + "\n", to: "result.json")
    }

    /// One line per round; `epsilon_rdp` is the RDP bound after the rounds released so far.
    func roundsCSV() throws -> String {
        var lines = ["round,participants,mean_update_norm,train_loss,rmse,mae,released,round_seconds,elapsed_seconds,epsilon_rdp"]
        var releasedSoFar = 0
        for r in result.rounds {
            if r.released { releasedSoFar += 1 }
            let eps = try outcome.ledger.map { try $0.epsilon(afterRounds: releasedSoFar, accountant: .rdp) }
            let fields: [String] = [
                String(r.round), String(r.participants), Self.number(r.meanUpdateNorm), Self.number(r.trainLoss),
                r.rmse.map(Self.number) ?? "", r.mae.map(Self.number) ?? "", r.released ? "1" : "0",
                Self.number(r.roundSeconds), Self.number(r.elapsedSeconds), eps.map(Self.number) ?? "",
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The encoder of `config.json`: pretty, sorted, snake_case keys, non-finite numbers as strings.
    static func configEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// A CSV cell for `x`: six significant digits, empty when not finite.
    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "" }
    private static func seconds(_ x: Double) -> String { String(format: "%.2fs", x) }
}

extension ClientSampling {
    /// The Poisson rate, or nil for fixed-size sampling.
    var rate: Double? {
        if case .poisson(let q) = self { return q }
        return nil
    }
}
