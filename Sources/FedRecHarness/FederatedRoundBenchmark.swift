import FedRecData
import FedRecFederation
import FedRecMath
import FedRecPrivacy
import FedRecExperiments
import FedRecServer
import Foundation

/// "A 943-client ML-100K-size round over HTTP with P client processes (dense updates)", beside the
/// same round in process: every client participates (q = 1), updates are dense because each client
/// adds its distributed-trust noise, and the model is 1,682 items × 32 factors + biases.
///
/// The HTTP figure is the median time from a round's opening to its close (check-ins, model
/// download, local training, clip + noise, upload, decoding, ordered aggregation, optimizer step,
/// checkpoint), over rounds 2…R (round 1 includes starting the processes). The in-process figure is
/// the median ``RoundRecord/roundSeconds`` of ``FederatedExperiment`` on the same data and config.
/// Meaningful only from a release build (`fedrec bench` is the intended caller).
public struct FederatedRoundBenchmark: Sendable {
    /// What one run measured.
    public struct Result: Sendable, Hashable, Codable {
        /// Median seconds per round over HTTP with `processes` client processes.
        public var httpSecondsPerRound: Double
        /// Median seconds per round of the in-process simulation (nil if skipped).
        public var inProcessSecondsPerRound: Double?
        /// Updates per round (clients N at q = 1).
        public var updatesPerRound: Int
        /// Bytes of one encoded update.
        public var bytesPerUpdate: Int
        /// Client processes.
        public var processes: Int
        /// Rounds timed (after the first).
        public var roundsTimed: Int
    }

    /// The `fedrec` executable (``MultiProcessSimulation/currentExecutable`` from the CLI).
    public var executable: String
    /// Client processes P.
    public var processes: Int
    /// Clients N (ML-100K: 943).
    public var users: Int
    /// Items I (ML-100K: 1,682).
    public var items: Int
    /// Latent factors d.
    public var dim: Int
    /// Rounds R ≥ 2.
    public var rounds: Int
    /// Also time the in-process simulation.
    public var compareInProcess: Bool

    /// Creates the benchmark; the defaults are the setting.
    public init(executable: String, processes: Int = 4, users: Int = 943, items: Int = 1682, dim: Int = 32, rounds: Int = 4,
                compareInProcess: Bool = true) {
        precondition(processes >= 1 && users >= processes && items >= 1 && dim >= 1 && rounds >= 2, "benchmark sizes out of range")
        self.executable = executable
        self.processes = processes
        self.users = users
        self.items = items
        self.dim = dim
        self.rounds = rounds
        self.compareInProcess = compareInProcess
    }

    /// Runs both measurements on synthetic ML-100K-like data of the configured size.
    public func run() throws -> Result {
        var data = SyntheticConfig.movieLens100K
        data.users = users
        data.items = items
        if items < data.maxRatingsPerUser {  // tiny test sizes
            data.maxRatingsPerUser = items
            data.minRatingsPerUser = min(data.minRatingsPerUser, max(2, items / 2))
            data.meanRatingsPerUser = min(data.meanRatingsPerUser, Double(items) / 2)
        }
        let dataset = try SyntheticData(config: data).dataset
        var rng = SeededGenerator(seed: 42, stream: [0x5B17])
        let split = DataSplit.forEvaluation(dataset, testFraction: 0.1, using: &rng)
        let config = try SimulationConfig(rounds: rounds, sampling: .poisson(rate: 1), dim: dim, evaluateEvery: 0, seed: 42,
                                          threads: SimulationConfig.defaultThreads)
        let privacy = PrivacySettings(enabled: true, targetEpsilon: nil, noiseMultiplier: 1, clipBound: 0.5, trust: .distributed,
                                      noise: .seeded(7), accountant: .rdp)
        let multi = MultiProcessSimulation(executable: executable, processes: processes, simulation: config, privacy: privacy,
                                           threadsPerProcess: max(1, SimulationConfig.defaultThreads / processes))
        let outcome = try multi.run(train: split.train, heldOut: split.test)
        let http = Self.median(outcome.rounds.dropFirst().map(\.seconds))
        var inProcess: Double? = nil
        if compareInProcess {
            let reference = try FederatedExperiment(simulation: config, privacy: privacy).run(train: split.train, heldOut: split.test)
            inProcess = Self.median(reference.result.rounds.dropFirst().map(\.roundSeconds))
        }
        let layout = FederatedRoundCoordinator.layout(itemCount: split.train.itemCount, dim: dim)
        return Result(httpSecondsPerRound: http, inProcessSecondsPerRound: inProcess, updatesPerRound: split.train.userCount,
                      bytesPerUpdate: TensorWireFormat.encodedByteCount(layout: layout), processes: processes, roundsTimed: rounds - 1)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
