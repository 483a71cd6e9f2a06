import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecModels
import FedRecPrivacy
import FedRecServer
import FedRecHarness
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Federated NeuMF over the real server: `MultiProcessSimulation` with `fedrec client` processes,
/// `fedrec simulate --model neumf --processes P` and `fedrec shard --model neumf`.
@Suite("NeuMF over the server", .serialized)
struct NeuMFProcessesTests {
    /// A tiny implicit leave-one-out split (30 users, 40 items).
    static func split() throws -> DataSplit {
        NeuMFExperiment.leaveOneOut(try ServeProcessTests.split().train)
    }

    @Test("client processes reproduce the in-process NeuMFSimulation: same global bits, HR equal, NDCG within 1e-12",
          arguments: [false, true])
    func matchesInProcess(isPrivate: Bool) throws {
        let split = try Self.split()
        let config = try NeuMFSimulationConfig(
            rounds: 3, sampling: .poisson(rate: 0.4), model: NeuMFConfig(gmfDim: 2, mlpLayers: [4, 2]),
            local: NeuMFLocalOptions(epochs: 1, batchSize: 16), evaluationFit: NeuMFLocalOptions(epochs: 1, batchSize: 16),
            serverOptimizer: .fedAvgM(learningRate: 1, momentum: 0.5), seed: 9, threads: 1, reductionChunks: 4)
        let privacy = isPrivate
            ? PrivacySettings(enabled: true, targetEpsilon: 1000, noiseMultiplier: 1, clipBound: 0.5, trust: .distributed,
                              minimumUpdates: 2, noise: .seeded(3), accountant: .rdp)
            : PrivacySettings.none
        var sim: NeuMFSimulation<GaussianPrivatizer>? = nil
        var plain: NeuMFSimulation<IdentityPrivatizer>? = nil
        let global: [Float], metrics: [RankingMetrics]
        let protocols = ClientRunner.defaultRankingProtocols
        if isPrivate {
            let resolved = try ResolvedPrivacy(privacy, population: split.train.userCount, samplingRate: 0.4, rounds: 3)
            sim = try NeuMFSimulation(train: split.train, heldOut: split.test, config: config, privatizer: GaussianPrivatizer(
                mechanism: resolved.mechanism, placement: resolved.placement, noise: resolved.noise))
            for _ in 0..<3 { _ = sim!.runRound() }
            (global, metrics) = (sim!.global, try sim!.evaluate(protocols: protocols))
        } else {
            plain = try NeuMFSimulation(train: split.train, heldOut: split.test, config: config)
            for _ in 0..<3 { _ = plain!.runRound() }
            (global, metrics) = (plain!.global, try plain!.evaluate(protocols: protocols))
        }
        let run = try MultiProcessSimulation(executable: ServeProcessTests.toolPath, processes: 2, neumf: config, privacy: privacy)
        let outcome = try run.run(train: split.train, heldOut: split.test)
        #expect(outcome.model == nil)
        #expect(outcome.rounds.count == 3 && outcome.rounds.allSatisfy(\.released))
        #expect(outcome.parameters == global)
        let ranking = try #require(outcome.ranking)
        #expect(ranking.count == 2)
        for k in 0..<2 {
            #expect(ranking[k].userCount == metrics[k].userCount && ranking[k].userCount > 0)
            #expect(ranking[k].hitSums == metrics[k].hitSums)
            #expect(abs(ranking[k].ndcg(at: 10) - metrics[k].ndcg(at: 10)) < 1e-12)
        }
        #expect(outcome.processes.allSatisfy { $0.endState == "finished" && $0.evaluation == nil })
        #expect((outcome.ledger != nil) == isPrivate)
    }

    @Test("fedrec simulate --model neumf --processes 2 reports what the in-process run reports")
    func simulateProcessesMatchesInProcess() throws {
        let common = ["simulate", "--model", "neumf", "--data", try fixture("small"), "--rounds", "3", "--sampling-rate", "0.5",
                      "--local-epochs", "1", "--noise-multiplier", "1", "--epsilon", "50", "--accountant", "rdp", "--min-updates", "5", "--seed", "3", "--no-baseline", "--json"]
        let dirA = try temporaryDirectory(), dirB = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dirA); try? FileManager.default.removeItem(at: dirB) }
        let inProcess = try runBinary(common + ["--out", dirA.path])
        let overHTTP = try runBinary(common + ["--processes", "2", "--out", dirB.path])
        #expect(inProcess.status == 0, "stderr: \(inProcess.stderr)")
        #expect(overHTTP.status == 0, "stderr: \(overHTTP.stderr)")
        let a = try inProcess.json(), b = try overHTTP.json()
        for key in ["hr_at_10", "sampled_hr_at_10", "popularity_hr_at_10", "epsilon"] {
            #expect(a[key] as? Double == b[key] as? Double, "\(key)")
        }
        for key in ["ndcg_at_10", "sampled_ndcg_at_10"] {
            let x = try #require(a[key] as? Double), y = try #require(b[key] as? Double)
            #expect(abs(x - y) < 1e-12, "\(key)")
        }
        #expect(b["model"] as? String == "neumf" && b["processes"] as? Int == 2 && b["rounds"] as? Int == 3)
        // One report for both paths: the same keys (implicit MF absent in both: null, not missing),
        // `processes` added over HTTP.
        #expect(Set(b.keys) == Set(a.keys).union(["processes"]), "only in-process: \(Set(a.keys).subtracting(b.keys)); only over HTTP: \(Set(b.keys).subtracting(a.keys))")
        for key in ["implicit_mf_hr_at_10", "implicit_mf_ndcg_at_10", "centralized_hr_at_10", "stop_reason"] {
            #expect(b[key] is NSNull && a[key] is NSNull, "\(key)")
        }
        for key in ["trust", "noise_source", "delta", "noise_multiplier", "clip", "epsilon_rdp", "private"] {
            #expect(String(describing: a[key]!) == String(describing: b[key]!), "\(key)")
        }
        // --out writes the same files both ways: config, one rounds.csv line per round, the report, the ledger.
        for dir in [dirA, dirB] {
            for name in ["config.json", "rounds.csv", "result.json", "ledger.json"] {
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(dir.lastPathComponent)/\(name)")
            }
        }
        let csvA = try String(contentsOf: dirA.appendingPathComponent("rounds.csv"), encoding: .utf8).split(separator: "\n")
        let csvB = try String(contentsOf: dirB.appendingPathComponent("rounds.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csvA.count == 4 && csvB.count == 4 && csvA[0] == csvB[0])
        #expect(csvA[0].hasPrefix("round,participants,failed_clients,mean_update_norm,train_loss,hr_at_10"))
        // The same rounds released with the same ε after each (the last column), whoever ran them.
        #expect(csvA.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).last! }
                == csvB.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).last! })
        let config = try String(contentsOf: dirA.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"model\" : \"neumf\"") && config.contains("\"mlp_layers\""))
    }

    @Test("fedrec shard --model neumf writes implicit leave-one-out shards: one held-out item per user")
    func shardsAreLeaveOneOut() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fedrec-neumf-shard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tokens = dir.appendingPathComponent("tokens").path
        #expect(runInProcess(["tokens", "--clients", "40", "--out", tokens]).status == 0)
        let run = runInProcess(["shard", "--model", "neumf", "--data", try fixture("small"), "--tokens", tokens, "--processes", "2",
                                "--out", dir.appendingPathComponent("shards").path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let users = try (0..<2).flatMap { try ClientShard.load(from: dir.appendingPathComponent("shards/shard-\($0)").path).users }
        #expect(users.count == 40)
        #expect(users.allSatisfy { $0.heldOutItems.count == 1 && $0.trainRatings.allSatisfy { $0 == 1 } })
        let refused = runInProcess(["shard", "--model", "neumf", "--holdout", "0.2", "--data", try fixture("small"), "--tokens", tokens,
                                    "--out", dir.appendingPathComponent("other").path])
        #expect(refused.status != 0 && refused.stderr.contains("--holdout"))
    }

    @Test("fedrec serve --model neumf with two fedrec client processes: the in-process HR@10, user rows kept on the clients' disk")
    func serveAndClients() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fedrec-neumf-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let data = try fixture("small"), tokens = dir.appendingPathComponent("tokens").path
        #expect(runInProcess(["tokens", "--clients", "40", "--out", tokens]).status == 0)
        #expect(runInProcess(["shard", "--model", "neumf", "--data", data, "--tokens", tokens, "--processes", "2",
                              "--out", dir.appendingPathComponent("shards").path]).status == 0)
        let setup = ["--model", "neumf", "--data", data, "--rounds", "3", "--sampling-rate", "0.5", "--local-epochs", "1", "--seed", "3", "--no-dp"]
        let log = FileHandle(forWritingAtPath: "/dev/null")!
        let (server, line, _) = try ServeProcessTests.start(
            ["serve", "--state", dir.appendingPathComponent("state").path, "--tokens", tokens, "--port", "0", "--exit-after", "0.5"] + setup,
            stderr: log)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let url = try #require(line.split(separator: " ").last.map(String.init))
        var clients: [(Process, Pipe)] = []
        for p in 0..<2 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ServeProcessTests.toolPath)
            process.arguments = ["client", "--server", url, "--data", dir.appendingPathComponent("shards/shard-\(p)").path, "--seed", "3", "--json"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = log
            try process.run()
            clients.append((process, out))
        }
        var hits = 0.0, users = 0
        for (process, out) in clients {
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let outcome = try decoder.decode(ClientRunner.Outcome.self, from: Data(text.utf8))
            let full = try #require(outcome.ranking?.first)
            hits += full.hitSums[0]
            users += full.userCount
            #expect(outcome.endState == "finished")
        }
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        let reference = try runBinary(["simulate", "--no-baseline", "--json"] + setup)
        let hr = try #require(try reference.json()["hr_at_10"] as? Double)
        #expect(users == 40 && hits / Double(users) == hr)
        let state = try String(contentsOf: dir.appendingPathComponent("shards/shard-0/user-state.json"), encoding: .utf8)
        #expect(state.contains("neumfRows"))
    }
}
