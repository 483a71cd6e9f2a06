import FedRecData
import FedRecMath
import FedRecModels

/// NeuMF on explicit ratings (He et al. 2017's architecture with a linear output trained by squared
/// error), evaluated by RMSE and MAE like biased MF: `fedrec baseline --model neumf --objective
/// explicit`. It answers "does the MLP tower help on ratings?" on the same per-user holdout split
/// that `fedrec baseline --model mf` uses with the same seed.
public enum ExplicitNeuMFExperiment {
    /// The outcome of one run.
    public struct Result: Sendable {
        /// Held-out RMSE/MAE of NeuMF's clamped predictions.
        public var neumf: ErrorMetrics
        /// Held-out RMSE/MAE of the popularity (item-mean) baseline on the same split.
        public var popularity: ErrorMetrics
        /// Seconds of training (evaluation excluded).
        public var trainingSeconds: Double
    }

    /// Trains NeuMF with the explicit objective on `split.train` and evaluates it on `split.test`.
    /// - Parameters:
    ///   - config: the shape; its objective is set to explicit.
    ///   - options: epochs, batch, optimizer (negative sampling does not apply to ratings).
    ///   - onEpoch: called after each epoch with its training report.
    /// - Throws: `ModelError` for invalid settings, implicit data, or a diverged model.
    public static func run(
        split: DataSplit, config: NeuMFConfig = NeuMFConfig(), options: NeuMFTrainingOptions, seed: UInt64,
        onEpoch: (NeuMFEpochReport) throws -> Void = { _ in }
    ) throws -> Result {
        guard split.train.feedback == .explicit else {
            throw ModelError(.invalidInput, "explicit NeuMF needs graded ratings, but \(split.train.source) holds implicit feedback; use --objective implicit")
        }
        var shape = config
        shape.objective = .explicit
        let trainer = try NeuMFTrainer(config: shape, options: options)
        var rng = SeededGenerator(seed: seed)
        let test = split.test.byUser()
        let scale = split.test.scale
        var training = 0.0
        let model = try trainer.train(split.train, using: &rng) { report in
            training = report.elapsedSeconds
            try onEpoch(report)
        }
        let popularityModel = PopularityBaseline(train: split.train)
        let popularity = Metrics.errors(on: split.test) { u, i in popularityModel.predict(user: u, item: i) }
        return Result(neumf: errors(model, test, scale), popularity: popularity, trainingSeconds: training)
    }

    /// RMSE/MAE of `model`'s clamped predictions on the held-out rows, one batched scoring call per user.
    static func errors(_ model: NeuMF, _ test: UserMajorRatings, _ scale: RatingScale) -> ErrorMetrics {
        var metrics = ErrorMetrics()
        for u in 0..<test.userCount where test.count(of: u) > 0 {
            let rows = test.range(of: u)
            let scores = model.score(user: u, items: Array(test.items[rows]))
            for (k, r) in rows.enumerated() { metrics.add(prediction: scale.clamp(scores[k]), rating: test.ratings[r]) }
        }
        return metrics
    }
}
