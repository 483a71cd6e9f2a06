import FedRecData
import FedRecFederation
import FedRecMath
import FedRecModels
import FedRecPrivacy
import Foundation

/// Implicit-feedback experiments with NeuMF, centralized and federated, on a leave-one-out split:
/// what `fedrec baseline --model neumf`, `fedrec simulate --model neumf` and `sweep` call.
///
/// Both report HR@K and NDCG@K over the **full ranking** (the default of DESIGN §4) and under the
/// NCF paper's sampled protocol (the held-out item among ``sampledNegatives`` items the user
/// never interacted with, drawn with a fixed seed so every model is ranked against the same
/// negatives), beside the popularity baseline and, when asked, implicit MF trained with the same
/// loss (Rendle et al. 2020: a tuned dot product often matches NeuMF; the report shows which wins).
public enum NeuMFExperiment {
    /// Negatives per held-out positive in the sampled protocol (He et al. 2017: 1 + 99 = 100 items ranked).
    public static let sampledNegatives = CandidateSet.ncfSampledNegatives

    /// The leave-one-out split of DESIGN §4: `data` as implicit feedback (explicit ratings are
    /// converted, keeping those ≥ `threshold` when one is given), each user's latest interaction held out.
    public static func leaveOneOut(_ data: RatingsDataset, threshold: Float? = nil) -> DataSplit {
        let implicit = data.feedback == .implicit && threshold == nil ? data : data.implicit(threshold: threshold)
        return DataSplit.leaveLastOut(implicit)
    }

    /// Trains NeuMF centrally on `split.train` and evaluates it, the popularity baseline and
    /// (unless `implicitMF` is nil) implicit MF on `split.test`.
    /// - Parameters:
    ///   - config: NeuMF's shape (implicit objective).
    ///   - options: epochs, batch, optimizer, negatives.
    ///   - implicitMF: options of the implicit-MF comparison, or nil to skip it.
    ///   - cutoffs: the K of the metrics (must include 10 for the headline accessors).
    ///   - seed: training seed; `sampledSeed` fixes the sampled protocol's negatives.
    ///   - onEpoch: NeuMF progress.
    /// - Throws: `ModelError` for invalid settings or data, or when training diverges.
    public static func centralized(
        split: DataSplit, config: NeuMFConfig = .init(), options: NeuMFTrainingOptions = .init(),
        implicitMF: ImplicitMFOptions? = .init(), cutoffs: [Int] = [10], seed: UInt64 = 42, sampledSeed: UInt64 = 2017,
        onEpoch: (NeuMFEpochReport) throws -> Void = { _ in }
    ) throws -> ImplicitResult {
        let trainer = try NeuMFTrainer(config: config, options: options)
        var rng = SeededGenerator(seed: seed)
        let clock = ContinuousClock()
        let begin = clock.now
        var start = begin
        let model = try trainer.train(split.train, using: &rng, onEpoch: onEpoch)
        let training = (clock.now - start).inSeconds
        start = clock.now
        let scorer = try NeuMFScorer(model: model)
        let (full, sampled) = try evaluate(scorer, split: split, cutoffs: cutoffs, sampledSeed: sampledSeed)
        let evaluation = (clock.now - start).inSeconds
        var result = try baselines(split: split, cutoffs: cutoffs, sampledSeed: sampledSeed, implicitMF: implicitMF, seed: seed)
        result.setting = "centralized"
        result.full = full
        result.sampled = sampled
        result.trainingSeconds = training
        result.evaluationSeconds = evaluation
        result.steps = options.epochs
        result.wallSeconds = (clock.now - begin).inSeconds
        return result
    }

    /// Runs federated NeuMF on `split` (one client per user), private unless `privacy` is
    /// ``PrivacySettings/none``: the same plan resolution, ``GaussianPrivatizer`` and ledger
    /// (which refuses any round that would cross the ε budget) as the MF ``FederatedExperiment``.
    /// - Parameters:
    ///   - simulation: rounds, sampling, model, local training, server optimizer, seed, threads
    ///     (its cutoffs are used for every metric).
    ///   - privacy: the privacy options.
    ///   - implicitMF: options of a centralized implicit-MF comparison on the same split, or nil.
    ///   - ledgerURL: where to keep the ledger (saved after every released round); must not exist.
    ///   - sampledSeed: fixes the sampled protocol's negatives.
    ///   - onRound: called after each round.
    /// - Throws: `FederationError` for an invalid configuration or a diverged model, `PrivacyError`
    ///   for invalid or unreachable privacy settings or an unwritable ledger, `ModelError`
    ///   from the implicit-MF comparison.
    public static func federated(
        split: DataSplit, simulation: NeuMFSimulationConfig, privacy: PrivacySettings,
        implicitMF: ImplicitMFOptions? = nil, ledgerURL: URL? = nil, sampledSeed: UInt64 = 2017,
        onRound: (NeuMFRoundRecord) -> Void = { _ in }
    ) throws -> ImplicitResult {
        let train = split.train, heldOut = split.test
        var outcome: NeuMFSimulationResult
        var plan: ResolvedPrivacy? = nil
        var ledger: PrivacyLedger? = nil
        var finalClip: Double? = nil
        // The run's final evaluation is the full ranking; the sampled protocol is evaluated after it
        // (the clients' fits use the same streams, so they are the same fits).
        let sampledProtocol = CandidateSet.sampled(negatives: sampledNegatives, seed: sampledSeed)
        var metrics: [RankingMetrics]
        var evaluation = 0.0
        let clock = ContinuousClock()
        let begin = clock.now
        if !privacy.enabled {
            var sim = try NeuMFSimulation(train: train, heldOut: heldOut, config: simulation)
            outcome = try sim.run(onRound: onRound)
            let start = clock.now
            metrics = [outcome.final, try sim.evaluate(protocols: [sampledProtocol])[0]]
            evaluation = (clock.now - start).inSeconds + outcome.wallSeconds - outcome.trainingSeconds
        } else {
            guard case .poisson(let q) = simulation.sampling else {
                throw FederationError(.incompatibleOptions, "--clients-per-round (fixed-size sampling) cannot be used with differential privacy: the accountant assumes Poisson sampling, where each user joins a round independently; use --sampling-rate q, or --no-dp")
            }
            let resolved = try ResolvedPrivacy(privacy, population: train.userCount, samplingRate: q, rounds: simulation.rounds)
            plan = resolved
            let privatizer = try resolved.privatizer(adaptive: privacy.adaptiveClipping, population: train.userCount)
            var sim = try NeuMFSimulation(train: train, heldOut: heldOut, config: simulation, privatizer: privatizer)
            let fingerprint = "model=neumf;" + FederatedExperiment.fingerprint(plan: resolved, train: train)
            var gate = try PrivateRunGate(ledger: FederatedExperiment.ledger(plan: resolved, fingerprint: fingerprint), file: ledgerURL)
            outcome = try sim.run(onRound: { record in
                onRound(record)
                gate.roundClosed(released: record.released)
            }, admit: { _ in gate.admit() })
            let book = try gate.finish()
            ledger = book
            finalClip = sim.privatizer.adaptive?.clipBound
            let start = clock.now
            metrics = [outcome.final, try sim.evaluate(protocols: [sampledProtocol])[0]]
            evaluation = (clock.now - start).inSeconds + outcome.wallSeconds - outcome.trainingSeconds
        }
        var result = try baselines(split: split, cutoffs: simulation.cutoffs, sampledSeed: sampledSeed,
                                   implicitMF: implicitMF, seed: simulation.seed)
        result.setting = "federated"
        result.full = metrics[0]
        result.sampled = metrics[1]
        result.trainingSeconds = outcome.trainingSeconds
        result.evaluationSeconds = evaluation
        result.secondsPerRound = outcome.secondsPerRound
        result.steps = outcome.rounds.count
        result.rounds = outcome.rounds
        result.privacy = plan
        result.ledger = ledger
        result.stopReason = outcome.stopReason
        result.finalClipBound = finalClip
        result.wallSeconds = (clock.now - begin).inSeconds
        return result
    }

    /// Full and sampled metrics of `scorer` on `split`.
    static func evaluate(_ scorer: some RankingScorer, split: DataSplit, cutoffs: [Int], sampledSeed: UInt64)
        throws -> (RankingMetrics, RankingMetrics)
    {
        let train = split.train.byUser(), test = split.test.byUser()
        let full = try RankingEvaluator(cutoffs: cutoffs, candidates: .full).evaluate(scorer, train: train, test: test)
        let sampled = try RankingEvaluator(cutoffs: cutoffs, candidates: .sampled(negatives: sampledNegatives, seed: sampledSeed))
            .evaluate(scorer, train: train, test: test)
        return (full, sampled)
    }

    /// A result holding the popularity baseline and the optional implicit-MF comparison.
    static func baselines(split: DataSplit, cutoffs: [Int], sampledSeed: UInt64, implicitMF: ImplicitMFOptions?, seed: UInt64)
        throws -> ImplicitResult
    {
        let (popFull, popSampled) = try evaluate(PopularityBaseline(train: split.train), split: split, cutoffs: cutoffs,
                                                 sampledSeed: sampledSeed)
        var mfFull: RankingMetrics? = nil, mfSampled: RankingMetrics? = nil
        var mfSeconds = 0.0
        if let options = implicitMF {
            let clock = ContinuousClock()
            let start = clock.now
            var rng = SeededGenerator(seed: seed, stream: [1])
            let mf = try ImplicitMFTrainer(options: options).train(split.train, using: &rng)
            mfSeconds = (clock.now - start).inSeconds
            (mfFull, mfSampled) = try evaluate(mf, split: split, cutoffs: cutoffs, sampledSeed: sampledSeed)
        }
        return ImplicitResult(
            setting: "", full: popFull, sampled: popSampled, popularityFull: popFull, popularitySampled: popSampled,
            implicitMFFull: mfFull, implicitMFSampled: mfSampled, trainingSeconds: 0, evaluationSeconds: 0,
            implicitMFSeconds: mfSeconds, wallSeconds: 0, secondsPerRound: nil, steps: 0, rounds: [], privacy: nil, ledger: nil,
            stopReason: nil, users: split.train.userCount, items: split.train.itemCount, trainInteractions: split.train.count,
            evaluatedUsers: popFull.userCount)
    }
}
