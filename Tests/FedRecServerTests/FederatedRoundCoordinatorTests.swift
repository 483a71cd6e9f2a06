import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecHTTP
import FedRecPrivacy
@testable import FedRecServer
import Foundation
import Synchronization
import Testing

@Suite("FederatedRoundCoordinator")
struct FederatedRoundCoordinatorTests {
    typealias F = FederationFixture

    @Test("check-in reveals exactly the seeded Poisson draw, the same answer every time")
    func selectionMatchesSeededDraw() throws {
        let c = try FederatedRoundCoordinator(setup: try F.setup())
        let round = c.status().round
        let expected = Set(F.participants(c.setup, round: round))
        #expect(!expected.isEmpty)
        for k in 0..<10 {
            let a = try c.checkIn(clientID: "user-\(k)"), b = try c.checkIn(clientID: "user-\(k)")
            #expect(a.selected == expected.contains(Int32(k)))
            #expect(a.selected == b.selected && a.round == round)
        }
        #expect(c.status().selected == expected.count)
    }

    @Test("unknown clients, unselected clients, stale rounds and duplicates are refused")
    func refusals() throws {
        let c = try FederatedRoundCoordinator(setup: try F.setup())
        let round = c.status().round
        let selected = F.participants(c.setup, round: round)
        let outsider = (0..<10).first { !selected.contains(Int32($0)) }!
        #expect(throws: ServerError.self) { try c.checkIn(clientID: "stranger") }
        #expect(code { try c.admitUpdate(clientID: "user-\(outsider)", round: round) } == .notSelected)
        #expect(code { try c.admitUpdate(clientID: "user-\(selected[0])", round: round + 1) } == .staleRound)
        _ = try c.submitUpdate(clientID: "user-\(selected[0])", round: round, update: F.update(c, round: round))
        if selected.count > 1 {
            #expect(code { _ = try c.submitUpdate(clientID: "user-\(selected[0])", round: round, update: F.update(c, round: round)) } == .duplicateUpdate)
            #expect(c.status().received == 1)
        }
    }

    @Test("a round closes when every participant reported, and the model moves by the aggregate")
    func roundClosesWhenAllReported() throws {
        let c = try FederatedRoundCoordinator(setup: try F.setup())
        let before = c.model
        let round = c.status().round
        try F.completeRound(c)
        #expect(c.status().round > round)
        #expect(c.status().modelVersion >= 1)
        #expect(c.model != before)
        let first = try #require(c.history.first)
        #expect(first.round == round && first.released && first.received == first.selected)
    }

    @Test("distributed trust: fewer than m updates by the deadline → discarded, nothing released, no privacy spent")
    func discardBelowMinimum() throws {
        let privacy = try F.privacy(trust: .distributed, m: 10)
        let c = try FederatedRoundCoordinator(setup: try F.setup(privacy: privacy, deadline: 0.05))
        let before = c.model
        let round = c.status().round
        let first = F.participants(c.setup, round: round)[0]
        _ = try c.submitUpdate(clientID: "user-\(first)", round: round, update: F.update(c, round: round))
        Thread.sleep(forTimeInterval: 0.1)
        c.tick()
        #expect(c.history.first?.released == false)
        #expect(c.model == before)
        #expect(c.ledger?.roundsRun == 0)
        #expect(c.status().epsilonSpent == 0)
        #expect((c.ledger?.discardedRounds ?? 0) >= 1, "the server saw the update: its view counts the round")
        #expect(c.ledger?.serverViewEpsilon != nil)
        #expect(code { try c.admitUpdate(clientID: "user-\(first)", round: round) } == .staleRound)
    }

    @Test("central trust refuses an update above the clip bound without touching the model")
    func centralClipBound() throws {
        let c = try FederatedRoundCoordinator(setup: try F.setup(privacy: try F.privacy(trust: .central, clip: 0.5)))
        let round = c.status().round
        let k = F.participants(c.setup, round: round)[0]
        #expect(code { _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: 1)) } == .clipBoundExceeded)
        #expect(c.status().received == 0)
        _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: 0.01))
    }

    @Test("the budget stops the run with a clear status and refuses check-ins")
    func budgetExhaustion() throws {
        // z = 1 at q = 0.3: a budget of about one round's ε allows very few rounds out of 50.
        let privacy = try F.privacy(trust: .central, z: 1, rounds: 50, budget: 1.0)
        let c = try FederatedRoundCoordinator(setup: try F.setup(config: try F.config(rounds: 50), privacy: privacy))
        var rounds = 0
        while c.status().state == .open && rounds < 50 {
            try F.completeRound(c)
            rounds += 1
        }
        let status = c.status()
        #expect(status.state == .budgetExhausted)
        #expect(status.message?.contains("budget") == true)
        #expect(status.epsilonSpent <= 1.0)
        #expect(code { _ = try c.checkIn(clientID: "user-0") } == .budgetExhausted)
    }

    @Test("the status shows the ε of the accountant that admitted the rounds: PLD ≤ budget where RDP is over it")
    func statusShowsTheEnforcingAccountant() throws {
        // z = 1 at q = 0.3, δ = 1e-5: one round costs ε_RDP 3.29 but ε_PLD 2.92, so a budget of 3
        // admits exactly one round, and only by PLD.
        let privacy = try F.privacy(trust: .central, z: 1, rounds: 5, budget: 3.0)
        let c = try FederatedRoundCoordinator(setup: try F.setup(config: try F.config(rounds: 5), privacy: privacy))
        #expect(c.status().epsilonAccountant == nil, "nothing spent yet")
        var rounds = 0
        while c.status().state == .open && rounds < 5 {
            try F.completeRound(c)
            rounds += 1
        }
        let status = c.status()
        let ledger = try #require(c.ledger)
        try #require(ledger.roundsRun >= 1)
        try #require(try #require(ledger.epsilonSpent["rdp"]).epsilon > 3.0, "the setting must put RDP over the budget")
        #expect(status.epsilonAccountant == "pld")
        #expect(status.epsilonSpent <= 3.0)
        #expect(status.epsilonSpent == ledger.epsilonSpent["pld"]?.epsilon)
    }

    @Test("a restart resumes the model, optimizer, round and ledger exactly")
    func checkpointRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try F.setup(privacy: try F.privacy(rounds: 4))
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        try F.completeRound(a)
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(b.model == a.model)
        #expect(b.status().round == a.status().round)
        #expect(b.status().modelVersion == a.status().modelVersion)
        #expect(b.ledger?.roundsRun == a.ledger?.roundsRun)
        #expect(b.history == a.history)
        // Both continue identically.
        try F.completeRound(a)
        try F.completeRound(b)
        #expect(b.model == a.model)
    }

    @Test("a checkpoint of other settings (setup_mismatch), a corrupt checkpoint, or a ledger without checkpoint (budget_reset_refused) stops the start")
    func corruptCheckpointRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try F.setup(privacy: try F.privacy(rounds: 4))
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        var other = setup
        other.simulation.rounds = 5
        #expect(code { _ = try FederatedRoundCoordinator(setup: other, stateDirectory: dir.path) } == .setupMismatch)
        let path = dir.path + "/" + FederatedRoundCoordinator.checkpointFile
        var bytes = try AtomicFile.read(path)
        bytes[bytes.count / 2] ^= 0x40
        try AtomicFile.write(bytes, to: path)
        #expect(code { _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path) } == .corruptCheckpoint)
        try FileManager.default.removeItem(atPath: path)
        #expect(code { _ = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path) } == .budgetResetRefused)
    }

    @Test("the ledger never decreases: a ledger file ahead of the checkpoint wins on restart")
    func ledgerNeverDecreases() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try F.setup(privacy: try F.privacy(rounds: 4))
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        let path = dir.path + "/" + FederatedRoundCoordinator.checkpointFile
        let older = try AtomicFile.read(path)
        try F.completeRound(a)
        let spent = try #require(a.ledger).roundsRun
        #expect(spent >= 2)
        // A crash between the two writes leaves an older checkpoint beside a newer ledger.
        try AtomicFile.write(older, to: path)
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(try #require(b.ledger).roundsRun == spent)
        #expect(b.status().round < a.status().round)
    }

    @Test("the status long poll returns when the round closes, not at its timeout")
    func longPollWakesOnRoundChange() throws {
        let c = try FederatedRoundCoordinator(setup: try F.setup())
        let round = c.status().round
        let result = Mutex<RoundStatus?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let s = c.status(afterRound: round, instance: c.instance, timeout: .seconds(60))
            result.withLock { $0 = s }
            done.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.05)
        try F.completeRound(c)
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect((result.withLock { $0 }?.round ?? 0) > round)
    }

    @Test("after a restart the interrupted round re-opens with a new instance and accepts the same clients again")
    func restartReopensInterruptedRound() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try F.setup()
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        try F.completeRound(a)
        let round = a.status().round
        let k = F.participants(setup, round: round)[0]
        _ = try a.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(a, round: round))
        // "Crash": a new coordinator on the same directory, without the in-memory submissions.
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(b.instance != a.instance)
        #expect(b.status().round == round && b.status().received == 0)
        #expect(try b.checkIn(clientID: "user-\(k)").selected)
        _ = try b.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(b, round: round))
    }

    private func code(_ body: () throws -> Void) -> ServerError.Code? {
        do { try body() } catch let e as ServerError { return e.code } catch { return nil }
        return nil
    }
}
