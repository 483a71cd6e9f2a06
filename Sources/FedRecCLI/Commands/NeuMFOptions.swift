import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels

/// How the options of `baseline`, `simulate` and `sweep` become a NeuMF split and NeuMF training
/// configurations: one place, so `fedrec sweep --model neumf` runs exactly what
/// `fedrec simulate --model neumf` runs for the same options.
extension NeuMFRuns {
    /// Options only the NeuMF path reads.
    static let specs: [OptionSpec] = [
        OptionSpec("implicit-threshold", .double(.nonNegative), valueName: "R",
                   help: "--model neumf: ratings ≥ R count as interactions (default: every rating)."),
    ]

    /// The leave-one-out split of the (implicit) data.
    static func split(_ input: DataOptions.Input, _ args: ParsedArguments) -> DataSplit {
        NeuMFExperiment.leaveOneOut(input.dataset, threshold: args.double("implicit-threshold").map(Float.init))
    }

    /// Centralized NeuMF options: 10 epochs of Adam at 0.002 unless `--epochs` says otherwise
    /// (the trainer's 20 epochs at 0.001 overfit MovieLens-100K: HR@10 0.119 against 0.129).
    static func trainingOptions(_ args: ParsedArguments) -> NeuMFTrainingOptions {
        NeuMFTrainingOptions(epochs: args.int("epochs") ?? 10, optimizer: .adam(.init(learningRate: 0.002)))
    }

    /// The federated NeuMF configuration the options describe, for `rounds` rounds under `sampling`:
    /// the default local training (`--local-epochs` overrides its epochs), FedAvg at server η = 1
    /// unless `--server-optimizer` is given (then `--server-lr` and the optimizer's options apply),
    /// `--threads` workers, evaluation every `evaluateEvery` rounds.
    /// - Throws: `FederationError` or `ModelError` naming an option out of range.
    static func simulationConfig(_ args: ParsedArguments, rounds: Int, sampling: ClientSampling, evaluateEvery: Int = 0,
                                 seed: UInt64) throws -> NeuMFSimulationConfig {
        var local = NeuMFLocalOptions()
        if args.isSet("local-epochs") { local.epochs = args.int("local-epochs")! }
        return try NeuMFSimulationConfig(
            rounds: rounds, sampling: sampling, local: local,
            serverOptimizer: args.isSet("server-optimizer") ? SimulationOptions.serverOptimizer(args) : .fedAvg(learningRate: 1),
            evaluateEvery: evaluateEvery, seed: seed, threads: args.int("threads") ?? SimulationConfig.defaultThreads)
    }

    /// The centralized NeuMF baseline in one line (architecture and training options).
    static func baselineSummary(_ args: ParsedArguments) -> String {
        let c = NeuMFConfig(), o = trainingOptions(args)
        let optimizer: String
        switch o.optimizer {
        case .sgd(let lr): optimizer = "SGD lr \(lr)"
        case .adam(let h): optimizer = "Adam lr \(h.learningRate)"
        }
        return "NeuMF (GMF \(c.gmfDim) + MLP \(c.mlpLayers.map(String.init).joined(separator: "→"))), \(o.epochs) epochs, batch \(o.batchSize), \(optimizer), \(o.negativesPerPositive) negatives per positive"
    }
}
