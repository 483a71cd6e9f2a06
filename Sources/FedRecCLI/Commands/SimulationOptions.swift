import FedRecExperiments
import FedRecFederation
import FedRecPrivacy

/// The federated-training and privacy options of `simulate` (and later `sweep`), and how they
/// become a ``FederatedExperiment``.
enum SimulationOptions {
    /// Federated training options, named as FedRecFederation's messages name them.
    static let training: [OptionSpec] = [
        OptionSpec("rounds", .int(1...1_000_000), valueName: "T", help: "Federated rounds (default: \(MFDefaults.rounds) for MF, \(NeuMFRuns.Defaults.rounds) for NeuMF)."),
        OptionSpec("sampling-rate", .double(.probability), valueName: "q", default: "0.1",
                   help: "Poisson sampling: each client joins a round independently with probability q."),
        OptionSpec("clients-per-round", .int(1...Int.max), valueName: "M",
                   help: "Fixed-size sampling of M clients per round instead (non-private runs only)."),
        OptionSpec("local-epochs", .int(0...1000), valueName: "E",
                   help: "Local epochs on the client per round: SGD for MF, Adam for NeuMF (default: \(MFDefaults.localEpochs) for MF, \(NeuMFRuns.Defaults.localEpochs) for NeuMF)."),
        OptionSpec("local-lr", .double(.positive), valueName: "LR", default: "0.05", help: "MF: client SGD learning rate (NeuMF: --neumf-lr)."),
        OptionSpec("reg", .double(.nonNegative), valueName: "L", default: "0.12", help: "MF: L2 regularization of local item updates."),
        OptionSpec("user-reg", .double(.positive), valueName: "L", default: "5",
                   help: "MF: ridge λ of the client's user-embedding fit (noisier data wants more)."),
        OptionSpec("user-state", .choice(["reconstruct", "persistent"]), valueName: "MODE", default: "reconstruct",
                   help: "MF: rebuild the user embedding each round (Federated Reconstruction) or keep it on the client (NeuMF keeps it)."),
        OptionSpec("server-optimizer", .choice(["fedavg", "fedavgm", "fedadam", "fedyogi"]), valueName: "NAME",
                   help: "Server optimizer (default: \(MFDefaults.serverOptimizer) for MF, \(NeuMFRuns.Defaults.serverOptimizer) for NeuMF; Reddi et al. 2021 for FedAdam/FedYogi)."),
        OptionSpec("server-lr", .double(.positive), valueName: "LR", help: "Server learning rate (default: 0.01 for fedadam/fedyogi, 1 for fedavg/fedavgm)."),
        OptionSpec("server-momentum", .double(Bounds(lower: 0, upper: 1, upperOpen: true)), valueName: "B", default: "0.9", help: "FedAvgM momentum."),
        OptionSpec("server-beta1", .double(Bounds(lower: 0, upper: 1, upperOpen: true)), valueName: "B", default: "0.9", help: "FedAdam/FedYogi β1."),
        OptionSpec("server-beta2", .double(Bounds(lower: 0, upper: 1, upperOpen: true)), valueName: "B", default: "0.99", help: "FedAdam/FedYogi β2."),
        OptionSpec("server-tau", .double(.positive), valueName: "T", default: "0.001", help: "FedAdam/FedYogi adaptivity τ."),
        OptionSpec("eval-every", .int(0...1_000_000), valueName: "K",
                   help: "Evaluate held-out clients every K rounds (0: only at the end; default: \(MFDefaults.evaluateEvery) for MF, 0 for NeuMF)."),
        OptionSpec("threads", .int(1...1024), valueName: "N", help: "Worker threads (default: all cores); results do not depend on it."),
    ]

    /// MF's defaults of the options whose default depends on the model (NeuMF's: ``NeuMFRuns/Defaults``).
    enum MFDefaults {
        /// Federated rounds of `simulate` and `serve`.
        static let rounds = 300
        /// Local SGD epochs per round (``LocalTrainingConfig``'s default).
        static let localEpochs = LocalTrainingConfig().epochs
        /// The server optimizer's name.
        static let serverOptimizer = "fedadam"
        /// Evaluate every this many rounds.
        static let evaluateEvery = 10
    }

    /// Privacy options.
    static let privacy: [OptionSpec] = [
        OptionSpec("epsilon", .double(.positive), valueName: "E", default: "8",
                   help: "User-level ε budget; the noise multiplier is calibrated so the planned rounds meet it."),
        OptionSpec("delta", .double(.openUnit), valueName: "D", help: "δ (default: min(1e-5, 1/(10·users)))."),
        OptionSpec("noise-multiplier", .double(.positive), valueName: "z", help: "Use this z instead of calibrating; rounds stop at the ε budget."),
        OptionSpec("clip", .double(.positive), valueName: "C", default: "0.5", help: "L2 bound of each client's whole update."),
        OptionSpec("trust", .choice(TrustModel.allCases.map(\.rawValue)), valueName: "MODEL", default: "distributed",
                   help: "Who adds noise: central (trusted server), distributed (clients, released only with ≥ m updates), local."),
        OptionSpec("min-updates", .int(1...Int.max), valueName: "m", help: "Distributed trust: fewest updates per released round (default ⌊qN − 3√(qN)⌋)."),
        OptionSpec("noise", .choice(NoisePlacement.allCases.map(\.rawValue)), valueName: "WHERE", default: "per-party",
                   help: "Draw noise per party, or once for the aggregate (same released distribution; simulation shortcut)."),
        OptionSpec("accountant", .choice(AccountantKind.allCases.map(\.rawValue)), valueName: "NAME", default: "pld",
                   help: "Accountant used for calibration and the budget (both are reported)."),
        .flag("adaptive-clip", help: "Adapt the clip bound to a quantile of update norms (Andrew et al. 2021); --clip is the initial bound."),
        OptionSpec("clip-quantile", .double(.openUnit), valueName: "G", default: "0.5", help: "Adaptive clipping: target quantile of update norms."),
        OptionSpec("clip-lr", .double(.positive), valueName: "ETA", default: "0.2", help: "Adaptive clipping: geometric step per round."),
        OptionSpec("clip-count-noise", .double(.positive), valueName: "S", help: "Adaptive clipping: noise σ_b on the unclipped count (default qN/20)."),
        .flag("no-dp", help: "Non-private run: no clipping, no noise, no accounting."),
        .flag("secure-noise", help: "Draw noise from the system CSPRNG even when --seed is given."),
    ]

    /// The federated (MF) configuration the options describe; for `--model neumf` its rounds,
    /// sampling and server optimizer are NeuMF's (``NeuMFRuns/simulationConfig(_:rounds:sampling:evaluateEvery:seed:)``
    /// builds the rest).
    static func simulationConfig(_ args: ParsedArguments, seed: UInt64) throws -> SimulationConfig {
        let sampling: ClientSampling
        if let m = args.int("clients-per-round") {
            if args.isSet("sampling-rate") {
                throw UsageError("give --sampling-rate or --clients-per-round, not both", command: args.spec.invocation)
            }
            sampling = .fixedSize(clientsPerRound: m)
        } else {
            sampling = .poisson(rate: args.double("sampling-rate")!)
        }
        return try SimulationConfig(
            rounds: args.int("rounds") ?? (isNeuMF(args) ? NeuMFRuns.Defaults.rounds : MFDefaults.rounds), sampling: sampling, dim: args.int("dim") ?? 16, local: localTraining(args),
            serverOptimizer: serverOptimizer(args, defaultName: isNeuMF(args) ? NeuMFRuns.Defaults.serverOptimizer : MFDefaults.serverOptimizer),
            evaluateEvery: args.int("eval-every") ?? MFDefaults.evaluateEvery, seed: seed,
            threads: args.int("threads") ?? SimulationConfig.defaultThreads)
    }

    /// Whether the command trains NeuMF (`--model neumf`).
    static func isNeuMF(_ args: ParsedArguments) -> Bool {
        args.spec.option(named: "model") != nil && args.string("model") == "neumf"
    }

    /// The server optimizer the options describe; `defaultName` when `--server-optimizer` is not
    /// given (MF: fedadam, NeuMF: fedavg). `--server-lr` applies to every optimizer.
    /// - Throws: `UsageError` for `--server-momentum` with an optimizer other than fedavgm, or
    ///   `--server-beta1/2`, `--server-tau` with one other than fedadam/fedyogi: they would be ignored.
    static func serverOptimizer(_ args: ParsedArguments, defaultName: String) throws -> ServerOptimizer {
        let name = args.string("server-optimizer") ?? defaultName
        let readers = ["server-momentum": ["fedavgm"], "server-beta1": ["fedadam", "fedyogi"], "server-beta2": ["fedadam", "fedyogi"],
                       "server-tau": ["fedadam", "fedyogi"]]
        for (option, optimizers) in readers.sorted(by: { $0.key < $1.key }) where args.isSet(option) && !optimizers.contains(name) {
            let given = args.isSet("server-optimizer") ? "--server-optimizer \(name)" : "this model's default server optimizer, \(name)"
            throw UsageError("'--\(option)' applies to --server-optimizer \(optimizers.joined(separator: "/")) only, but the run uses \(given); add --server-optimizer \(optimizers[0])", command: args.spec.invocation)
        }
        let lr = Float(args.double("server-lr") ?? (name.hasPrefix("fedavg") ? 1 : 0.01))
        let b1 = Float(args.double("server-beta1")!), b2 = Float(args.double("server-beta2")!), tau = Float(args.double("server-tau")!)
        switch name {
        case "fedavg": return .fedAvg(learningRate: lr)
        case "fedavgm": return .fedAvgM(learningRate: lr, momentum: Float(args.double("server-momentum")!))
        case "fedyogi": return .fedYogi(learningRate: lr, beta1: b1, beta2: b2, tau: tau)
        default: return .fedAdam(learningRate: lr, beta1: b1, beta2: b2, tau: tau)
        }
    }

    /// The clients' local training the options describe.
    static func localTraining(_ args: ParsedArguments) -> LocalTrainingConfig {
        LocalTrainingConfig(
            epochs: args.int("local-epochs") ?? MFDefaults.localEpochs, learningRate: Float(args.double("local-lr")!),
            regularization: Float(args.double("reg")!), userRegularization: Float(args.double("user-reg")!),
            userState: args.string("user-state") == "persistent" ? .persistent : .reconstruct)
    }

    /// The privacy settings the options describe. Noise is seeded only when `--seed` was given
    /// (and `--secure-noise` was not): reproducible simulations, labelled as not private.
    static func privacySettings(_ args: ParsedArguments, seed: UInt64) -> PrivacySettings {
        if args.flag("no-dp") { return .none }
        let seeded = args.isSet("seed") && !args.flag("secure-noise")
        var settings = PrivacySettings(
            enabled: true,
            targetEpsilon: args.isSet("noise-multiplier") && !args.isSet("epsilon") ? nil : args.double("epsilon"),
            noiseMultiplier: args.double("noise-multiplier"), delta: args.double("delta"),
            clipBound: args.double("clip")!, trust: TrustModel(rawValue: args.string("trust")!)!,
            minimumUpdates: args.int("min-updates"),
            placement: NoisePlacement(rawValue: args.string("noise")!)!,
            noise: seeded ? .seeded(seed ^ 0x6E6F_6973_6521) : .secure,
            accountant: AccountantKind(rawValue: args.string("accountant")!)!)
        if args.flag("adaptive-clip") {
            settings.adaptiveClipping = AdaptiveClippingSettings(
                targetQuantile: args.double("clip-quantile")!, learningRate: args.double("clip-lr")!,
                countNoiseStddev: args.double("clip-count-noise"))
        }
        return settings
    }

    /// Refuses privacy options given together with `--no-dp`.
    static func checkConsistency(_ args: ParsedArguments) throws {
        if !args.flag("adaptive-clip") {
            for name in ["clip-quantile", "clip-lr", "clip-count-noise"] where args.isSet(name) {
                throw UsageError("'--\(name)' applies only with --adaptive-clip", command: args.spec.invocation)
            }
        }
        guard args.flag("no-dp") else { return }
        for name in ["epsilon", "delta", "noise-multiplier", "clip", "trust", "min-updates", "noise", "secure-noise",
                     "adaptive-clip", "clip-quantile", "clip-lr", "clip-count-noise"] where args.isSet(name) {
            throw UsageError("'--\(name)' has no effect with --no-dp (a non-private run has no clipping, noise or accounting)", command: args.spec.invocation)
        }
    }
}
