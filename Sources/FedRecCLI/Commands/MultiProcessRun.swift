import FedRecData
import FedRecExperiments
import FedRecFederation
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
            config: experiment.simulation, rounds: records, final: outcome.final, model: outcome.model,
            optimizerState: outcome.optimizerState, secondsPerRound: outcome.secondsPerRound,
            trainingSeconds: outcome.trainingSeconds, wallSeconds: outcome.wallSeconds, stopReason: outcome.stopReason)
        return FederatedExperiment.Outcome(result: result, plan: outcome.plan, ledger: outcome.ledger, population: outcome.population)
    }

    /// A server-side round as a simulation record: the server knows who reported, not their
    /// norms or losses (those stay on the clients), so those fields are NaN.
    static func record(_ r: FederatedRoundCoordinator.RoundOutcome, elapsed: Double) -> RoundRecord {
        RoundRecord(round: Int(r.round), participants: r.received, meanUpdateNorm: .nan, trainLoss: .nan,
                    released: r.released, discardReason: r.discardReason, roundSeconds: r.seconds, elapsedSeconds: elapsed)
    }
}
