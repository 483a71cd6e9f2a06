import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecServer
import Foundation
import Testing
@testable import FedRecCLI

/// NeuMF's command-line options: its shape (`--gmf-dim`, `--mlp-layers`), its client learning rate
/// (`--neumf-lr`), its server optimizer defaults, and the refusal of the other model's options.
@Suite("NeuMF options")
struct NeuMFOptionsTests {
    static func parse(_ spec: CommandSpec, _ arguments: [String]) throws -> ParsedArguments {
        try ParsedArguments(arguments, spec: spec)
    }

    static func neumfConfig(_ arguments: [String]) throws -> NeuMFSimulationConfig {
        let args = try parse(SimulateCommand.spec, ["--model", "neumf"] + arguments)
        let mf = try SimulationOptions.simulationConfig(args, seed: 1)
        return try NeuMFRuns.simulationConfig(args, rounds: mf.rounds, sampling: mf.sampling, seed: 1)
    }

    // MARK: Shape

    @Test("--gmf-dim and --mlp-layers shape the centralized baseline, implicit and explicit, and its summary line")
    func baselineUsesTheShape() throws {
        for objective in ["implicit", "explicit"] {
            let run = runInProcess(["baseline", "--model", "neumf", "--objective", objective, "--data", try fixture("small"),
                                    "--gmf-dim", "4", "--mlp-layers", "16,8", "--epochs", "1", "--json"])
            #expect(run.status == 0, "\(objective): \(run.stderr)")
            let json = try run.json()
            #expect(json["gmf_dim"] as? Int == 4 && json["mlp_layers"] as? String == "16,8", "\(objective)")
            #expect(run.stderr.contains("model: NeuMF (GMF 4 + MLP 16→8)"), "\(objective): \(run.stderr)")
        }
    }

    @Test("simulate --model neumf trains the given shape and says so")
    func simulateUsesTheShape() throws {
        let run = runInProcess(["simulate", "--model", "neumf", "--data", try fixture("small"), "--rounds", "2", "--sampling-rate", "0.5",
                                "--gmf-dim", "4", "--mlp-layers", "16,8", "--local-epochs", "1", "--no-dp", "--no-baseline", "--seed", "1", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try run.json()
        #expect(json["gmf_dim"] as? Int == 4 && json["mlp_layers"] as? String == "16,8")
        #expect(run.stderr.contains("model: NeuMF (GMF 4 + MLP 16→8), 2 rounds, 1 local epochs of Adam lr 0.01, server fedavg lr 1.0"), "\(run.stderr)")
        #expect(try Self.neumfConfig(["--gmf-dim", "4", "--mlp-layers", "16, 8"]).model == NeuMFConfig(gmfDim: 4, mlpLayers: [16, 8]))
    }

    @Test("simulate --model neumf --processes 2 trains the given shape, client learning rate and server η: it reports what the in-process run reports")
    func processesUseTheOptions() throws {
        let common = ["simulate", "--model", "neumf", "--data", try fixture("small"), "--rounds", "3", "--sampling-rate", "0.5",
                      "--local-epochs", "1", "--no-dp", "--seed", "3", "--no-baseline", "--json"]
        let options = ["--gmf-dim", "4", "--mlp-layers", "16,8", "--neumf-lr", "0.03", "--server-lr", "0.7"]
        let inProcess = try runBinary(common + options), overHTTP = try runBinary(common + options + ["--processes", "2"])
        let defaults = try runBinary(common)
        for run in [inProcess, overHTTP, defaults] { #expect(run.status == 0, "stderr: \(run.stderr)") }
        let a = try inProcess.json(), b = try overHTTP.json(), d = try defaults.json()
        #expect(a["hr_at_10"] as? Double == b["hr_at_10"] as? Double)
        let x = try #require(a["ndcg_at_10"] as? Double), y = try #require(b["ndcg_at_10"] as? Double), z = try #require(d["ndcg_at_10"] as? Double)
        #expect(abs(x - y) < 1e-12)
        #expect(x != z)   // the options changed the model that was trained
        #expect(overHTTP.stderr.contains("model: NeuMF (GMF 4 + MLP 16→8), 3 rounds, 1 local epochs of Adam lr 0.03, server fedavg lr 0.7"), "\(overHTTP.stderr)")
    }

    static let badLists: [(String, String)] = [
        ("15,8", "must be even"), ("16", "at least 2 widths"), ("16,x", "'x' is not a whole number"),
        ("16,5000", "5000 is out of range"), ("16,0", "0 is out of range"), ("16,,8", "'' is not a whole number"),
    ]

    @Test("A bad --mlp-layers list is a usage error naming the option, in every command, before any data is read",
          arguments: ["baseline", "simulate", "sweep", "serve"])
    func badLayerListsAreUsageErrors(command: String) throws {
        for (list, reason) in Self.badLists {
            // --data names a file that does not exist: the shape is checked first.
            var arguments = [command, "--model", "neumf", "--mlp-layers", list, "--data", "/nonexistent/u.data"]
            if command == "sweep" { arguments += ["--out", NSTemporaryDirectory() + "fedrec-never-\(UUID().uuidString)"] }
            if command == "serve" {
                let dir = try temporaryDirectory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let tokens = dir.appendingPathComponent("tokens").path
                #expect(runInProcess(["tokens", "--clients", "3", "--out", tokens]).status == 0)
                arguments += ["--state", dir.path, "--tokens", tokens]
                let run = runInProcess(arguments)
                #expect(run.status == 2 && run.stderr.contains("'--mlp-layers' is '\(list)'") && run.stderr.contains(reason), "\(list): \(run.stderr)")
                continue
            }
            let run = runInProcess(arguments)
            #expect(run.status == 2, "\(command) \(list): \(run.stderr)")
            #expect(run.stderr.contains("'--mlp-layers' is '\(list)'") && run.stderr.contains(reason), "\(command) \(list): \(run.stderr)")
        }
    }

    @Test("NeuMF's options are refused with --model mf, and MF's with --model neumf", arguments: ["baseline", "simulate", "sweep", "serve"])
    func otherModelsOptionsAreRefused(command: String) throws {
        let extra = command == "sweep" ? ["--out", NSTemporaryDirectory() + "fedrec-never-\(UUID().uuidString)"] : []
        var neumfOnly = [["--gmf-dim", "4"], ["--mlp-layers", "16,8"], ["--implicit-threshold", "4"]]
        if command != "baseline" { neumfOnly.append(["--neumf-lr", "0.02"]) }
        if command != "serve" {   // serve reads its tokens first: its refusals are checked on makeSetup below
            for option in neumfOnly {
                let run = runInProcess([command] + option + extra)
                #expect(run.status == 2 && run.stderr.contains("'\(option[0])' applies to --model neumf only"), "\(command) \(option): \(run.stderr)")
            }
        }
        if command != "serve" && command != "baseline" {
            let run = runInProcess([command, "--model", "neumf", "--local-lr", "0.1"] + extra)
            #expect(run.status == 2 && run.stderr.contains("'--local-lr' applies to --model mf only") && run.stderr.contains("--neumf-lr"), "\(run.stderr)")
        }
        if command == "baseline" {
            #expect(runInProcess(["baseline", "--neumf-lr", "0.1"]).status == 2)   // the centralized baseline has no client step
            let run = runInProcess(["baseline", "--objective", "explicit"])
            #expect(run.status == 2 && run.stderr.contains("'--objective' applies to --model neumf only"))
        }
        if command == "serve" {
            for option in neumfOnly {
                let args = try Self.parse(ServeCommand.spec, option + ["--items", "10"])
                #expect(throws: UsageError.self) { try ServeCommand.makeSetup(args, tokens: Self.tokens, console: CapturingConsole().console) }
            }
            let lr = try Self.parse(ServeCommand.spec, ["--model", "neumf", "--local-lr", "0.1", "--items", "10"])
            #expect(throws: UsageError.self) { try ServeCommand.makeSetup(lr, tokens: Self.tokens, console: CapturingConsole().console) }
        }
    }

    // MARK: Local learning rate and server optimizer

    @Test("--neumf-lr sets the clients' Adam learning rate; without it the local options are NeuMFLocalOptions' defaults")
    func neumfLearningRate() throws {
        #expect(try Self.neumfConfig([]).local == NeuMFLocalOptions())
        let config = try Self.neumfConfig(["--neumf-lr", "0.02", "--local-epochs", "3"])
        #expect(config.local.optimizer == .adam(.init(learningRate: 0.02)) && config.local.epochs == 3)
        #expect(config.evaluationFit == NeuMFLocalOptions(epochs: 5))   // the evaluation fit keeps its own
        // MF's --local-lr default (0.05) does not leak into NeuMF: the help's default is NeuMF's own.
        #expect(NeuMFRuns.localLearningRate == 0.01 && NeuMFRuns.federatedSpecs[0].defaultValue == "0.01")
    }

    @Test("NeuMF's server optimizer: FedAvg at η = 1 by default, --server-lr alone is FedAvg at that η, an explicit optimizer is honoured")
    func neumfServerOptimizer() throws {
        #expect(try Self.neumfConfig([]).serverOptimizer == .fedAvg(learningRate: 1))
        #expect(try Self.neumfConfig(["--server-lr", "0.5"]).serverOptimizer == .fedAvg(learningRate: 0.5))
        #expect(try Self.neumfConfig(["--server-optimizer", "fedavgm", "--server-momentum", "0.5"]).serverOptimizer == .fedAvgM(learningRate: 1, momentum: 0.5))
        #expect(try Self.neumfConfig(["--server-optimizer", "fedadam", "--server-lr", "0.02", "--server-beta1", "0.8"]).serverOptimizer
                == .fedAdam(learningRate: 0.02, beta1: 0.8, beta2: 0.99, tau: 0.001))
        // An option the optimizer would ignore is refused, naming the optimizer that reads it.
        let error = #expect(throws: UsageError.self) { try Self.neumfConfig(["--server-momentum", "0.5"]) }
        #expect(error?.message.contains("'--server-momentum' applies to --server-optimizer fedavgm only") == true)
        #expect(throws: UsageError.self) { try Self.neumfConfig(["--server-optimizer", "fedavgm", "--server-beta2", "0.9"]) }
    }

    @Test("MF keeps its defaults: 300 rounds, 3 local epochs at lr 0.05, FedAdam at 0.01, evaluation every 10 rounds")
    func mfDefaultsUnchanged() throws {
        let config = try SimulationOptions.simulationConfig(try Self.parse(SimulateCommand.spec, []), seed: 1)
        #expect(config.rounds == 300 && config.evaluateEvery == 10)
        #expect(config.local == LocalTrainingConfig())
        #expect(config.serverOptimizer == .fedAdam(learningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 0.001))
        let lr = try SimulationOptions.simulationConfig(try Self.parse(SimulateCommand.spec, ["--server-lr", "0.1", "--server-beta1", "0.8"]), seed: 1)
        #expect(lr.serverOptimizer == .fedAdam(learningRate: 0.1, beta1: 0.8, beta2: 0.99, tau: 0.001))
        #expect(try NeuMFOptionsTests.neumfConfig([]).rounds == 100)
    }

    // MARK: serve

    static let tokens = ClientTokens.generate(clientIDs: (0..<20).map { "client-\($0)" })

    @Test("serve --model neumf puts the shape, --neumf-lr and --server-lr into the setup and publishes them in the plan; the defaults are unchanged")
    func serveSetup() throws {
        let console = CapturingConsole().console
        let defaults = try ServeCommand.makeSetup(try Self.parse(ServeCommand.spec, ["--model", "neumf", "--items", "30", "--no-dp"]),
                                                  tokens: Self.tokens, console: console)
        #expect(defaults.model == .neumf(NeuMFPlan()))
        #expect(defaults.simulation.serverOptimizer == .fedAvg(learningRate: 1) && defaults.simulation.rounds == 100)

        let args = try Self.parse(ServeCommand.spec, ["--model", "neumf", "--items", "30", "--no-dp", "--gmf-dim", "4", "--mlp-layers", "16,8",
                                                      "--neumf-lr", "0.02", "--server-lr", "0.5"])
        let setup = try ServeCommand.makeSetup(args, tokens: Self.tokens, console: console)
        let plan = try #require(setup.trainingPlan.modelKind.neumfPlan)
        #expect(plan.config == NeuMFConfig(gmfDim: 4, mlpLayers: [16, 8]))
        #expect(plan.local.optimizer == .adam(.init(learningRate: 0.02)))
        #expect(setup.simulation.serverOptimizer == .fedAvg(learningRate: 0.5))
        #expect(setup.fingerprint != defaults.fingerprint)
        // The wire layout follows the shape: item rows of gmf + mlp/2 = 4 + 8.
        #expect(setup.layout.first?.shape == [30, 12])
        for name in ["gmf-dim", "mlp-layers", "neumf-lr"] { #expect(ServeCommand.setupOptions.contains(name)) }
    }

    // MARK: sweep

    @Test("A default-shape NeuMF sweep stores exactly the template it stored before the shape options existed")
    func defaultSweepTemplateUnchanged() throws {
        let args = try Self.parse(SweepCommand.spec, ["--model", "neumf", "--data", try fixture("small"), "--out", "/unused"])
        let input = try DataOptions.load(args)
        let sweep = try SweepCommand.spec(args, input: input, neumfSplit: NeuMFRuns.split(input, args))
        let before = try NeuMFSimulationConfig(rounds: 1, sampling: .poisson(rate: 0.1), local: NeuMFLocalOptions(),
                                               serverOptimizer: .fedAvg(learningRate: 1), evaluateEvery: 0, seed: 0,
                                               threads: SimulationConfig.defaultThreads)
        #expect(sweep.neumfSimulation == before)
        #expect(sweep.baseline == "NeuMF (GMF 8 + MLP 64→32→16→8), 10 epochs, batch 256, Adam lr 0.002, 4 negatives per positive (once per seed, same split)")
    }

    @Test("A NeuMF sweep with another shape reports it, and resuming its folder with the default shape is refused")
    func sweepShapeIsPartOfTheStudy() throws {
        let out = SweepCommandTests.tempFolder("neumf-shape")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let common = ["sweep", "--model", "neumf", "--data", try fixture("small"), "--epsilons", "inf", "--seeds", "1", "--rounds", "2",
                      "--sampling-rates", "0.5", "--epochs", "1", "--local-epochs", "1", "--threads", "1", "--out", out, "--json"]
        let run = runInProcess(common + ["--gmf-dim", "4", "--mlp-layers", "16,8", "--neumf-lr", "0.02"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(report.contains("NeuMF (GMF 4 + MLP 16→8), implicit feedback"))
        #expect(report.contains("centralized baseline**: NeuMF (GMF 4 + MLP 16→8), 1 epochs"))
        #expect(report.contains("Adam lr 0.02"))

        let resumed = runInProcess(common)
        #expect(resumed.status == 1)
        #expect(resumed.stderr.contains("different configuration") && resumed.stderr.contains("gmfDim"), "\(resumed.stderr)")
    }

    // MARK: Help

    @Test("The help states each model's defaults", arguments: ["simulate", "baseline", "sweep", "serve"])
    func helpIsHonestForBothModels(command: String) throws {
        let run = runInProcess([command, "--help"])
        #expect(run.status == 0)
        let help = run.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        #expect(help.contains("--gmf-dim D") && help.contains("--mlp-layers LIST") && help.contains("default: 64,32,16,8"))
        #expect(!help.contains("Local SGD epochs on the client per round. (default: 3"))
        if command != "baseline" {
            #expect(help.contains("default: 3 for MF, 2 for NeuMF"), "\(command)")
            #expect(help.contains("default: fedadam for MF, fedavg for NeuMF"), "\(command)")
            #expect(help.contains("--neumf-lr LR") && help.contains("default: 0.01"), "\(command)")
        }
        if command == "simulate" || command == "serve" {
            #expect(help.contains("default: 300 for MF, 100 for NeuMF"), "\(command)")
        }
        if command != "serve" {
            #expect(help.contains("NeuMF: 10 on implicit feedback, 2 with baseline --objective explicit"), "\(command)")
        }
    }
}
