import FedRecData
import FedRecFederation
import FedRecMath
import FedRecModels
import FedRecPrivacy
import FedRecExperiments
import FedRecServer
import Foundation

/// `fedrec simulate --processes P`: the federated simulation with a real aggregation server and P
/// client processes over loopback, reproducing the in-process run for the same seed — MF's
/// ``FederatedExperiment`` (``init(executable:processes:simulation:privacy:workDirectory:roundDeadlineSeconds:threadsPerProcess:)``)
/// or NeuMF's ``NeuMFSimulation`` (``init(executable:processes:neumf:privacy:workDirectory:roundDeadlineSeconds:threadsPerProcess:)``).
///
/// The server runs in this process on 127.0.0.1 (port 0) with seeded selection; the users are split
/// into P contiguous shards and each process receives only its own users' files (``ClientShard``)
/// and tokens. Client processes are `executable client --server URL --data SHARD --seed S …`
/// (the `fedrec` binary: pass `/proc/self/exe` from the CLI). Each process trains its selected users
/// with the seeded streams of the in-process simulation, and the server sums updates in the
/// simulation's chunk order, so the released models are bit-identical to the in-process run's;
/// the final held-out sums (MF: rating errors; NeuMF: ranking metrics, each user fitting its row
/// as ``NeuMFSimulation/evaluate(protocols:)`` does) are added per process (only sums leave a
/// client), so RMSE, HR and NDCG agree to rounding of a double sum (≈1e-15). With adaptive
/// clipping (``PrivacySettings/adaptiveClipping``) the server adapts C as the in-process run does
/// (the same bits, count noise and steps), so ``Outcome/finalClipBound`` equals its final bound.
public struct MultiProcessSimulation: Sendable {
    /// What the run produced.
    public struct Outcome: Sendable {
        /// Held-out error sums over all clients, after the last round (MF; empty for NeuMF).
        public var final: ErrorMetrics
        /// NeuMF: the ranking metrics over all clients, one per ``ClientRunner/defaultRankingProtocols``
        /// entry (full ranking, then the sampled protocol); nil for MF.
        public var ranking: [RankingMetrics]?
        /// The rounds as the server closed them.
        public var rounds: [FederatedRoundCoordinator.RoundOutcome]
        /// The final global MF model (nil for NeuMF: read ``parameters``).
        public var model: ItemModel?
        /// The final global model as one flat vector (either kind).
        public var parameters: [Float]
        /// The server optimizer's final state.
        public var optimizerState: ServerOptimizerState
        /// The resolved privacy plan (nil when not private).
        public var plan: ResolvedPrivacy?
        /// The ledger after the run, ε refreshed under both accountants (nil when not private).
        public var ledger: PrivacyLedger?
        /// Why the run stopped before the planned rounds (budget), if it did.
        public var stopReason: String?
        /// Clients N.
        public var population: Int
        /// Wall time of the training rounds (first round opened → last closed), seconds.
        public var trainingSeconds: Double
        /// `trainingSeconds` / rounds run.
        public var secondsPerRound: Double
        /// Wall time including shard writing, process start and evaluation.
        public var wallSeconds: Double
        /// Per-process outcomes, in process order.
        public var processes: [ClientRunner.Outcome]
        /// Under adaptive clipping, the clip bound after the last round (as the in-process run's
        /// final bound); nil for a fixed C.
        public var finalClipBound: Double? = nil
    }

    /// The `fedrec` executable that runs `client`.
    public var executable: String
    /// Client processes P (≥ 1).
    public var processes: Int
    /// Federated configuration (as for the in-process run); for NeuMF only its schedule (rounds,
    /// sampling, server optimizer, seed, reduction chunks) is used.
    public var simulation: SimulationConfig
    /// The model kind (MF, or NeuMF with its plan).
    public var model: FederatedModel
    /// Privacy settings (as for the in-process run).
    public var privacy: PrivacySettings
    /// Where shards, tokens and server state go; nil: a fresh temporary directory, removed afterwards.
    public var workDirectory: String?
    /// Round deadline in seconds (a round normally closes as soon as every participant reported).
    public var roundDeadlineSeconds: Double
    /// Training threads per client process.
    public var threadsPerProcess: Int

    /// Creates a run description.
    public init(executable: String, processes: Int, simulation: SimulationConfig, privacy: PrivacySettings,
                workDirectory: String? = nil, roundDeadlineSeconds: Double = 120, threadsPerProcess: Int = 1) {
        precondition(processes >= 1, "at least one client process")
        self.executable = executable
        self.processes = processes
        self.simulation = simulation
        self.model = .matrixFactorization
        self.privacy = privacy
        self.workDirectory = workDirectory
        self.roundDeadlineSeconds = roundDeadlineSeconds
        self.threadsPerProcess = threadsPerProcess
    }

    /// Creates a NeuMF run description, reproducing `NeuMFSimulation(config: neumf)`.
    /// - Throws: `ServerError(.badRequest)` if the schedule cannot be expressed.
    public init(executable: String, processes: Int, neumf: NeuMFSimulationConfig, privacy: PrivacySettings,
                workDirectory: String? = nil, roundDeadlineSeconds: Double = 120, threadsPerProcess: Int = 1) throws(ServerError) {
        let setup = try FederationSetup(neumf: neumf, privacy: nil, itemCount: 1, clientIDs: ["x"])
        self.init(executable: executable, processes: processes, simulation: setup.simulation, privacy: privacy,
                  workDirectory: workDirectory, roundDeadlineSeconds: roundDeadlineSeconds, threadsPerProcess: threadsPerProcess)
        model = setup.model
    }

    /// The path of the running executable (`/proc/self/exe` resolved), for ``executable``.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs the simulation on a split.
    /// - Parameter onRound: called from a polling thread as rounds close.
    /// - Throws: `FederationError`/`PrivacyError` for invalid settings, `ServerError` when the
    ///   server cannot start or a client process fails (its stderr is quoted).
    public func run(train: RatingsDataset, heldOut: RatingsDataset,
                    onRound: (FederatedRoundCoordinator.RoundOutcome) -> Void = { _ in }) throws -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        let population = train.userCount
        guard processes <= population else {
            throw ServerError(.badRequest, "--processes is \(processes) but there are only \(population) clients; use at most one process per client")
        }
        let experiment = FederatedExperiment(simulation: simulation, privacy: privacy)
        let plan = try experiment.plan(population: population)
        let temporary = workDirectory == nil
        let dir = workDirectory ?? NSTemporaryDirectory() + "fedrec-processes-\(UUID().uuidString)"
        defer { if temporary { try? FileManager.default.removeItem(atPath: dir) } }
        let ids = (0..<population).map { "user-\(String(format: "%07d", $0))" }
        let tokens = ClientTokens.generate(clientIDs: ids)
        let shards = ClientShard.split(train: train, heldOut: heldOut, tokens: tokens, processes: processes)
        for (p, shard) in shards.enumerated() { try shard.write(to: "\(dir)/shard-\(p)") }
        let setup = FederationSetup(simulation: simulation, model: model, privacy: plan, itemCount: train.itemCount, scale: train.scale,
                                    clientIDs: ids, roundDeadlineSeconds: roundDeadlineSeconds, seededSelection: true,
                                    adaptiveClipping: plan == nil ? nil : privacy.adaptiveClipping)
        let coordinator = try FederatedRoundCoordinator(setup: setup, stateDirectory: "\(dir)/state")
        let service = try FederationService(coordinator: coordinator, tokens: tokens)
        let port = try service.start()
        defer { service.shutdown() }
        var seededNoise = false
        if case .seeded = plan?.noise { seededNoise = true }
        let trainingStart = clock.now
        var children: [(Process, Pipe, Pipe)] = []
        for p in 0..<processes {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            var arguments = ["client", "--server", "http://127.0.0.1:\(port)", "--data", "\(dir)/shard-\(p)",
                             "--seed", String(simulation.seed), "--threads", String(threadsPerProcess), "--json"]
            if seededNoise { arguments.append("--seeded-noise") }
            process.arguments = arguments
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            do { try process.run() } catch {
                throw ServerError(.ioFailure, "cannot start the client process \(executable): \(error.localizedDescription)")
            }
            children.append((process, out, err))
        }
        // Drain the pipes on background threads so a chatty child never blocks on a full pipe.
        let outputs = children.map { child in PipeReader(child.1) }
        let errors = children.map { child in PipeReader(child.2) }
        var reported = 0
        var trainingEnd = clock.now
        while true {
            let history = coordinator.history
            while reported < history.count {
                onRound(history[reported])
                reported += 1
            }
            if coordinator.isFinished || coordinator.stopReason != nil {
                trainingEnd = clock.now
                break
            }
            if children.contains(where: { !$0.0.isRunning && $0.0.terminationStatus != 0 }) { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        if !(coordinator.isFinished || coordinator.stopReason != nil) {
            for child in children where child.0.isRunning { child.0.terminate() }
        }
        var outcomes: [ClientRunner.Outcome] = []
        for (p, child) in children.enumerated() {
            child.0.waitUntilExit()
            let stdout = outputs[p].wait(), stderr = errors[p].wait()
            // A client exits 1 after printing its outcome when the server stopped the run early
            // (divergence): the outcome still counts, and `stopReason` says why.
            guard let line = String(decoding: stdout, as: UTF8.self).split(separator: "\n").last,
                  let outcome = try? ClientShard.decoder.decode(ClientRunner.Outcome.self, from: Data(line.utf8)),
                  child.0.terminationStatus == 0 || !outcome.endedAsPlanned else {
                throw ServerError(.ioFailure, "client process \(p) failed (exit \(child.0.terminationStatus)): \(String(decoding: stderr.suffix(2000), as: UTF8.self))")
            }
            outcomes.append(outcome)
        }
        var final = ErrorMetrics()
        for outcome in outcomes { final += outcome.evaluation ?? ErrorMetrics() }
        var ranking: [RankingMetrics]? = nil
        if let p = model.neumfPlan {
            var total = ClientRunner.defaultRankingProtocols.map { RankingMetrics(candidates: $0, cutoffs: p.cutoffs) }
            for outcome in outcomes {
                guard let r = outcome.ranking, r.count == total.count else { continue }
                for k in total.indices { total[k] = total[k] + r[k] }
            }
            ranking = total
        }
        var ledger = coordinator.ledger
        try ledger?.refreshSpent()
        let rounds = coordinator.history
        let training = trainingStart.duration(to: trainingEnd).inSeconds
        let parameters = coordinator.parameters
        return Outcome(final: final, ranking: ranking, rounds: rounds,
                       model: model == .matrixFactorization ? coordinator.model : nil, parameters: parameters, optimizerState: coordinator.optimizerState, plan: plan, ledger: ledger,
                       stopReason: coordinator.stopReason, population: population, trainingSeconds: training,
                       secondsPerRound: rounds.isEmpty ? 0 : training / Double(rounds.count),
                       wallSeconds: start.duration(to: clock.now).inSeconds, processes: outcomes,
                       finalClipBound: coordinator.adaptiveClipBound)
    }
}

/// Reads a pipe to its end on a background thread.
final class PipeReader: @unchecked Sendable {
    // `@unchecked`: `data` is written by the reader thread before `done.signal()` and read only after `wait()`.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
        thread.start()
    }

    func wait() -> [UInt8] {
        done.wait()
        done.signal()
        return Array(data)
    }
}
