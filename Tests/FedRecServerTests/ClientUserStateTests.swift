import FedRecData
import FedRecFederation
import Foundation
import Testing
@testable import FedRecServer

@Suite struct ClientUserStateTests {
    private func clients() -> [Client] {
        let data = RatingsDataset(userCount: 2, itemCount: 3, users: [0, 0, 1], items: [0, 1, 2], ratings: [4, 3, 5])
        return Client.population(train: data, heldOut: data.subset([]))
    }

    @Test func userEmbeddingsSurviveARestartOfTheClientProcess() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-user-state-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var before = clients()
        before[1].restoreUserState(UserEmbedding(factors: [0.5, -0.25], bias: 0.1))
        try ClientRunner.saveUserState(before, to: path)
        #expect(try AtomicFile.permissions(of: path) & 0o077 == 0, "user state is readable by its owner only")
        var after = clients()
        try ClientRunner.loadUserState(path, into: &after)
        #expect(after[0].userEmbedding == nil)
        #expect(after[1].userEmbedding == UserEmbedding(factors: [0.5, -0.25], bias: 0.1))
    }

    @Test func damagedUserStateIsRefusedNotReplaced() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-user-state-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        var cs = clients()
        #expect(throws: ServerError.self) { try ClientRunner.loadUserState(path, into: &cs) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{not json")
    }
}
