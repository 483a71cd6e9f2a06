import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels

/// How the options of `baseline`, `simulate`, `sweep` and `serve` become a NeuMF split and NeuMF
/// training configurations: one place, so `fedrec sweep --model neumf` runs exactly what
/// `fedrec simulate --model neumf` runs for the same options.
extension NeuMFRuns {
    /// NeuMF's defaults where they differ from MF's, for the help texts and the configurations.
    enum Defaults {
        /// Federated rounds of `simulate` and `serve` (MF: 300).
        static let rounds = 100
        /// Local epochs per round (MF: 3): ``NeuMFLocalOptions``' default.
        static let localEpochs = NeuMFLocalOptions().epochs
        /// The server optimizer's name (MF: fedadam): FedAvg, the plain average of the client deltas.
        static let serverOptimizer = "fedavg"
        /// Centralized epochs on implicit feedback (the trainer's 20 at 0.001 overfit MovieLens-100K).
        static let implicitEpochs = 10
        /// Centralized epochs on explicit ratings (the held-out RMSE is best after 2 on ML-100K).
        static let explicitEpochs = 2
    }

    /// Options only the NeuMF path reads, for every command that trains it (the shape and the split).
    static let specs: [OptionSpec] = [
        OptionSpec("implicit-threshold", .double(.nonNegative), valueName: "R",
                   help: "--model neumf: ratings ≥ R count as interactions (default: every rating)."),
        OptionSpec("gmf-dim", .int(1...4096), valueName: "D", default: "\(NeuMFConfig().gmfDim)",
                   help: "--model neumf: width of the GMF user and item embeddings."),
        OptionSpec("mlp-layers", .string, valueName: "LIST", default: NeuMFConfig().mlpLayers.map(String.init).joined(separator: ","),
                   help: "--model neumf: MLP tower widths, input first (comma-separated, at least 2, each in 1…4096, the first even: user and item MLP embeddings of half of it each)."),
    ]

    /// Options of federated NeuMF only (`simulate`, `sweep`, `serve`), not of the centralized baseline.
    static let federatedSpecs: [OptionSpec] = [
        OptionSpec("neumf-lr", .double(.positive), valueName: "LR", default: "\(localLearningRate)",
                   help: "--model neumf: the clients' local Adam learning rate (the evaluation fit and the centralized baseline keep theirs)."),
    ]

    /// The clients' default local Adam learning rate (``NeuMFLocalOptions``' default).
    static var localLearningRate: Float {
        if case .adam(let h) = NeuMFLocalOptions().optimizer { return h.learningRate }
        preconditionFailure("NeuMFLocalOptions' default optimizer is Adam")
    }

    /// Options that only MF reads; given with `--model neumf` they are refused rather than ignored.
    static let mfOnlyOptions = ["algorithm", "dim", "holdout", "local-lr", "reg", "user-reg", "user-state"]

    /// Checks the model options before any data is read: refuses options of the other model (MF's
    /// ``mfOnlyOptions``, less `allowedForNeuMF`, with `--model neumf`; NeuMF's ``specs`` and
    /// ``federatedSpecs`` with `--model mf`) and, for NeuMF, checks the shape.
    /// - Throws: `UsageError` naming the option and the model it belongs to, or the bad shape option.
    static func checkModelOptions(_ args: ParsedArguments, allowedForNeuMF: Set<String> = []) throws {
        let command = args.spec.invocation
        if args.string("model") == "neumf" {
            for name in mfOnlyOptions where !allowedForNeuMF.contains(name) && args.isSet(name) {
                throw UsageError("'--\(name)' applies to --model mf only; --model neumf uses NeuMF's own shape and local training (--gmf-dim, --mlp-layers, --local-epochs, --neumf-lr)", command: command)
            }
            _ = try modelConfig(args)
        } else {
            for name in (specs + federatedSpecs).map(\.name) where args.isSet(name) {
                let why = name == "implicit-threshold" ? "MF learns from the ratings themselves" : "MF's shape and client step are --dim, --local-epochs, --local-lr, --reg"
                throw UsageError("'--\(name)' applies to --model neumf only (\(why))", command: command)
            }
        }
    }

    /// The leave-one-out split of the (implicit) data.
    /// - Throws: `DataError(.emptySplit)` when it holds nothing out (every metric would be NaN).
    static func split(_ input: DataOptions.Input, _ args: ParsedArguments) throws -> DataSplit {
        let split = NeuMFExperiment.leaveOneOut(input.dataset, threshold: args.double("implicit-threshold").map(Float.init))
        try split.checkHoldsOut()
        return split
    }

    /// The NeuMF shape `--gmf-dim` and `--mlp-layers` describe, with `objective`.
    /// - Throws: `UsageError` naming the option when the list is not a valid MLP tower
    ///   (``NeuMFConfig/validate()``'s rules).
    static func modelConfig(_ args: ParsedArguments, objective: NeuMFObjective = .implicit) throws -> NeuMFConfig {
        let command = args.spec.invocation
        let text = args.string("mlp-layers")!
        let words = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let layers = try words.map { w -> Int in
            guard let v = Int(w) else {
                throw UsageError("'--mlp-layers' is '\(text)': '\(w)' is not a whole number; give widths like 64,32,16,8", command: command)
            }
            return v
        }
        let config = NeuMFConfig(gmfDim: args.int("gmf-dim")!, mlpLayers: layers, objective: objective)
        do {
            try config.validate()
        } catch let e as ModelError {
            // NeuMFConfig.validate is the authority; say its rule in the option's terms.
            let reason: String
            if layers.count < 2 {
                reason = "give at least 2 widths (the MLP input and one layer)"
            } else if let bad = layers.first(where: { !(1...4096).contains($0) }) {
                reason = "the width \(bad) is out of range; each must be in 1…4096"
            } else if layers[0] % 2 != 0 {
                reason = "the first width, \(layers[0]), must be even (the user and item MLP embeddings get half of it each)"
            } else {
                reason = e.message
            }
            throw UsageError("'--mlp-layers' is '\(text)': \(reason); e.g. 64,32,16,8", command: command)
        }
        return config
    }

    /// The shape in words, e.g. `GMF 8 + MLP 64→32→16→8`.
    static func shapeSummary(_ c: NeuMFConfig) -> String {
        "GMF \(c.gmfDim) + MLP \(c.mlpLayers.map(String.init).joined(separator: "→"))"
    }

    /// Centralized NeuMF options: 10 epochs of Adam at 0.002 unless `--epochs` says otherwise
    /// (the trainer's 20 epochs at 0.001 overfit MovieLens-100K: HR@10 0.119 against 0.129).
    static func trainingOptions(_ args: ParsedArguments) -> NeuMFTrainingOptions {
        NeuMFTrainingOptions(epochs: args.int("epochs") ?? Defaults.implicitEpochs, optimizer: .adam(.init(learningRate: 0.002)))
    }

    /// The server optimizer of a NeuMF federation: as the options say, with FedAvg (not MF's
    /// FedAdam) when `--server-optimizer` is not given, so `--server-lr 0.5` alone is FedAvg at
    /// η = 0.5, and nothing at all is FedAvg at η = 1.
    /// - Throws: `UsageError` for a server option the optimizer does not read.
    static func serverOptimizer(_ args: ParsedArguments) throws -> ServerOptimizer {
        try SimulationOptions.serverOptimizer(args, defaultName: Defaults.serverOptimizer)
    }

    /// The federated NeuMF configuration the options describe, for `rounds` rounds under `sampling`:
    /// the shape of ``modelConfig(_:objective:)``, the default local training with `--local-epochs`
    /// and `--neumf-lr` applied, ``serverOptimizer(_:)``, `--threads` workers, evaluation every
    /// `evaluateEvery` rounds.
    /// - Throws: `UsageError` for a bad shape or server option; `FederationError` or `ModelError`
    ///   naming an option out of range.
    static func simulationConfig(_ args: ParsedArguments, rounds: Int, sampling: ClientSampling, evaluateEvery: Int = 0,
                                 seed: UInt64) throws -> NeuMFSimulationConfig {
        var local = NeuMFLocalOptions()
        if args.isSet("local-epochs") { local.epochs = args.int("local-epochs")! }
        if args.isSet("neumf-lr") { local.optimizer = .adam(.init(learningRate: Float(args.double("neumf-lr")!))) }
        return try NeuMFSimulationConfig(
            rounds: rounds, sampling: sampling, model: modelConfig(args), local: local, serverOptimizer: serverOptimizer(args),
            evaluateEvery: evaluateEvery, seed: seed, threads: args.int("threads") ?? SimulationConfig.defaultThreads)
    }

    /// A federated NeuMF configuration in one line: shape, rounds, local step, server optimizer.
    static func federatedSummary(_ c: NeuMFSimulationConfig) -> String {
        let local: String
        switch c.local.optimizer {
        case .sgd(let lr): local = "SGD lr \(lr)"
        case .adam(let h): local = "Adam lr \(h.learningRate)"
        }
        return "NeuMF (\(shapeSummary(c.model))), \(c.rounds) rounds, \(c.local.epochs) local epochs of \(local), server \(c.serverOptimizer.name) lr \(c.serverOptimizer.learningRate)"
    }

    /// The centralized NeuMF baseline in one line (architecture and training options).
    static func baselineSummary(_ args: ParsedArguments) throws -> String {
        let c = try modelConfig(args), o = trainingOptions(args)
        let optimizer: String
        switch o.optimizer {
        case .sgd(let lr): optimizer = "SGD lr \(lr)"
        case .adam(let h): optimizer = "Adam lr \(h.learningRate)"
        }
        return "NeuMF (\(shapeSummary(c))), \(o.epochs) epochs, batch \(o.batchSize), \(optimizer), \(o.negativesPerPositive) negatives per positive"
    }
}
