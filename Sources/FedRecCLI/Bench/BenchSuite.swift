import FedRecData
import FedRecFederation
import FedRecHarness
import FedRecMath
import FedRecModels
import FedRecPrivacy
import FedRecServer
import Foundation

/// The standard performance figures of `fedrec bench`, each timed in this process on built-in
/// synthetic data shaped like the issue's reference sets, beside the target it is held to.
enum BenchSuite {
    /// The named groups of figures, in the order they run.
    static let groups = ["data", "mf", "neumf", "federation", "privacy", "server"]

    /// Runs the groups in `only` (all when empty); `quick` shrinks sizes for a smoke test.
    static func run(only: Set<String>, quick: Bool, repetitions: Int, log: (String) -> Void) throws -> [Measurement] {
        var out: [Measurement] = []
        func want(_ g: String) -> Bool { only.isEmpty || only.contains(g) }
        let ml1m = quick ? SyntheticConfig(users: 600, items: 370, meanRatingsPerUser: 160, maxRatingsPerUser: 370) : SyntheticConfig.movieLens1M
        let needsML1M = want("data") || want("mf") || want("federation")
        let data = needsML1M ? try SyntheticData(config: ml1m).dataset : nil
        let n = data?.count ?? 0
        let tag = quick ? "quick" : "1m"

        if want("data"), let data {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-bench-\(getpid())-ratings.dat").path
            try data.write(toFile: path, format: .movieLensDat)
            defer { try? FileManager.default.removeItem(atPath: path) }
            out.append(try Measurement.time("parse_ratings_dat_\(tag)", "parse a \(n)-line ratings.dat (ML-1M format)",
                                            repetitions: repetitions, target: quick ? nil : 0.5) {
                _ = try DataSource.load(path)
            })
            log(out.last!.line)
        }
        if want("mf"), let data {
            var sgd = SGDConfig(); sgd.dim = 32
            var session = SGDTrainer.Session(trainer: try SGDTrainer(config: sgd), data: data)
            out.append(Measurement.time("sgd_epoch_\(tag)_dim32", "one SGD epoch over \(n) ratings, dim 32 (shuffle included)",
                                        repetitions: repetitions, target: quick ? nil : 0.03) { _ = session.step() })
            log(out.last!.line)
            var als = ALSConfig(); als.dim = 32
            var alsSession = ALSTrainer.Session(trainer: try ALSTrainer(config: als), data: data)
            out.append(Measurement.time("als_sweep_\(tag)_dim32", "one ALS sweep (users and items) over \(n) ratings, dim 32",
                                        repetitions: repetitions, target: quick ? nil : 0.3) { _ = alsSession.step() })
            log(out.last!.line)
        }
        if want("neumf") {
            let implicit = try SyntheticData(config: quick
                ? SyntheticConfig(users: 300, items: 200, meanRatingsPerUser: 40, maxRatingsPerUser: 200, feedback: .implicit)
                : SyntheticConfig(users: 6_040, items: 3_706, meanRatingsPerUser: 165, maxRatingsPerUser: 2_000, feedback: .implicit)).dataset
            let trainer = try NeuMFTrainer(options: NeuMFTrainingOptions(epochs: 1))
            var rng = SeededGenerator(seed: 3)
            out.append(try Measurement.time("neumf_epoch_\(implicit.count)_positives",
                                            "one centralized NeuMF epoch (64→32→16→8) over \(implicit.count) positives + 4 negatives each",
                                            repetitions: max(1, repetitions / 3), target: quick ? nil : 15) {
                _ = try trainer.train(implicit, using: &rng)
            })
            log(out.last!.line)
            var shape = quick ? SyntheticConfig(users: 100, items: 80, meanRatingsPerUser: 20, maxRatingsPerUser: 80) : SyntheticConfig.movieLens100K
            shape.feedback = .implicit
            let fedSplit = DataSplit.leaveLastOut(try SyntheticData(config: shape).dataset)
            let expected = 0.1 * Double(fedSplit.train.userCount)
            let m = max(1, Int((expected - 3 * expected.squareRoot()).rounded(.down)))
            let mechanism = try GaussianMechanism(noiseMultiplier: 1, clipBound: 0.5, trust: .distributed, minimumUpdates: m)
            var fed = try NeuMFSimulation(train: fedSplit.train, heldOut: fedSplit.test,
                                          config: NeuMFSimulationConfig(rounds: 1_000_000, sampling: .poisson(rate: 0.1)),
                                          privatizer: GaussianPrivatizer(mechanism: mechanism, noise: .secure))
            out.append(Measurement.time("neumf_fed_round_private_\(fedSplit.train.userCount)_clients",
                                        "private federated NeuMF round (distributed trust, per-client secure noise on \(fed.architecture.globalCount)-float dense updates), \(fedSplit.train.userCount) clients at q = 0.1",
                                        repetitions: repetitions) { _ = fed.runRound() })
            log(out.last!.line)
        }
        if want("federation"), let data {
            var rng = SeededGenerator(seed: 1)
            let split = DataSplit.forEvaluation(data, testFraction: 0.1, using: &rng)
            var full = try Simulation(train: split.train, heldOut: split.test,
                                      config: SimulationConfig(rounds: 1_000_000, sampling: .poisson(rate: 1), dim: 32, evaluateEvery: 0))
            out.append(Measurement.time("fed_round_full_\(tag)_dim32",
                                        "non-private full-participation round: \(split.train.userCount) clients, \(split.train.count) ratings, dim 32",
                                        repetitions: repetitions, target: quick ? nil : 0.15) { _ = full.runRound() })
            log(out.last!.line)
            let pop = try SyntheticData(config: .population(users: quick ? 10_000 : 100_000)).dataset
            let popSplit = DataSplit.forEvaluation(pop, testFraction: 0.1, using: &rng)
            var sparse = try Simulation(train: popSplit.train, heldOut: popSplit.test,
                                        config: SimulationConfig(rounds: 1_000_000, sampling: .poisson(rate: 0.01), dim: 32, evaluateEvery: 0))
            out.append(Measurement.time("fed_round_pop_\(pop.userCount)_q0.01",
                                        "non-private round of a \(pop.userCount)-client population at q = 0.01, dim 32",
                                        repetitions: repetitions, target: quick ? nil : 0.1) { _ = sparse.runRound() })
            log(out.last!.line)
            let ml100k = try SyntheticData(config: .movieLens100K).dataset
            let s100 = DataSplit.forEvaluation(ml100k, testFraction: 0.1, using: &rng)
            let mechanism = try GaussianMechanism(noiseMultiplier: 1, clipBound: 0.5, trust: .distributed, minimumUpdates: 65)
            var priv = try Simulation(train: s100.train, heldOut: s100.test,
                                      config: SimulationConfig(rounds: 1_000_000, sampling: .poisson(rate: 0.1), evaluateEvery: 0),
                                      privatizer: GaussianPrivatizer(mechanism: mechanism, noise: .secure))
            out.append(Measurement.time("fed_round_private_ml100k",
                                        "private round (distributed trust, per-client secure noise, dense updates), 943 clients at q = 0.1, dim 16",
                                        repetitions: repetitions) { _ = priv.runRound() })
            log(out.last!.line)
        }
        if want("privacy") {
            out.append(try Measurement.time("pld_epsilon_T10000", "PLD ε for T = 10,000, q = 0.01, z = 1, δ = 1e-5",
                                            repetitions: repetitions, target: 1) {
                _ = try NoiseCalibration.epsilon(noiseMultiplier: 1, samplingRate: 0.01, steps: 10_000, delta: 1e-5, accountant: .pld)
            })
            log(out.last!.line)
            out.append(try Measurement.time("rdp_epsilon_T10000", "RDP ε for T = 10,000, q = 0.01, z = 1, δ = 1e-5",
                                            repetitions: repetitions, target: 0.01) {
                _ = try NoiseCalibration.epsilon(noiseMultiplier: 1, samplingRate: 0.01, steps: 10_000, delta: 1e-5, accountant: .rdp)
            })
            log(out.last!.line)
            out.append(try Measurement.time("pld_calibrate_eps1_T10000", "calibrate z for ε = 1, δ = 1e-5, T = 10,000, q = 0.01 (PLD)",
                                            repetitions: max(1, repetitions / 2), target: 2) {
                _ = try NoiseCalibration.calibrate(targetEpsilon: 1, delta: 1e-5, samplingRate: 0.01, steps: 10_000, accountant: .pld)
            })
            log(out.last!.line)
            var buffer = [Float](repeating: 0, count: 100_000)
            var seeded = SeededGenerator(seed: 1)
            out.append(Measurement.time("noise_100k_seeded", "N(0, 1) noise on a dense 100k-float update, seeded generator",
                                        repetitions: repetitions, target: 0.001) {
                Gaussian.addNoise(to: &buffer, stddev: 1, using: &seeded)
            })
            log(out.last!.line)
            var secure = SecureGenerator()
            out.append(Measurement.time("noise_100k_secure", "N(0, 1) noise on a dense 100k-float update, system CSPRNG",
                                        repetitions: repetitions, target: 0.001) {
                Gaussian.addNoise(to: &buffer, stddev: 1, using: &secure)
            })
            log(out.last!.line)
        }
        if want("server") {
            let round = try FederatedRoundBenchmark(executable: MultiProcessSimulation.currentExecutable, processes: 4,
                                                    users: quick ? 40 : 943, rounds: quick ? 2 : 4).run()
            out.append(Measurement(name: "http_round_\(round.updatesPerRound)_clients_\(round.processes)_processes",
                                   description: "a full-participation round of dense ML-100K-size updates over HTTP with 4 client processes (in process: \(round.inProcessSecondsPerRound.map { Measurement.format($0) } ?? "n/a"))",
                                   seconds: round.httpSecondsPerRound, best: round.httpSecondsPerRound, repetitions: round.roundsTimed,
                                   target: quick ? nil : 1.5))
            log(out.last!.line + (round.inProcessSecondsPerRound.map { "  (in process: \(Measurement.format($0)))" } ?? ""))
            let bench = UpdateThroughputBenchmark(items: 1682, factors: 32, clients: quick ? 20 : 200, updatesPerClient: quick ? 2 : 10)
            let result = try bench.run()
            out.append(Measurement(name: "http_updates_per_second", description: "accepted dense ML-100K-size updates per second over loopback, \(result.clients) concurrent clients (figure is seconds per update)",
                                   seconds: 1 / max(result.updatesPerSecond, 1e-9), best: 1 / max(result.updatesPerSecond, 1e-9),
                                   repetitions: 1, target: quick ? nil : 0.001))
            log(out.last!.line + String(format: "  (%.0f updates/s)", result.updatesPerSecond))
        }
        return out
    }
}

extension Measurement {
    /// One aligned line: name, median, best, target and whether it is met.
    var line: String {
        let target = self.target.map { String(format: "target ≤ %@  %@", Measurement.format($0), meetsTarget ? "ok" : "MISSED") } ?? ""
        return name.padding(toLength: 42, withPad: " ", startingAt: 0)
            + String(format: "%10@ (best %@)  ", Measurement.format(seconds), Measurement.format(best)) + target
    }

    /// Seconds with a readable unit.
    static func format(_ s: Double) -> String {
        if s < 1e-3 { return String(format: "%.0f µs", s * 1e6) }
        if s < 1 { return String(format: "%.1f ms", s * 1e3) }
        return String(format: "%.2f s", s)
    }
}
