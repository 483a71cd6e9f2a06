import Foundation
import Testing
@testable import FedRecCLI

@Suite struct ShardCommandTests {
    @Test func shardsHoldEveryUserOnceWithTheirTokens() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokens = dir.appendingPathComponent("tokens.txt").path
        #expect(runInProcess(["tokens", "--clients", "40", "--out", tokens]).status == 0)
        let run = runInProcess(["shard", "--data", try fixture("small"), "--tokens", tokens, "--processes", "3",
                                "--out", dir.appendingPathComponent("shards").path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        var users = 0
        for p in 0..<3 {
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("shards/shard-\(p)").path)
            users += files.filter { $0.hasPrefix("user-") }.count
        }
        #expect(users == 40)
    }

    @Test func tokenFileOfTheWrongSizeIsRefusedWithTheFix() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokens = dir.appendingPathComponent("tokens.txt").path
        #expect(runInProcess(["tokens", "--clients", "7", "--out", tokens]).status == 0)
        let run = runInProcess(["shard", "--data", try fixture("small"), "--tokens", tokens, "--out", dir.appendingPathComponent("s").path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("fedrec tokens --clients 40"))
    }
}
