import FedRecData

/// Which algorithm fits a ``BiasedMF``, with its hyperparameters.
public enum MFAlgorithm: Sendable, Hashable, Codable {
    /// Per-rating stochastic gradient descent (``SGDTrainer``).
    case sgd(SGDConfig)
    /// Alternating least squares with jointly solved biases (``ALSTrainer``).
    case als(ALSConfig)

    /// The number of passes the algorithm runs (SGD epochs or ALS sweeps).
    public var epochs: Int {
        switch self {
        case .sgd(let c): c.epochs
        case .als(let c): c.sweeps
        }
    }

    /// "sgd" or "als".
    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .als: "als"
        }
    }
}

/// What happened in one epoch (SGD) or sweep (ALS) of centralized training.
public struct EpochReport: Sendable, Hashable {
    /// The epoch just completed, from 1.
    public var epoch: Int
    /// Training RMSE (unclamped): the running error of the pass for SGD, the error after the
    /// sweep for ALS.
    public var trainRMSE: Double
    /// Training seconds of this epoch (evaluation excluded).
    public var epochSeconds: Double
    /// Training seconds since the start (evaluation excluded).
    public var elapsedSeconds: Double
    /// Held-out RMSE/MAE of clamped predictions, when a held-out set was given.
    public var heldOut: ErrorMetrics?
    /// Held-out ranking metrics, when a ranking evaluator was given.
    public var ranking: RankingMetrics?
}

/// Trains biased MF on pooled data: the centralized baseline every federated run is compared
/// with (same model, same split), reporting progress after each epoch.
///
/// ```swift
/// let trainer = try CentralizedTrainer(.sgd(SGDConfig()))
/// let model = try trainer.train(on: split.train, heldOut: split.test) { r in
///     print("epoch \(r.epoch) train \(r.trainRMSE) test \(r.heldOut!.rmse) \(r.elapsedSeconds)s")
/// }
/// ```
public struct CentralizedTrainer: Sendable {
    /// The algorithm and its validated hyperparameters.
    public let algorithm: MFAlgorithm

    /// Creates a trainer; throws ``ModelError`` if the configuration is invalid.
    public init(_ algorithm: MFAlgorithm) throws {
        switch algorithm {
        case .sgd(let c): try c.validate()
        case .als(let c): try c.validate()
        }
        self.algorithm = algorithm
    }

    /// Trains on `train`; after every epoch evaluates `heldOut` (RMSE/MAE) and, if given,
    /// `ranking` on `heldOut`, then calls `onEpoch`.
    ///
    /// - Parameter clock: the clock that times the epochs (inject a test clock if needed).
    /// - Throws: ``ModelError`` with `.emptyData` for an empty training set, `.shapeMismatch`
    ///   if `heldOut` has another index space, `.diverged` if the training error becomes
    ///   non-finite (lower the learning rate).
    public func train<C: Clock<Duration>>(
        on train: RatingsDataset, heldOut: RatingsDataset? = nil, ranking: RankingEvaluator? = nil,
        clock: C = ContinuousClock(), onEpoch: (EpochReport) -> Void = { _ in }
    ) throws -> BiasedMF {
        guard train.count > 0 else {
            throw ModelError(.emptyData, "the training set '\(train.source)' has no ratings: check the data file and split")
        }
        if let h = heldOut, h.userCount != train.userCount || h.itemCount != train.itemCount {
            throw ModelError(.shapeMismatch, """
                the held-out set has \(h.userCount) users and \(h.itemCount) items but the training set \
                \(train.userCount) and \(train.itemCount): split both from one data set
                """)
        }
        var elapsed = 0.0
        func report(_ epoch: Int, _ rmse: Double, _ seconds: Double, _ model: BiasedMF) throws {
            guard rmse.isFinite else {
                throw ModelError(.diverged, "training error became \(rmse) in epoch \(epoch): lower the learning rate or raise the regularization")
            }
            elapsed += seconds
            var r = EpochReport(epoch: epoch, trainRMSE: rmse, epochSeconds: seconds, elapsedSeconds: elapsed)
            if let h = heldOut {
                r.heldOut = Metrics.errors(of: model, on: h)
                if let ranking { r.ranking = ranking.evaluate(model, train: train, test: h) }
            }
            onEpoch(r)
        }
        switch algorithm {
        case .sgd(let config):
            var session = SGDTrainer.Session(trainer: try SGDTrainer(config: config), data: train)
            for _ in 0..<config.epochs {
                var rmse = 0.0
                let t = clock.measure { rmse = session.step() }
                try report(session.epoch, rmse, t.seconds, session.model)
            }
            return session.model
        case .als(let config):
            var session = ALSTrainer.Session(trainer: try ALSTrainer(config: config), data: train)
            for _ in 0..<config.sweeps {
                var rmse = 0.0
                let t = clock.measure { rmse = session.step() }
                try report(session.sweep, rmse, t.seconds, session.model)
            }
            return session.model
        }
    }
}

extension Duration {
    /// The duration in seconds as a double.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
