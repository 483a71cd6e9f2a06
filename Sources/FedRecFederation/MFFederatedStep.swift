import FedRecData
import FedRecMath
import FedRecModels

/// Biased MF as a plug-in of the federation engine (``Simulation``): the global vector is the
/// ``ItemModel`` (μ, item biases, item factors); each ``Client`` keeps its ratings and user
/// embedding. A round's local step is ``Client/train(model:config:workspace:using:)`` followed by the
/// client hook of the privacy seam; evaluation is ``Client/evaluate(model:userRegularization:scale:workspace:)``
/// (RMSE/MAE on the client's own held-out ratings). Non-private updates stay sparse
/// (``UpdateAccumulator``), so a round costs time proportional to the ratings involved.
public struct MFFederatedStep: FederatedClientStep {
    /// MF always scores.
    public typealias EvaluationFailure = Never
    /// The simulation's configuration.
    public let configuration: SimulationConfig
    /// Items of the model.
    public let itemCount: Int
    /// The rating scale predictions are clamped to.
    public let scale: RatingScale

    /// Checks that the split suits federated MF (explicit ratings, something to train on and to
    /// evaluate) and builds one ``Client`` per user.
    /// - Throws: ``FederationError`` naming the configuration option or what the data lack.
    public static func make(configuration config: SimulationConfig, train: RatingsDataset, heldOut: RatingsDataset) throws
        -> (step: MFFederatedStep, clients: [Client])
    {
        try config.validate()
        guard train.userCount == heldOut.userCount, train.itemCount == heldOut.itemCount else {
            throw FederationError(.invalidData, "the training set has \(train.userCount) users × \(train.itemCount) items but the held-out set has \(heldOut.userCount) × \(heldOut.itemCount); split one data set so both share its index space")
        }
        guard train.count > 0, train.userCount > 0 else {
            throw FederationError(.invalidData, "the training set (\(train.source)) has no ratings; there is nothing to train on")
        }
        guard train.feedback == .explicit else {
            throw FederationError(.invalidData, "the data set (\(train.source)) holds implicit feedback; the federated MF simulation fits and scores explicit ratings (RMSE, MAE); use --model neumf for implicit data")
        }
        guard heldOut.count > 0 else {
            throw FederationError(.invalidData, "the data set (\(heldOut.source)) has no held-out users to evaluate on; use a holdout fraction > 0 or users with more ratings")
        }
        let step = MFFederatedStep(configuration: config, itemCount: train.itemCount, scale: train.scale)
        return (step, Client.population(train: train, heldOut: heldOut))
    }

    /// The engine's part of the configuration.
    public var schedule: RoundSchedule {
        let c = configuration
        return RoundSchedule(rounds: c.rounds, sampling: c.sampling, serverOptimizer: c.serverOptimizer,
                             evaluateEvery: c.evaluateEvery, seed: c.seed, threads: c.threads, reductionChunks: c.reductionChunks)
    }
    /// 1 + I·(d + 1).
    public var parameterCount: Int { ItemModel.parameterCount(itemCount: itemCount, dim: configuration.dim) }
    /// The latent dimension d (the workspace holds gathered item rows).
    public var workspaceDim: Int { configuration.dim }

    /// Item factors from N(0, initScale²); μ at the configured mean or the scale's midpoint, which
    /// depends on no user's data (unlike the training mean, which would leak an aggregate).
    public func initialGlobal(using rng: inout SeededGenerator) -> [Float] {
        let mu = configuration.initialGlobalMean ?? (scale.min + scale.max) / 2
        return ItemModel(itemCount: itemCount, dim: configuration.dim, globalMean: mu,
                         initScale: configuration.initScale, using: &rng).parameters
    }

    /// The global vector as an ``ItemModel``.
    public func roundView(of global: [Float]) -> ItemModel {
        ItemModel(flattened: global, itemCount: itemCount, dim: configuration.dim)
    }

    /// The client's local step, then the client hook of the privacy seam (clip, its noise share).
    public func train(
        _ client: inout Client, view: ItemModel, privatizer: some UpdatePrivatizer, workspace: ClientWorkspace,
        using rng: inout SeededGenerator
    ) -> ClientRound<ModelUpdate> {
        var result = client.train(model: view, config: configuration.local, workspace: workspace, using: &rng)
        privatizer.privatizeClientUpdate(&result.update, using: &rng)
        return ClientRound(update: result.update, normBeforePrivatization: result.updateNorm, lossSum: result.lossSum,
                           exampleCount: result.ratingCount, failed: result.failed)
    }

    /// An empty sparse-aware chunk sum.
    public func makePartial() -> UpdateAccumulator { UpdateAccumulator(itemCount: itemCount, dim: configuration.dim) }

    /// MF evaluates one way: RMSE/MAE on the held-out ratings.
    public var defaultEvaluation: Void { () }
    /// Whether the client holds held-out ratings.
    public func hasHeldOut(_ client: Client) -> Bool { !client.heldOutItems.isEmpty }
    /// The global vector as an ``ItemModel``.
    public func evaluationView(of global: [Float], request: Void) -> ItemModel { roundView(of: global) }
    /// No errors yet.
    public func emptyMetrics(_ view: ItemModel) -> ErrorMetrics { ErrorMetrics() }
    /// The client's error sums on its held-out ratings (its user embedding fitted by ridge regression).
    public func evaluate(_ client: Client, index: Int, view: ItemModel, workspace: ClientWorkspace, seed: UInt64) -> ErrorMetrics {
        client.evaluate(model: view, userRegularization: configuration.local.userRegularization, scale: scale, workspace: workspace)
    }
    /// Adds error sums.
    public func combine(_ total: inout ErrorMetrics, _ part: ErrorMetrics) { total += part }
    /// RMSE and MAE.
    public func annotate(_ record: inout RoundRecord, with metrics: ErrorMetrics) {
        record.rmse = metrics.rmse
        record.mae = metrics.mae
    }

    /// What to change when the model turned non-finite.
    public func divergedModelMessage(round: Int) -> String {
        "the model diverged (non-finite parameters) in round \(round); the model of round \(round - 1) is kept: lower --server-lr, use --server-optimizer fedadam, or raise --clip"
    }
    /// What to change when every client's local step blew up.
    public func allClientsFailedMessage(round: Int) -> String {
        "the model diverged in round \(round): every participant's local training produced non-finite values on it; lower --server-lr or --local-lr, or use --server-optimizer fedadam"
    }
    /// The MF result (the final model as an ``ItemModel``).
    public func result(of run: FederatedRun<ErrorMetrics>) -> SimulationResult {
        SimulationResult(config: configuration, rounds: run.rounds, final: run.final, model: roundView(of: run.global),
                         optimizerState: run.optimizerState, secondsPerRound: run.secondsPerRound,
                         trainingSeconds: run.trainingSeconds, wallSeconds: run.wallSeconds, stopReason: run.stopReason)
    }
}

/// The in-process federated simulation of biased MF: the one engine with the MF step.
public typealias Simulation<Privatizer: UpdatePrivatizer> = FederatedSimulation<MFFederatedStep, Privatizer>

extension FederatedSimulation where Step == MFFederatedStep {
    /// The current global model.
    public var model: ItemModel { step.roundView(of: global) }
    /// The rating scale predictions are clamped to.
    public var scale: RatingScale { step.scale }
    /// Held-out RMSE/MAE of the current model (see ``evaluate(_:)``).
    public func evaluate() -> ErrorMetrics { evaluate(()) }
}
