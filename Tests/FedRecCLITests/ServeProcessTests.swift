import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecHTTP
import FedRecMath
import FedRecModels
import FedRecPrivacy
import FedRecServer
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// End-to-end tests of `fedrec tokens`, `fedrec serve` and `fedrec client` as real processes over loopback.
@Suite("fedrec serve and client processes", .serialized)
struct ServeProcessTests {
    static var toolPath: String {
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("fedrec").path
    }

    /// A small seeded split (30 users, 40 items).
    static func split() throws -> DataSplit {
        var config = SyntheticConfig.movieLens100K
        config.users = 30
        config.items = 40
        config.meanRatingsPerUser = 15
        config.minRatingsPerUser = 5
        config.maxRatingsPerUser = 30
        config.seed = 11
        var rng = SeededGenerator(seed: 4, stream: [0x5B17])
        return DataSplit.forEvaluation(try SyntheticData(config: config).dataset, testFraction: 0.1, using: &rng)
    }

    /// Starts `fedrec arguments` and returns the process and its first stdout line.
    static func start(_ arguments: [String], stderr: FileHandle) throws -> (Process, String, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: toolPath)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = stderr
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        return (process, String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "", out)
    }

    @Test("tokens: 256-bit tokens in a 0600 file, never replaced without --force")
    func tokensFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tokens").path
        let run = runInProcess(["tokens", "--clients", "3", "--out", path])
        #expect(run.status == 0)
        let tokens = try ClientTokens.load(from: path)
        #expect(tokens.entries.map(\.clientID) == ["user-0000000", "user-0000001", "user-0000002"])
        #expect(tokens.entries.allSatisfy { $0.token.count == 64 })
        #expect(try AtomicFile.permissions(of: path) & 0o777 == 0o600)
        #expect(runInProcess(["tokens", "--clients", "3", "--out", path]).status != 0)
        #expect(try ClientTokens.load(from: path) == tokens)
    }

    @Test("SIGTERM stops fedrec serve gracefully (exit 0, state kept); a corrupt checkpoint stops the next start")
    func gracefulShutdownAndCorruptCheckpoint() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokensPath = dir.appendingPathComponent("tokens").path
        #expect(runInProcess(["tokens", "--clients", "5", "--out", tokensPath]).status == 0)
        let state = dir.appendingPathComponent("state").path
        let log = FileHandle(forWritingAtPath: "/dev/null")!
        let (server, line, _) = try Self.start(["serve", "--state", state, "--tokens", tokensPath, "--port", "0", "--items", "10",
                                                "--dim", "2", "--rounds", "3", "--no-dp"], stderr: log)
        #expect(line.hasPrefix("listening on http://127.0.0.1:"))
        Thread.sleep(forTimeInterval: 0.3)
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: state + "/" + FederatedRoundCoordinator.setupFile))
        // The operator token (for /metrics and exact counts) is created private on the first start.
        #expect(try AtomicFile.permissions(of: state + "/operator-token") & 0o777 == 0o600)
        // A damaged checkpoint is never silently replaced by a fresh start.
        try AtomicFile.write(Array("FRCK garbage".utf8), to: state + "/" + FederatedRoundCoordinator.checkpointFile)
        let run = try runBinary(["serve", "--state", state, "--tokens", tokensPath, "--port", "0"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("corrupt_checkpoint"))
    }

    @Test("a state directory without its checkpoint is refused naming --accept-budget-reset; with the flag serve starts and logs it")
    func budgetResetNeedsTheFlag() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokensPath = dir.appendingPathComponent("tokens").path
        #expect(runInProcess(["tokens", "--clients", "4", "--out", tokensPath]).status == 0)
        let state = dir.appendingPathComponent("state").path
        let options = ["--tokens", tokensPath, "--port", "0", "--items", "10", "--dim", "2", "--rounds", "1", "--round-deadline", "0.05",
                       "--exit-after", "0", "--no-dp"]
        let first = try runBinary(["serve", "--state", state] + options)
        #expect(first.status == 0, "\(first.stderr)")
        for name in [FederatedRoundCoordinator.checkpointFile, FederatedRoundCoordinator.budgetFile] {
            try FileManager.default.removeItem(atPath: state + "/" + name)
        }
        let refused = try runBinary(["serve", "--state", state] + options)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("budget_reset_refused") && refused.stderr.contains("--accept-budget-reset"), "\(refused.stderr)")
        let accepted = try runBinary(["serve", "--state", state, "--accept-budget-reset"] + options)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("--accept-budget-reset given"))
        #expect(accepted.stderr.contains("starting a new run anyway"))
    }

    @Test("kill -9 of fedrec serve mid-run, restart: every round kept, final model and ε equal an uninterrupted run's")
    func killAndResume() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let split = try Self.split()
        let n = split.train.userCount
        let tokensPath = dir.appendingPathComponent("tokens").path
        #expect(runInProcess(["tokens", "--clients", String(n), "--out", tokensPath]).status == 0)
        let tokens = try ClientTokens.load(from: tokensPath)
        let shards = ClientShard.split(train: split.train, heldOut: split.test, tokens: tokens, processes: 2)
        for (p, shard) in shards.enumerated() { try shard.write(to: dir.appendingPathComponent("shard-\(p)").path) }
        let state = dir.appendingPathComponent("state").path
        let rounds = 40
        let setupArguments = ["--items", String(split.train.itemCount), "--scale", "\(split.train.scale.min)..\(split.train.scale.max)",
                              "--dim", "4", "--rounds", String(rounds), "--sampling-rate", "0.3", "--seed", "5",
                              "--noise-multiplier", "1.2", "--trust", "central", "--accountant", "rdp", "--clip", "0.5"]
        let log = FileHandle(forWritingAtPath: "/dev/null")!
        let (server, line, _) = try Self.start(["serve", "--state", state, "--tokens", tokensPath, "--port", "0"] + setupArguments, stderr: log)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let url = try #require(line.split(separator: " ").last.map(String.init))
        #expect(url.hasPrefix("http://127.0.0.1:"))
        var clients: [(Process, Pipe)] = []
        for p in 0..<2 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.toolPath)
            process.arguments = ["client", "--server", url, "--data", dir.appendingPathComponent("shard-\(p)").path, "--seed", "5", "--json", "--max-outage", "60"]
            let out = Pipe()
            process.standardOutput = out
            _ = FileManager.default.createFile(atPath: "/tmp/fedrec-client-\(p).log", contents: nil)
            process.standardError = FileHandle(forWritingAtPath: "/tmp/fedrec-client-\(p).log")!
            try process.run()
            clients.append((process, out))
        }
        defer { for c in clients where c.0.isRunning { kill(c.0.processIdentifier, SIGKILL) } }
        // Wait for a few released rounds, then kill -9 mid-run.
        let ledgerURL = URL(fileURLWithPath: state + "/" + FederatedRoundCoordinator.ledgerFile)
        let deadline = Date().addingTimeInterval(15)
        var before = 0
        while Date() < deadline {
            before = (try? PrivacyLedger.load(from: ledgerURL).roundsRun) ?? 0
            if before >= 5 { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        let atKill = try PrivacyLedger.load(from: ledgerURL)
        #expect(atKill.roundsRun >= before)
        try #require(atKill.roundsRun < rounds, "the run finished before the kill; make rounds slower")
        // Restart on the same port with the stored setup; exit shortly after the last round.
        let port = url.split(separator: ":").last.map(String.init)!
        let (restarted, line2, _) = try Self.start(["serve", "--state", state, "--tokens", tokensPath, "--port", port, "--exit-after", "2"], stderr: log)
        defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
        #expect(line2.hasSuffix(":\(port)"))
        var outcomes: [ClientRunner.Outcome] = []
        for c in clients {
            let data = c.1.fileHandleForReading.readDataToEndOfFile()
            c.0.waitUntilExit()
            #expect(c.0.terminationStatus == 0)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            if let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last {
                outcomes.append(try decoder.decode(ClientRunner.Outcome.self, from: Data(last.utf8)))
            }
        }
        restarted.waitUntilExit()
        #expect(outcomes.count == 2 && outcomes.allSatisfy { $0.endState == "finished" })
        let final = try PrivacyLedger.load(from: ledgerURL)
        #expect(final.roundsRun >= atKill.roundsRun)

        // The uninterrupted reference: the in-process simulation with the same seed and privacy.
        var config = try SimulationConfig(rounds: rounds, sampling: .poisson(rate: 0.3), dim: 4, evaluateEvery: 0, seed: 5, threads: 1)
        config.initialGlobalMean = nil
        let privacy = PrivacySettings(enabled: true, targetEpsilon: nil, noiseMultiplier: 1.2, clipBound: 0.5, trust: .central,
                                      noise: .seeded(5 ^ 0x6E6F_6973_6521), accountant: .rdp)
        let reference = try FederatedExperiment(simulation: config, privacy: privacy).run(train: split.train, heldOut: split.test)
        let ref = try #require(reference.ledger)
        #expect(final.roundsRun == ref.roundsRun)
        #expect(final.epsilonSpent["rdp"]?.epsilon == ref.epsilonSpent["rdp"]?.epsilon)
        let archive = try #require(try CheckpointArchive.load(from: state + "/" + FederatedRoundCoordinator.checkpointFile))
        let model = try #require(archive["model"])
        let expected = reference.result.model.parameters.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        #expect(model == expected)
        let sums = outcomes.reduce(ErrorMetrics()) { var s = $0; s += $1.evaluation ?? ErrorMetrics(); return s }
        #expect(abs(sums.rmse - reference.result.final.rmse) < 1e-9)
    }
}
