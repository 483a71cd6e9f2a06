import FedRecData
import FedRecFederation
import FedRecHTTP
import FedRecModels
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

    @Test func neumfUserRowsSurviveARestartAndReplaceTheSeededFirstRows() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-user-state-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let users = (0..<2).map {
            ClientShard.User(clientID: "user-\($0)", userIndex: $0, token: "t", trainItems: [Int32($0), 2], trainRatings: [1, 1])
        }
        let runner = ClientRunner(serverURL: "http://127.0.0.1:1", shard: ClientShard(users: users), seed: 7)
        let plan = NeuMFPlan(config: NeuMFConfig(gmfDim: 2, mlpLayers: [4, 2]))
        let fresh = try runner.neumfUsers(plan: plan, itemCount: 3, statePath: path)
        // No file yet: the first rows come from each user's seeded stream, as in the simulation.
        #expect(fresh.rows[1] == plan.clientStep(itemCount: 3).initialUserEmbedding(client: 1, seed: 7))
        #expect(fresh.histories[0] == [0, 2])
        var changed = fresh
        changed.rows[1] = [0.5, -0.25, 0.125, 1]
        try runner.saveNeuMFUserState(changed, to: path)
        #expect(try AtomicFile.permissions(of: path) & 0o077 == 0, "user state is readable by its owner only")
        let restored = try runner.neumfUsers(plan: plan, itemCount: 3, statePath: path)
        #expect(restored.rows == changed.rows)
        // An MF user-state file is not silently taken for NeuMF state.
        try ClientRunner.saveUserState(clients(), to: path)
        #expect(throws: ServerError.self) { _ = try runner.neumfUsers(plan: plan, itemCount: 3, statePath: path) }
    }
}
