import FedRecExperiments
import FedRecFederation
import Foundation

/// What `fedrec simulate --model neumf --out DIR` writes besides the ledger: `config.json` (the
/// data, seed, federated configuration, privacy settings and resolved plan), `rounds.csv` (one line
/// per round) and `result.json` (the `--json` report) — the same three files as an MF run.
extension NeuMFRuns {
    /// Writes the run's files into `folder`.
    static func write(to folder: OutputFolder, data: String, seed: UInt64, config: NeuMFSimulationConfig,
                      privacy: PrivacySettings, result: ImplicitResult, report: JSONObjectBuilder) throws {
        struct Config: Encodable {
            var data: String
            var seed: UInt64
            var model: String
            var simulation: NeuMFSimulationConfig
            var privacy: PrivacySettings
            var plan: ResolvedPrivacy?
        }
        let body = Config(data: data, seed: seed, model: "neumf", simulation: config, privacy: privacy, plan: result.privacy)
        try folder.write(String(decoding: try SimulationReport.configEncoder().encode(body), as: UTF8.self) + "\n", to: "config.json")
        try folder.write(try roundsCSV(result), to: "rounds.csv")
        try folder.write(report.value.serialized() + "\n", to: "result.json")
    }

    /// One line per round: participants, clients whose local step failed, the mean update norm
    /// before privatization, the training loss, HR@10/NDCG@10 where evaluated, whether the aggregate
    /// was released, timings and the RDP ε after the rounds released so far.
    static func roundsCSV(_ result: ImplicitResult) throws -> String {
        let number = SimulationReport.number
        var lines = ["round,participants,failed_clients,mean_update_norm,train_loss,hr_at_10,ndcg_at_10,released,round_seconds,elapsed_seconds,epsilon_rdp"]
        var releasedSoFar = 0
        for r in result.rounds {
            if r.released { releasedSoFar += 1 }
            let eps = try result.ledger.map { try $0.epsilon(afterRounds: releasedSoFar, accountant: .rdp) }
            lines.append([
                String(r.round), String(r.participants), String(r.failedClients), number(r.meanUpdateNorm), number(r.trainLoss),
                r.hitRate.map(number) ?? "", r.ndcg.map(number) ?? "", r.released ? "1" : "0",
                number(r.roundSeconds), number(r.elapsedSeconds), eps.map(number) ?? "",
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
