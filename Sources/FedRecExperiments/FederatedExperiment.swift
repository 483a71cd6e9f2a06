import FedRecData
import FedRecFederation
import FedRecPrivacy
import Foundation

/// One federated run end to end: builds the clients, resolves the privacy plan, runs the rounds
/// under a privacy ledger that refuses any round that would cross the ε budget, and reports the
/// ε actually spent under both accountants.
///
/// This is what `fedrec simulate` and each point of `fedrec sweep` execute.
public struct FederatedExperiment: Sendable {
    /// The federated training configuration (rounds, sampling, model, optimizers, seed).
    public var simulation: SimulationConfig
    /// The privacy options; ``PrivacySettings/none`` for a non-private run.
    public var privacy: PrivacySettings

    /// Creates an experiment.
    public init(simulation: SimulationConfig, privacy: PrivacySettings) {
        self.simulation = simulation
        self.privacy = privacy
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        /// Rounds, final metrics, model, timings.
        public var result: SimulationResult
        /// The resolved privacy plan (nil for a non-private run).
        public var plan: ResolvedPrivacy?
        /// The ledger after the run (nil for a non-private run), with ε refreshed under both accountants.
        public var ledger: PrivacyLedger?
        /// Population size (clients).
        public var population: Int
        /// The clip bound at the end of the run under adaptive clipping (nil when C is fixed).
        public var finalClipBound: Double? = nil

        /// Collects an outcome (e.g. of a run whose rounds happened on the aggregation server).
        public init(result: SimulationResult, plan: ResolvedPrivacy?, ledger: PrivacyLedger?, population: Int,
                    finalClipBound: Double? = nil) {
            self.result = result
            self.plan = plan
            self.ledger = ledger
            self.population = population
            self.finalClipBound = finalClipBound
        }

        /// ε spent under `accountant` for the rounds released (nil for a non-private run).
        public func epsilonSpent(_ accountant: AccountantKind) -> Double? {
            ledger?.epsilonSpent[accountant.rawValue]?.epsilon
        }
    }

    /// The Poisson rate of the configuration (refuses fixed-size sampling for private runs).
    func samplingRate() throws -> Double {
        switch simulation.sampling {
        case .poisson(let rate): return rate
        case .fixedSize:
            throw FederationError(.incompatibleOptions, "--clients-per-round (fixed-size sampling) cannot be used with differential privacy: the accountant assumes Poisson sampling, where each user joins a round independently; use --sampling-rate q, or --no-dp")
        }
    }

    /// Resolves the privacy plan for a population of `population` clients (nil when not private).
    public func plan(population: Int) throws -> ResolvedPrivacy? {
        guard privacy.enabled else { return nil }
        return try ResolvedPrivacy(privacy, population: population, samplingRate: try samplingRate(), rounds: simulation.rounds)
    }

    /// Runs the experiment on a split.
    /// - Parameters:
    ///   - ledgerURL: where to keep the privacy ledger (saved after every released round); it must
    ///     not exist yet — a ledger of another run is never replaced.
    ///   - onRound: called after each round.
    /// - Throws: `FederationError` for an invalid configuration, `PrivacyError` for invalid or
    ///   unreachable privacy settings or an unwritable ledger.
    public func run(
        train: RatingsDataset, heldOut: RatingsDataset, ledgerURL: URL? = nil,
        onRound: (RoundRecord) -> Void = { _ in }
    ) throws -> Outcome {
        guard privacy.enabled else {
            var sim = try Simulation(train: train, heldOut: heldOut, config: simulation)
            let result = sim.run(onRound: onRound)
            return Outcome(result: result, plan: nil, ledger: nil, population: sim.population)
        }
        let population = train.userCount
        let plan = try plan(population: population)!
        let privatizer = try plan.privatizer(adaptive: privacy.adaptiveClipping, population: population)
        var sim = try Simulation(train: train, heldOut: heldOut, config: simulation, privatizer: privatizer)
        var gate = try PrivateRunGate(ledger: Self.ledger(plan: plan, fingerprint: Self.fingerprint(plan: plan, train: train)),
                                      file: ledgerURL)
        let result = sim.run(onRound: { record in
            onRound(record)
            gate.roundClosed(released: record.released)
        }, admit: { _ in gate.admit() })
        let ledger = try gate.finish()
        return Outcome(result: result, plan: plan, ledger: ledger, population: sim.population,
                       finalClipBound: sim.privatizer.adaptive?.clipBound)
    }

    /// A fresh ledger for a run under `plan`.
    static func ledger(plan: ResolvedPrivacy, fingerprint: String) throws -> PrivacyLedger {
        try PrivacyLedger(runID: UUID().uuidString, configFingerprint: fingerprint, epsilonBudget: plan.epsilonBudget,
                          delta: plan.delta, mechanism: plan.mechanism, samplingRate: plan.samplingRate, noiseSource: plan.noise)
    }

    /// A fingerprint of what the privacy guarantee depends on: the mechanism, q, δ, budget and data shape.
    static func fingerprint(plan: ResolvedPrivacy, train: RatingsDataset) -> String {
        let m = plan.mechanism
        return "z=\(m.noiseMultiplier);C=\(m.clipBound);trust=\(m.trust);m=\(m.minimumUpdates);q=\(plan.samplingRate);delta=\(plan.delta);budget=\(plan.epsilonBudget);users=\(train.userCount);items=\(train.itemCount);source=\(train.source)"
    }
}
