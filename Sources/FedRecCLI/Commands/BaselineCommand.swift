import FedRecData
import FedRecExperiments
import FedRecMath
import FedRecModels

/// `fedrec baseline`: the centralized model trained on pooled data, the reference every
/// federated and private result is compared with.
public enum BaselineCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["baseline"],
        summary: "Train the centralized model on pooled data (the reference for federated runs).",
        discussion: """
            Splits the data as simulate does (explicit: per-user random holdout; implicit: leave the \
            latest out), trains biased MF on the training part and reports held-out metrics per epoch \
            and at the end, beside a popularity baseline. --model neumf trains NeuMF on implicit \
            feedback (HR/NDCG@10, leave-one-out); add --objective explicit to train it on the ratings \
            instead (linear output, squared error) and compare its RMSE/MAE with --model mf on the same \
            split (same --seed).
            """,
        options: DataOptions.specs + ModelOptions.specs + NeuMFRuns.specs + [
            OptionSpec("objective", .choice(["implicit", "explicit"]), valueName: "KIND", default: "implicit",
                       help: "--model neumf: implicit feedback (sigmoid + cross-entropy, HR/NDCG) or explicit ratings (linear + squared error, RMSE/MAE)."),
            OptionSpec("seed", .int(0...Int.max), valueName: "S", default: "42", help: "Seed of the split and the training."),
            .flag("json", help: "Print one JSON object on stdout (per-epoch lines go to stderr)."),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let seed = UInt64(arguments.int("seed")!)
        // --holdout is the explicit NeuMF baseline's split too.
        try NeuMFRuns.checkModelOptions(arguments, allowedForNeuMF: arguments.string("objective") == "explicit" ? ["holdout"] : [])
        if arguments.string("model") != "neumf" && arguments.isSet("objective") {
            throw UsageError("'--objective' applies to --model neumf only (MF always learns the ratings)", command: spec.invocation)
        }
        let input = try DataOptions.load(arguments)
        if arguments.string("model") == "neumf" {
            if arguments.string("objective") == "explicit" { return try explicitNeuMF(arguments, input: input, seed: seed, console: console) }
            return try NeuMFRuns.baseline(arguments, input: input, seed: seed, console: console)
        }
        let split = try ModelOptions.split(input.dataset, arguments, seed: seed)
        let algorithm = try ModelOptions.algorithm(arguments, seed: seed)
        let json = arguments.flag("json")
        let line: (String) -> Void = { json ? console.note($0) : console.print($0) }
        line("data: \(input.summary); train \(split.train.count), held out \(split.test.count) ratings")
        line("model: biased MF, \(algorithm.summary)")
        let clock = ContinuousClock()
        let start = clock.now
        let result = try CentralizedBaseline.train(algorithm, split: split) { (r: EpochReport) in
            let heldOut = r.heldOut ?? ErrorMetrics()
            line(String(format: "epoch %3d  train rmse %.4f  held-out rmse %.4f  mae %.4f  %.2fs",
                        r.epoch, r.trainRMSE, heldOut.rmse, heldOut.mae, r.elapsedSeconds))
        }
        let popularityModel = PopularityBaseline(train: split.train)
        let popularity = Metrics.errors(on: split.test) { u, i in popularityModel.predict(user: u, item: i) }
        let wall = (clock.now - start).inSeconds
        if json {
            var o = JSONObjectBuilder()
            o.set("rmse", result.metrics.rmse)
            o.set("mae", result.metrics.mae)
            o.set("popularity_rmse", popularity.rmse)
            o.set("model", "mf")
            o.set("algorithm", algorithm.name)
            o.set("epochs", algorithm.epochs)
            o.set("dim", algorithm.dim)
            o.set("users", input.dataset.userCount)
            o.set("items", input.dataset.itemCount)
            o.set("train_ratings", split.train.count)
            o.set("test_ratings", split.test.count)
            o.set("train_seconds", result.trainSeconds)
            o.set("wall_seconds", wall)
            o.set("seed", Int(seed))
            o.set("data", input.summary)
            console.print(o.value.serialized())
        } else {
            console.print(String(format: "held-out rmse %.4f, mae %.4f  (popularity baseline rmse %.4f); trained in %.2fs",
                                 result.metrics.rmse, result.metrics.mae, popularity.rmse, result.trainSeconds))
        }
    }
}

extension BaselineCommand {
    /// `fedrec baseline --model neumf --objective explicit`: NeuMF on the ratings, RMSE/MAE on the
    /// per-user holdout split biased MF uses with the same seed.
    static func explicitNeuMF(_ arguments: ParsedArguments, input: DataOptions.Input, seed: UInt64, console: Console) throws {
        guard input.dataset.feedback == .explicit else {
            throw UsageError("--objective explicit needs graded ratings, but \(input.summary) holds implicit feedback; use --objective implicit", command: spec.invocation)
        }
        let json = arguments.flag("json")
        let line: (String) -> Void = { json ? console.note($0) : console.print($0) }
        let split = try ModelOptions.split(input.dataset, arguments, seed: seed)
        var options = NeuMFRuns.trainingOptions(arguments)
        // Without regularization NeuMF overfits ratings fast: on ML-100K the held-out RMSE is best
        // after 2 epochs (0.901) and 0.977 after the implicit path's 10.
        if !arguments.isSet("epochs") { options.epochs = NeuMFRuns.Defaults.explicitEpochs }
        let shape = try NeuMFRuns.modelConfig(arguments, objective: .explicit)
        line("data: \(input.summary); train \(split.train.count), held out \(split.test.count) ratings")
        line("model: NeuMF (\(NeuMFRuns.shapeSummary(shape))), explicit objective, \(options.epochs) epochs of Adam")
        let result = try ExplicitNeuMFExperiment.run(split: split, config: shape, options: options, seed: seed) { r in
            line(String(format: "epoch %3d  train loss %.4f  %.2fs", r.epoch, r.meanLoss, r.elapsedSeconds))
        }
        if json {
            var o = JSONObjectBuilder()
            o.set("rmse", result.neumf.rmse)
            o.set("mae", result.neumf.mae)
            o.set("popularity_rmse", result.popularity.rmse)
            o.set("model", "neumf")
            o.set("objective", "explicit")
            o.set("epochs", options.epochs)
            o.set("gmf_dim", shape.gmfDim)
            o.set("mlp_layers", shape.mlpLayers.map(String.init).joined(separator: ","))
            o.set("users", input.dataset.userCount)
            o.set("items", input.dataset.itemCount)
            o.set("train_ratings", split.train.count)
            o.set("test_ratings", split.test.count)
            o.set("train_seconds", result.trainingSeconds)
            o.set("seed", Int(seed))
            o.set("data", input.summary)
            console.print(o.value.serialized())
        } else {
            console.print(String(format: "held-out rmse %.4f, mae %.4f  (popularity baseline rmse %.4f); trained in %.2fs",
                                 result.neumf.rmse, result.neumf.mae, result.popularity.rmse, result.trainingSeconds))
        }
    }
}
