import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecHTTP
import FedRecModels
import FedRecPrivacy
import FedRecServer
import Foundation
import Synchronization

/// `fedrec serve`: the aggregation server (DESIGN §5, docs/protocol.md).
public enum ServeCommand: FedRecCommand {
    /// Options that define the run; on a restart they may be omitted (the stored setup is used) but
    /// not changed.
    static let setupOptions = (SimulationOptions.training + SimulationOptions.privacy).map(\.name)
        + ["items", "scale", "dim", "seed", "data", "synthetic", "synthetic-users", "data-seed", "model"]
        + (NeuMFRuns.specs + NeuMFRuns.federatedSpecs).map(\.name)

    public static let spec = CommandSpec(
        ["serve"],
        summary: "Run the aggregation server: rounds over HTTP, checkpointed in --state DIR.",
        discussion: """
            Clients authenticate with the tokens of --tokens (default DIR/tokens, made by fedrec tokens); \
            N = the number of tokens. The model has --items items (or as many as --data's items; \
            without either, the built-in synthetic data's). Each round: Poisson selection at rate q \
            (secret; seeded only with --seed, for simulations), one dense update per selected client, \
            close when all reported or --round-deadline passes, fewer than m updates → discarded. \
            After each round the state is written atomically; a restart with the same DIR resumes \
            (the options may then be omitted; changing them is refused). SIGINT/SIGTERM stop \
            gracefully. The bound port is printed as 'listening on http://HOST:PORT'. \
            --model neumf trains NeuMF on implicit feedback instead of MF (the plan tells clients; \
            defaults as simulate --model neumf: 100 rounds, FedAvg at server η = 1, 2 local epochs; \
            --gmf-dim and --mlp-layers set its shape, published in the plan). \
            --adaptive-clip adapts the clip bound to the --clip-quantile of the update norms \
            (Andrew et al. 2021, as simulate --adaptive-clip): each round's C is sent with the \
            check-in, clients return the bit 1[norm <= C] with their update, the server noises the \
            count (σ_b = --clip-count-noise, default qN/20) and moves C; the update noise is raised \
            to z_Δ so the accounted z is unchanged.
            """,
        options: [
            OptionSpec("config", .string, valueName: "FILE", help: "JSON object of option names to values; flags override it."),
            OptionSpec("state", .string, valueName: "DIR", help: "State directory (checkpoint, ledger, setup)."),
            OptionSpec("port", .int(0...65535), valueName: "P", default: "8080", help: "TCP port (0: any free port)."),
            OptionSpec("host", .string, valueName: "ADDR", default: "127.0.0.1", help: "Address to bind."),
            OptionSpec("tokens", .string, valueName: "FILE", help: "Client token file (default DIR/tokens)."),
            OptionSpec("items", .int(1...100_000_000), valueName: "I", help: "Items of the model (instead of reading --data)."),
            OptionSpec("scale", .string, valueName: "MIN..MAX", default: "1..5", help: "Rating scale with --items."),
            OptionSpec("model", .choice(["mf", "neumf"]), valueName: "NAME", default: "mf",
                       help: "Model: biased MF on ratings, or NeuMF (GMF + MLP) on implicit feedback."),
            OptionSpec("dim", .int(1...1024), valueName: "D", default: "16", help: "Latent dimension (MF; NeuMF: --gmf-dim, --mlp-layers)."),
            OptionSpec("seed", .int(0...Int.max), valueName: "S", default: "42",
                       help: "Seed of the initial model; given explicitly, also of selection and noise (simulation only, not private)."),
            OptionSpec("round-deadline", .double(.positive), valueName: "SECONDS", default: "60", help: "A round closes at this age with what arrived."),
            OptionSpec("exit-after", .double(.nonNegative), valueName: "SECONDS",
                       help: "Exit this long after the last round (default: serve the final model until a signal)."),
            OptionSpec("operator-token-file", .string, valueName: "FILE",
                       help: "The operator's bearer token (default DIR/operator-token, created mode 0600 if missing): only it sees exact participant counts in /v1/status and may scrape /metrics."),
            .flag("public-counts", help: "Show exact participant counts to every client (/v1/status, /metrics); they are not covered by the privacy guarantee."),
            .flag("accept-budget-reset", help: "Start even though DIR shows an earlier run whose checkpoint or ledger is missing or older than its record (budget.json): the privacy budget then restarts or goes back. Logged on stderr."),
        ] + DataOptions.specs + NeuMFRuns.specs + NeuMFRuns.federatedSpecs + SimulationOptions.training + SimulationOptions.privacy)

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let stateDir = try arguments.required(string: "state")
        let tokensPath = arguments.string("tokens") ?? (stateDir as NSString).appendingPathComponent("tokens")
        let tokens = try ClientTokens.load(from: tokensPath)
        let setupPath = (stateDir as NSString).appendingPathComponent(FederatedRoundCoordinator.setupFile)
        let setup: FederationSetup
        if FileManager.default.fileExists(atPath: setupPath) && !setupOptions.contains(where: arguments.isSet) {
            guard let data = FileManager.default.contents(atPath: setupPath),
                  let stored = try? JSONDecoder().decode(FederationSetup.self, from: data) else {
                throw CLIError("\(setupPath) cannot be read; restart with the original options (it is then rewritten), or restore it from a backup")
            }
            setup = stored
        } else {
            setup = try makeSetup(arguments, tokens: tokens, console: console)
        }
        let acceptReset = arguments.flag("accept-budget-reset")
        if acceptReset {
            console.note("fedrec serve: --accept-budget-reset given: a missing or older checkpoint or ledger in \(stateDir) will not stop the start")
        }
        let coordinator = try FederatedRoundCoordinator(setup: setup, stateDirectory: stateDir, acceptBudgetReset: acceptReset)
        for notice in coordinator.startNotices { console.note("fedrec serve: \(notice)") }
        let operatorPath = arguments.string("operator-token-file") ?? (stateDir as NSString).appendingPathComponent("operator-token")
        let (operatorToken, created) = try CountAccess.operatorToken(at: operatorPath)
        if created { console.note("fedrec serve: wrote the operator token to \(operatorPath) (mode 0600): scrape /metrics with it") }
        let counts = CountAccess(operatorToken: operatorToken, publicCounts: arguments.flag("public-counts"))
        let service = try FederationService(coordinator: coordinator, tokens: tokens, host: arguments.string("host")!, port: arguments.int("port")!,
                                            counts: counts)
        let stop = Atomic<Bool>(false)
        let signals = ShutdownSignals.install { _ in stop.store(true, ordering: .releasing) }
        let port = try service.start()
        let status = coordinator.status()
        console.print("listening on http://\(arguments.string("host")!):\(port)")
        if setup.seededSelection {
            console.note("fedrec serve: --seed given: selection (and noise, unless --secure-noise) is seeded and reproducible; simulation only, NOT private")
        }
        let shape = setup.model == .matrixFactorization ? "MF, \(setup.itemCount) items × \(setup.simulation.dim)"
            : "NeuMF (\(setup.model.neumfPlan.map { NeuMFRuns.shapeSummary($0.config) } ?? "?")), \(setup.itemCount) items, \(setup.parameterCount) parameters"
        if let c = coordinator.adaptiveClipBound { console.note("fedrec serve: adaptive clipping, C = \(c)\(status.state == .open ? " in round \(status.round)" : " after the last round")") }
        console.note("fedrec serve: \(setup.population) clients, \(shape); round \(status.round) of \(setup.simulation.rounds) (\(status.state.rawValue)); ε spent \(Self.spent(status))")
        var doneAt: ContinuousClock.Instant? = nil
        let linger = arguments.double("exit-after")
        var reported = coordinator.history.count
        while !stop.load(ordering: .acquiring) {
            Thread.sleep(forTimeInterval: 0.05)
            let history = coordinator.history
            while reported < history.count {
                let r = history[reported]
                console.note("round \(r.round): \(r.received)/\(r.selected) updates, \(r.released ? "released" : "discarded (\(r.discardReason ?? "?"))")\(r.clipBound.map { ", C = \($0)" } ?? "")")
                reported += 1
            }
            if doneAt == nil && (coordinator.isFinished || coordinator.stopReason != nil) {
                doneAt = .now
                console.note("fedrec serve: \(coordinator.stopReason ?? "all rounds complete"); serving the final model")
            }
            if let doneAt, let linger, ContinuousClock.now - doneAt >= .milliseconds(Int64(linger * 1000)) { break }
        }
        service.shutdown()
        signals.cancel()
        let final = coordinator.status()
        console.note("fedrec serve: stopped at round \(final.round) (\(final.state.rawValue)), \(final.modelVersion) models released, ε spent \(Self.spent(final)); state in \(stateDir)")
        if let reason = coordinator.stopReason, !coordinator.isFinished { throw CLIError(reason) }
    }

    /// "ε spent 7.99 (pld) of 8 at δ = 1e-05": the ledger's enforcing bound, named by its accountant.
    static func spent(_ status: RoundStatus) -> String {
        guard let budget = status.epsilonBudget else { return "— (not private, or no budget)" }
        return "\(status.epsilonSpent) (\(status.epsilonAccountant ?? "none yet")) of \(budget) at δ = \(status.delta)"
    }

    /// The run the options describe.
    static func makeSetup(_ arguments: ParsedArguments, tokens: ClientTokens, console: Console) throws -> FederationSetup {
        try SimulationOptions.checkConsistency(arguments)
        try NeuMFRuns.checkModelOptions(arguments)
        let seed = UInt64(arguments.int("seed")!)
        var config = try SimulationOptions.simulationConfig(arguments, seed: seed)
        config.dim = arguments.int("dim")!
        let privacy = SimulationOptions.privacySettings(arguments, seed: seed)
        let itemCount: Int
        let scale: RatingScale
        if let items = arguments.int("items") {
            itemCount = items
            scale = try RatingScale.parse(arguments.string("scale")!)
        } else {
            let input = try DataOptions.load(arguments)
            itemCount = input.dataset.itemCount
            scale = input.dataset.scale
            console.note("model size from \(input.summary): \(itemCount) items")
        }
        let clientIDs = tokens.entries.map(\.clientID), deadline = arguments.double("round-deadline")!
        var setup: FederationSetup
        if arguments.string("model") == "neumf" {
            // As simulate --model neumf: its defaults unless the options say otherwise.
            var neumf = try NeuMFRuns.simulationConfig(arguments, rounds: config.rounds, sampling: config.sampling, seed: seed)
            neumf.threads = 1
            setup = try FederationSetup(neumf: neumf, privacy: nil, itemCount: itemCount, clientIDs: clientIDs,
                                        roundDeadlineSeconds: deadline, seededSelection: arguments.isSet("seed"))
        } else {
            setup = FederationSetup(simulation: config, privacy: nil, itemCount: itemCount, scale: scale, clientIDs: clientIDs,
                                    roundDeadlineSeconds: deadline, seededSelection: arguments.isSet("seed"))
        }
        setup.privacy = try FederatedExperiment(simulation: setup.simulation, privacy: privacy).plan(population: clientIDs.count)
        if setup.privacy != nil { setup.adaptiveClipping = privacy.adaptiveClipping }
        try setup.validate()
        return setup
    }
}
