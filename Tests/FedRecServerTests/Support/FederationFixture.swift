import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecMath
import FedRecPrivacy
@testable import FedRecServer
import Foundation
import Synchronization

/// A small synthetic federation shared by the coordinator tests.
enum FederationFixture {
    /// A seeded train/held-out split of a small synthetic ML-100K-like data set.
    static func split(users: Int = 40, items: Int = 60) throws -> DataSplit {
        var config = SyntheticConfig.movieLens100K
        config.users = users
        config.items = items
        config.meanRatingsPerUser = 20
        config.minRatingsPerUser = 5
        config.maxRatingsPerUser = 40
        config.seed = 7
        let data = try SyntheticData(config: config).dataset
        var rng = SeededGenerator(seed: 3, stream: [0x5B17])
        return DataSplit.forEvaluation(data, testFraction: 0.1, using: &rng)
    }

    static func config(rounds: Int = 4, q: Double = 0.3, seed: UInt64 = 5) throws -> SimulationConfig {
        try SimulationConfig(rounds: rounds, sampling: .poisson(rate: q), dim: 4, evaluateEvery: 0, seed: seed, threads: 1, reductionChunks: 3)
    }

    static func ids(_ n: Int) -> [String] { (0..<n).map { "user-\($0)" } }

    static func setup(population: Int = 10, items: Int = 6, config: SimulationConfig? = nil, privacy: ResolvedPrivacy? = nil,
                      deadline: Double = 60) throws -> FederationSetup {
        FederationSetup(simulation: try config ?? Self.config(), privacy: privacy, itemCount: items, scale: .stars,
                        clientIDs: ids(population), roundDeadlineSeconds: deadline, seededSelection: true)
    }

    private static let cache = Mutex<[String: ResolvedPrivacy]>([:])

    /// Resolved privacy with a fixed z (cached: resolving runs the PLD accountant, slow in debug builds).
    static func privacy(trust: TrustModel = .central, z: Double = 1.0, q: Double = 0.3, population: Int = 10, rounds: Int = 4,
                        clip: Double = 0.5, m: Int? = nil, budget: Double? = 1000) throws -> ResolvedPrivacy {
        // RDP keeps debug-build tests fast (the PLD accountant is exercised by FedRecPrivacy's tests).
        let settings = PrivacySettings(enabled: true, targetEpsilon: budget, noiseMultiplier: z, clipBound: clip, trust: trust,
                                       minimumUpdates: m, noise: .seeded(1), accountant: .rdp)
        let key = "\(trust) \(z) \(q) \(population) \(rounds) \(clip) \(String(describing: m)) \(String(describing: budget))"
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let resolved = try ResolvedPrivacy(settings, population: population, samplingRate: q, rounds: rounds)
        cache.withLock { $0[key] = resolved }
        return resolved
    }

    /// The participants of round t under seeded selection.
    static func participants(_ setup: FederationSetup, round t: UInt64) -> [Int32] {
        var rng = SeededGenerator(seed: setup.simulation.seed, stream: [UInt64.max, t])
        return setup.simulation.sampling.sample(population: setup.population, using: &rng)
    }

    static func update(_ coordinator: FederatedRoundCoordinator, round: UInt64, value: Float = 0.01) -> TensorMessage {
        let n = coordinator.modelLayout.reduce(0) { $0 + $1.count }
        return TensorMessage(round: round, layout: coordinator.modelLayout, values: [Float](repeating: value, count: n))
    }

    /// Submits a small update for every participant of the open round.
    static func completeRound(_ coordinator: FederatedRoundCoordinator, value: Float = 0.01) throws {
        let round = coordinator.status().round
        for k in participants(coordinator.setup, round: round) {
            _ = try coordinator.submitUpdate(clientID: "user-\(k)", round: round, update: update(coordinator, round: round, value: value))
        }
    }
}
