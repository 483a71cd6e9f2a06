import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecHTTP
import FedRecPrivacy
@testable import FedRecServer
import Foundation
import Testing

/// Issue #16, defect 4: a state directory that shows a run happened never starts fresh or goes
/// back without `acceptBudgetReset`; settings mismatches get their own code.
@Suite("State directory: the budget never restarts silently")
struct BudgetRecordTests {
    typealias F = FederationFixture

    static func privateSetup() throws -> FederationSetup { try F.setup(privacy: try F.privacy(rounds: 4)) }

    static func file(_ dir: TemporaryDirectory, _ name: String) -> String { dir.path + "/" + name }

    @Test("deleting checkpoint.frck and ledger.json while setup.json remains is refused, naming the flag; with it a new run starts")
    func deletedCheckpointAndLedgerRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try Self.privateSetup()
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        try F.completeRound(a)
        #expect((a.ledger?.roundsRun ?? 0) >= 2)
        try FileManager.default.removeItem(atPath: Self.file(dir, FederatedRoundCoordinator.checkpointFile))
        try FileManager.default.removeItem(atPath: Self.file(dir, FederatedRoundCoordinator.ledgerFile))
        let error = #expect(throws: ServerError.self) { _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path) }
        #expect(error?.code == .budgetResetRefused)
        #expect(error?.message.contains("--accept-budget-reset") == true)
        #expect(error?.message.contains("ε = 0") == true)
        // Even with budget.json deleted too, setup.json alone shows a run happened.
        try FileManager.default.removeItem(atPath: Self.file(dir, FederatedRoundCoordinator.budgetFile))
        #expect(code { _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path) } == .budgetResetRefused)
        // The explicit flag starts a new run, and says so.
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path, acceptBudgetReset: true)
        #expect(b.status().round == 1 && b.ledger?.roundsRun == 0)
        #expect(b.startNotices.contains { $0.contains("--accept-budget-reset") })
        // …after which the directory is a consistent fresh run again.
        let c = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(c.startNotices.isEmpty && c.status().round == 1)
    }

    @Test("an older checkpoint put back with the ledger deleted is refused; with the flag it resumes at the older ε")
    func olderCheckpointWithoutLedgerRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try Self.privateSetup()
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        let older = try AtomicFile.read(Self.file(dir, FederatedRoundCoordinator.checkpointFile))
        let olderRounds = try #require(a.ledger).roundsRun
        try F.completeRound(a)
        try F.completeRound(a)
        let rounds = try #require(a.ledger).roundsRun
        try #require(rounds > olderRounds)
        try AtomicFile.write(older, to: Self.file(dir, FederatedRoundCoordinator.checkpointFile))
        try FileManager.default.removeItem(atPath: Self.file(dir, FederatedRoundCoordinator.ledgerFile))
        let error = #expect(throws: ServerError.self) { _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path) }
        #expect(error?.code == .budgetResetRefused)
        #expect(error?.message.contains("record \(olderRounds) released rounds but the run had recorded \(rounds)") == true, "\(error?.message ?? "")")
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path, acceptBudgetReset: true)
        #expect(b.ledger?.roundsRun == olderRounds)
        #expect(!b.startNotices.isEmpty)
        // The record was lowered to what was accepted: the next start needs no flag.
        _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
    }

    @Test("a missing budget.json after rounds ran is refused; a crash before the first round closes is not")
    func missingRecord() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try Self.privateSetup()
        _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        // Killed during round 1: the initial checkpoint and record exist; a restart resumes.
        #expect(FileManager.default.fileExists(atPath: Self.file(dir, FederatedRoundCoordinator.checkpointFile)))
        try FileManager.default.removeItem(atPath: Self.file(dir, FederatedRoundCoordinator.budgetFile))
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        try FileManager.default.removeItem(atPath: Self.file(dir, FederatedRoundCoordinator.budgetFile))
        #expect(code { _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path) } == .budgetResetRefused)
        try AtomicFile.write(Array("{not json".utf8), to: Self.file(dir, FederatedRoundCoordinator.budgetFile))
        #expect(code { _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path) } == .budgetResetRefused)
    }

    @Test("a crash between checkpoint and record (the record one round behind) resumes without the flag")
    func recordBehindCheckpointResumes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try Self.privateSetup()
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        let record = try AtomicFile.read(Self.file(dir, FederatedRoundCoordinator.budgetFile))
        try F.completeRound(a)
        try AtomicFile.write(record, to: Self.file(dir, FederatedRoundCoordinator.budgetFile))
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(b.ledger?.roundsRun == a.ledger?.roundsRun && b.status().round == a.status().round)
        #expect(b.startNotices.isEmpty)
    }

    @Test("other settings on restart are setup_mismatch, and the message names what differs and how to proceed")
    func setupMismatchNamesTheDifference() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try Self.privateSetup()
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        var other = setup
        other.simulation.rounds = 5
        other.itemCount = 7
        let error = #expect(throws: ServerError.self) { _ = try FederatedRoundCoordinator(setup: other, stateDirectory: dir.path) }
        #expect(error?.code == .setupMismatch)
        let message = error?.message ?? ""
        #expect(message.contains("simulation.rounds: 4 → 5"), "\(message)")
        #expect(message.contains("itemCount: 6 → 7"), "\(message)")
        #expect(message.contains("original options"))
        #expect(setup.differences(from: setup).isEmpty)
    }

    @Test("a damaged setup.json is rewritten when the options are given again, and leftover temporary files are removed")
    func damagedSetupRewrittenAndTemporariesRemoved() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try Self.privateSetup()
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        let setupPath = Self.file(dir, FederatedRoundCoordinator.setupFile)
        try AtomicFile.write(Array("{ damaged".utf8), to: setupPath)
        let leftover = Self.file(dir, ".checkpoint.frck.tmp-123-abc")
        try AtomicFile.write([1, 2, 3], to: leftover)
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(b.startNotices.contains { $0.contains("rewrote") })
        let stored = try JSONDecoder().decode(FederationSetup.self, from: Data(try AtomicFile.read(setupPath)))
        #expect(stored == setup)
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(!dir.contents().contains { $0.contains(".tmp-") })
    }

    private func code(_ body: () throws -> Void) -> ServerError.Code? {
        do { try body() } catch let e as ServerError { return e.code } catch { return nil }
        return nil
    }
}
