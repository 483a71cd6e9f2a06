import FedRecData
import FedRecMath
import FedRecModels

/// One NeuMF client's own data and local state in a simulation.
public struct NeuMFClientState: Sendable {
    /// The client's distinct training items, sorted (its positives).
    public let history: [Int32]
    /// The client's held-out items (leave-one-out: one).
    public let heldOut: [Int32]
    /// The client's user embedding row (kept between rounds under persistent user state).
    public internal(set) var userEmbedding: [Float]
}

/// NeuMF on implicit feedback (He et al., "Neural Collaborative Filtering", 2017) as a plug-in of
/// the federation engine (``NeuMFSimulation``): the global vector is ``NeuMFArchitecture``'s (item
/// embeddings of both branches, MLP and fusion weights); each client keeps its positives and its
/// user row. The round and the evaluation are ``NeuMFClientStep``'s, the same code `fedrec client`
/// runs, so a seeded run over HTTP gives the in-process bits. Updates are always dense.
///
/// **Evaluation.** Each held-out client fits its user row on its own history with the global model
/// frozen and ranks the candidates for its held-out item locally (full ranking, or 1 + n sampled
/// negatives, labelled); only metric sums are combined.
public struct NeuMFFederatedStep: FederatedClientStep {
    /// What an evaluation fails with: a diverged (non-finite) model.
    public typealias EvaluationFailure = any Error
    /// The simulation's configuration.
    public let configuration: NeuMFSimulationConfig
    /// What each client computes (shared with `fedrec client`).
    public let clientStep: NeuMFClientStep
    /// The model layout shared by server and clients.
    public var architecture: NeuMFArchitecture { clientStep.architecture }

    /// Checks that the split suits federated NeuMF (implicit feedback, something to train on and to
    /// evaluate, items in range) and builds one client per user with its first user row
    /// (stream `[c, 2⁶⁴−4]`).
    /// - Throws: ``FederationError`` (or `ModelError` for the model's shape) naming what is wrong.
    public static func make(configuration config: NeuMFSimulationConfig, train: RatingsDataset, heldOut: RatingsDataset) throws
        -> (step: NeuMFFederatedStep, clients: [NeuMFClientState])
    {
        try config.validate()
        guard train.userCount == heldOut.userCount, train.itemCount == heldOut.itemCount else {
            throw FederationError(.invalidData, "the training set has \(train.userCount) users × \(train.itemCount) items but the held-out set has \(heldOut.userCount) × \(heldOut.itemCount); split one data set so both share its index space")
        }
        guard train.feedback == .implicit else {
            throw FederationError(.invalidData, "the data set (\(train.source)) holds explicit ratings; federated NeuMF trains on implicit feedback: convert it with implicit(threshold:) (e.g. threshold 4 for 'liked') and split it with DataSplit.leaveLastOut")
        }
        guard train.count > 0 else {
            throw FederationError(.invalidData, "the training set (\(train.source)) has no interactions; there is nothing to train on")
        }
        guard heldOut.count > 0 else {
            throw FederationError(.invalidData, "the data set (\(heldOut.source)) has no held-out interactions to evaluate on; leave-one-out needs users with at least 2 interactions")
        }
        for k in 0..<train.count where train.items[k] < 0 || Int(train.items[k]) >= train.itemCount {
            throw FederationError(.invalidData, "training interaction \(k) has item \(train.items[k]), outside 0..<\(train.itemCount)")
        }
        let arch = try NeuMFArchitecture(config: config.model, itemCount: train.itemCount)
        let inner = NeuMFClientStep(architecture: arch, local: config.local, evaluationFit: config.evaluationFit,
                                    persistentUserState: config.persistentUserState)
        let rows = train.byUser(), test = heldOut.byUser()
        let clients = (0..<rows.userCount).map { u in
            NeuMFClientState(history: Array(Set(rows.items[rows.range(of: u)])).sorted(),
                             heldOut: Array(test.items[test.range(of: u)]),
                             userEmbedding: inner.initialUserEmbedding(client: u, seed: config.seed))
        }
        return (NeuMFFederatedStep(configuration: config, clientStep: inner), clients)
    }

    /// The engine's part of the configuration.
    public var schedule: RoundSchedule {
        let c = configuration
        return RoundSchedule(rounds: c.rounds, sampling: c.sampling, serverOptimizer: c.serverOptimizer,
                             evaluateEvery: c.evaluateEvery, seed: c.seed, threads: c.threads, reductionChunks: c.reductionChunks)
    }
    /// ``NeuMFArchitecture/globalCount``.
    public var parameterCount: Int { architecture.globalCount }
    /// NeuMF needs no MF workspace.
    public var workspaceDim: Int { 1 }

    /// ``NeuMFArchitecture/initialGlobalParameters(using:)``.
    public func initialGlobal(using rng: inout SeededGenerator) -> [Float] {
        architecture.initialGlobalParameters(using: &rng)
    }
    /// The flat vector itself.
    public func roundView(of global: [Float]) -> [Float] { global }

    /// ``NeuMFClientStep/train(storedUserEmbedding:history:global:privatizer:using:)``; keeps the
    /// new user row when it returns one.
    public func train(
        _ client: inout NeuMFClientState, view: [Float], privatizer: some UpdatePrivatizer, workspace: ClientWorkspace,
        using rng: inout SeededGenerator
    ) -> ClientRound<[Float]> {
        let update = clientStep.train(storedUserEmbedding: client.userEmbedding, history: client.history, global: view,
                                      privatizer: privatizer, using: &rng)
        if let kept = update.userEmbedding { client.userEmbedding = kept }
        return ClientRound(update: update.delta, normBeforePrivatization: update.normBeforePrivatization,
                           lossSum: update.lossSum, exampleCount: update.exampleCount, failed: update.failed)
    }

    /// A dense chunk sum.
    public func makePartial() -> DenseAccumulator { DenseAccumulator(length: parameterCount) }

    /// The shared scorer and one evaluator per requested protocol.
    public struct EvaluationView: Sendable {
        /// The global model as a scorer.
        public let scorer: NeuMFScorer
        /// One evaluator per protocol, in the request's order.
        public let evaluators: [RankingEvaluator]
        /// The global vector (evaluation clients fit their user rows against it).
        public let global: [Float]
    }

    /// The full ranking.
    public var defaultEvaluation: [CandidateSet] { [.full] }
    /// Whether the client holds a held-out item.
    public func hasHeldOut(_ client: NeuMFClientState) -> Bool { !client.heldOut.isEmpty }
    /// The scorer of `global` and the evaluators of `request`.
    /// - Throws: ``FederationError`` when the model holds non-finite values (training diverged).
    public func evaluationView(of global: [Float], request: [CandidateSet]) throws -> EvaluationView {
        let scorer: NeuMFScorer
        do { scorer = try NeuMFScorer(architecture: architecture, global: global) } catch {
            throw FederationError(.invalidData, "the global NeuMF model cannot be evaluated (\(error)); training diverged: lower the local learning rate or the server learning rate")
        }
        let evaluators = try request.map { try RankingEvaluator(cutoffs: configuration.cutoffs, candidates: $0) }
        return EvaluationView(scorer: scorer, evaluators: evaluators, global: global)
    }
    /// One empty sum per protocol.
    public func emptyMetrics(_ view: EvaluationView) -> [RankingMetrics] {
        view.evaluators.map { RankingMetrics(candidates: $0.candidates, cutoffs: configuration.cutoffs) }
    }
    /// The client's user row fitted on its history (stream `[c, 2⁶⁴−5]`), then its held-out item
    /// ranked under each protocol.
    public func evaluate(
        _ client: NeuMFClientState, index: Int, view: EvaluationView, workspace: ClientWorkspace, seed: UInt64
    ) -> [RankingMetrics] {
        var rng = SeededGenerator(seed: seed, stream: NeuMFClientStep.evaluationStream(client: index))
        let user = clientStep.evaluationEmbedding(storedUserEmbedding: client.userEmbedding, history: client.history,
                                                  global: view.global, using: &rng)
        return NeuMFClientStep.evaluate(scorer: view.scorer, embedding: user, user: index, history: client.history,
                                        heldOut: client.heldOut, evaluators: view.evaluators)
    }
    /// Adds the sums protocol by protocol.
    public func combine(_ total: inout [RankingMetrics], _ part: [RankingMetrics]) {
        for j in total.indices { total[j] = total[j] + part[j] }
    }
    /// HR@K and NDCG@K at the first cutoff, of the first protocol.
    public func annotate(_ record: inout RoundRecord, with metrics: [RankingMetrics]) {
        let k = configuration.cutoffs[0]
        record.hitRate = metrics[0].hitRate(at: k)
        record.ndcg = metrics[0].ndcg(at: k)
    }

    /// What to change when the model turned non-finite.
    public func divergedModelMessage(round: Int) -> String {
        "the model diverged (non-finite parameters) in round \(round); the model of round \(round - 1) is kept: lower --server-lr or --neumf-lr, use --server-optimizer fedadam, or raise --clip"
    }
    /// What to change when every client's local step failed.
    public func allClientsFailedMessage(round: Int) -> String {
        "every participant's local training failed in round \(round) (non-finite losses or no negatives to sample); lower --server-lr or --neumf-lr, or use --server-optimizer fedadam"
    }
    /// The NeuMF result (the final full-ranking metrics).
    public func result(of run: FederatedRun<[RankingMetrics]>) -> NeuMFSimulationResult {
        NeuMFSimulationResult(config: configuration, rounds: run.rounds, final: run.final[0], global: run.global,
                              optimizerState: run.optimizerState, secondsPerRound: run.secondsPerRound,
                              trainingSeconds: run.trainingSeconds, wallSeconds: run.wallSeconds, stopReason: run.stopReason)
    }
}

/// The in-process federated simulation of NeuMF: the one engine with the NeuMF step.
public typealias NeuMFSimulation<Privatizer: UpdatePrivatizer> = FederatedSimulation<NeuMFFederatedStep, Privatizer>

extension FederatedSimulation where Step == NeuMFFederatedStep {
    /// The model layout shared by server and clients.
    public var architecture: NeuMFArchitecture { step.architecture }
    /// What each client computes (shared with `fedrec client`).
    public var clientStep: NeuMFClientStep { step.clientStep }
    /// Every client's user row, `population × embeddingDim`, in client order.
    public var userEmbeddings: [Float] { clients.flatMap(\.userEmbedding) }
    /// Client c's distinct training items, sorted (its whole local history).
    public func history(of c: Int) -> ArraySlice<Int32> { clients[c].history[...] }
    /// The current model under each protocol of `protocols` (e.g. `[.full, .sampled(negatives: 99,
    /// seed: s)]`), one ``RankingMetrics`` per protocol, in order.
    /// - Throws: ``FederationError`` when the global model holds non-finite values (training diverged).
    public func evaluate(protocols: [CandidateSet] = [.full]) throws -> [RankingMetrics] { try evaluate(protocols) }
}
