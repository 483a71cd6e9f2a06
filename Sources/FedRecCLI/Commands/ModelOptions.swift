import FedRecData
import FedRecMath
import FedRecModels

/// Options that choose and tune the model, shared by `baseline` and `simulate`, and the split
/// both use so their numbers are comparable.
enum ModelOptions {
    /// The option declarations, in help order.
    static let specs: [OptionSpec] = [
        OptionSpec("model", .choice(["mf", "neumf"]), valueName: "NAME", default: "mf",
                   help: "Model: biased matrix factorization on ratings, or NeuMF (GMF + MLP) on implicit feedback (leave-one-out, HR/NDCG@10)."),
        OptionSpec("algorithm", .choice(["sgd", "als"]), valueName: "NAME", default: "sgd", help: "MF: centralized training algorithm (the baseline; NeuMF trains with Adam)."),
        OptionSpec("epochs", .int(1...10_000), valueName: "N",
                   help: "Centralized epochs (ALS: sweeps) of the baseline (default: 50 for SGD, 20 for ALS; NeuMF: \(NeuMFRuns.Defaults.implicitEpochs) on implicit feedback, \(NeuMFRuns.Defaults.explicitEpochs) with baseline --objective explicit)."),
        OptionSpec("dim", .int(1...1024), valueName: "D",
                   help: "MF latent dimension (default: each model's tuned one: SGD 128, ALS 32, federated 16; NeuMF: --gmf-dim, --mlp-layers)."),
        OptionSpec("holdout", .double(Bounds(lower: 0, lowerOpen: true, upper: 0.9)), valueName: "F", default: "0.1",
                   help: "MF (and baseline --model neumf --objective explicit) on explicit data: fraction of each user's ratings held out for evaluation."),
    ]

    /// The train/held-out split every command uses for a seed.
    /// - Throws: `DataError(.emptySplit)` when it holds nothing out (every metric would be NaN).
    static func split(_ data: RatingsDataset, _ args: ParsedArguments, seed: UInt64) throws -> DataSplit {
        var rng = SeededGenerator(seed: seed, stream: [0x5B17])
        let split = DataSplit.forEvaluation(data, testFraction: args.double("holdout")!, using: &rng)
        try split.checkHoldsOut()
        return split
    }

    /// The centralized algorithm the options describe.
    static func algorithm(_ args: ParsedArguments, seed: UInt64) throws -> MFAlgorithm {
        switch args.string("algorithm")! {
        case "als":
            var c = ALSConfig()
            if let e = args.int("epochs") { c.sweeps = e }
            if let d = args.int("dim") { c.dim = d }
            c.seed = seed
            return .als(c)
        default:
            var c = SGDConfig()
            if let e = args.int("epochs") { c.epochs = e }
            if let d = args.int("dim") { c.dim = d }
            c.seed = seed
            return .sgd(c)
        }
    }
}

/// The centralized baseline: train on the pooled training part, evaluate on the held-out part.
enum CentralizedBaseline {
    /// Trained model, final held-out metrics and training seconds.
    struct Result {
        var model: BiasedMF
        var metrics: ErrorMetrics
        var trainSeconds: Double
    }

    /// Trains `algorithm` on `split.train`, reporting each epoch.
    static func train(_ algorithm: MFAlgorithm, split: DataSplit, onEpoch: (EpochReport) -> Void = { _ in }) throws -> Result {
        var seconds = 0.0
        let model = try CentralizedTrainer(algorithm).train(on: split.train, heldOut: split.test) { r in
            seconds = r.elapsedSeconds
            onEpoch(r)
        }
        return Result(model: model, metrics: Metrics.errors(of: model, on: split.test), trainSeconds: seconds)
    }
}

extension MFAlgorithm {
    /// The latent dimension.
    var dim: Int {
        switch self {
        case .sgd(let c): c.dim
        case .als(let c): c.dim
        }
    }

    /// One line with the hyperparameters.
    var summary: String {
        switch self {
        case .sgd(let c):
            "SGD, dim \(c.dim), lr \(c.learningRate) (×\(c.learningRateDecay)/epoch), reg \(c.factorRegularization) (bias \(c.biasRegularization)), \(c.epochs) epochs"
        case .als(let c):
            "ALS, dim \(c.dim), reg \(c.regularization) (bias \(c.biasRegularization)), \(c.sweeps) sweeps"
        }
    }
}
