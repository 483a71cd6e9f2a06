import Foundation
import Testing
@testable import FedRecPrivacy

@Suite struct PrivacyLedgerTests {
    static func makeLedger(budget: Double = 1.0, trust: TrustModel = .distributed) throws -> PrivacyLedger {
        let mechanism = try GaussianMechanism(noiseMultiplier: 1.0, clipBound: 1, trust: trust, minimumUpdates: trust == .distributed ? 4 : 1)
        return try PrivacyLedger(runID: "run-1", configFingerprint: "cfg-abc", epsilonBudget: budget, delta: 1e-5,
                                 mechanism: mechanism, samplingRate: 0.01, noiseSource: .seeded(3))
    }

    static func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).json")
    }

    static func runUntilRefused(_ ledger: inout PrivacyLedger, cap: Int) throws -> (rounds: Int, refusal: PrivacyError?) {
        var round = 0
        while ledger.canRun() && round < cap {
            round += 1
            try ledger.record(round: round)
        }
        do { try ledger.record(round: round + 1) } catch let e as PrivacyError { return (round, e) }
        return (round, nil)
    }

    @Test func refusesTheRoundThatWouldCrossTheBudget() throws {
        // Full participation, z = 10: ε after n rounds is the Gaussian with μ = √n/10 (exact), so the
        // last allowed round is known in closed form.
        var ledger = try PrivacyLedger(runID: "r", configFingerprint: "c", epsilonBudget: 2, delta: 1e-5, trust: .central,
                                       roundEvent: .gaussian(noiseMultiplier: 10), serverViewEvent: nil, noiseSource: .secure)
        let (rounds, refusal) = try Self.runUntilRefused(&ledger, cap: 1000)
        let exact = { (n: Int) in ExactGaussianPrivacy.epsilon(delta: 1e-5, mu: Double(n).squareRoot() / 10) }
        #expect(exact(rounds) <= 2 && exact(rounds + 1) > 2 * 0.999)
        #expect(ledger.roundsRun == rounds)
        try ledger.refreshSpent()
        #expect(ledger.epsilonSpentSoFar <= 2)
        let error = try #require(refusal)
        #expect(error.code == .budgetExhausted)
        #expect(error.message.contains("spent") && error.message.contains("left"))
        #expect(ledger.roundsRun == rounds)  // nothing recorded
        #expect(!ledger.canRun())
    }

    @Test func pldLetsRoundsRunThatRdpCannotProve() throws {
        // q = 0.1, z = 2, δ = 1e-5: one round costs ε_RDP ≈ 0.53 but ε_PLD ≈ 0.37 (dp_accounting agrees),
        // so with a budget of 0.45 only PLD can prove the first round.
        var ledger = try PrivacyLedger(runID: "r", configFingerprint: "c", epsilonBudget: 0.45, delta: 1e-5, trust: .central,
                                       roundEvent: .poissonSampled(rate: 0.1, event: .gaussian(noiseMultiplier: 2)),
                                       serverViewEvent: nil, noiseSource: .secure)
        let (rounds, refusal) = try Self.runUntilRefused(&ledger, cap: 100)
        #expect(refusal?.code == .budgetExhausted)
        #expect(rounds >= 1)
        #expect(try ledger.epsilon(afterRounds: rounds, accountant: .rdp) > 0.45)
        #expect(try ledger.epsilon(afterRounds: rounds, accountant: .pld) <= 0.45)
        #expect(try ledger.epsilon(afterRounds: rounds + 1, accountant: .pld) > 0.45)
        try ledger.refreshSpent()
        #expect(ledger.epsilonSpentSoFar <= 0.45)
    }

    @Test func recordsRoundsOnlyInOrder() throws {
        var ledger = try Self.makeLedger()
        try ledger.record(round: 1)
        #expect(throws: PrivacyError.self) { try ledger.record(round: 1) }
        #expect(throws: PrivacyError.self) { try ledger.record(round: 3) }
        try ledger.record(round: 2)
        #expect(ledger.roundsRun == 2)
        #expect(ledger.eventsSoFar == .selfComposed(event: ledger.roundEvent, count: 2))
    }

    @Test func tracksTheServerViewForDistributedAndLocalTrust() throws {
        var distributed = try Self.makeLedger(budget: 5, trust: .distributed)
        var central = try Self.makeLedger(budget: 5, trust: .central)
        for r in 1...10 {
            try distributed.record(round: r)
            try central.record(round: r)
        }
        let view = try #require(distributed.serverViewEpsilon)
        // Per-update multiplier z/√m = 0.5 over 10 rounds, no amplification: μ = √10/0.5.
        let exact = ExactGaussianPrivacy.epsilon(delta: 1e-5, mu: 10.0.squareRoot() / 0.5)
        #expect(abs(view - exact) < 1e-9 * exact)
        #expect(view > distributed.epsilonSpentSoFar)
        #expect(central.serverViewEpsilon == nil)
    }

    @Test func roundTripsThroughDisk() throws {
        var ledger = try Self.makeLedger(budget: 3)
        for r in 1...5 { try ledger.record(round: r) }
        try ledger.refreshSpent()
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ledger.save(to: url)
        let loaded = try PrivacyLedger.load(from: url, runID: "run-1", configFingerprint: "cfg-abc")
        #expect(loaded == ledger)
        #expect(loaded.epsilonSpent["pld"]?.rounds == 5)
        #expect(loaded.noiseSource == "seeded (simulation only, not private)")
        // Saving again replaces the file atomically and leaves no temporary files behind.
        var next = loaded
        try next.record(round: 6)
        try next.save(to: url)
        #expect(try PrivacyLedger.load(from: url).roundsRun == 6)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
            .filter { $0.hasPrefix(".\(url.lastPathComponent)") }
        #expect(leftovers.isEmpty)
    }

    @Test func refusesCorruptOrAlteredFilesAndLeavesThemUntouched() throws {
        let ledger = try Self.makeLedger()
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ledger.save(to: url)
        let original = try String(contentsOf: url, encoding: .utf8)

        // Truncated.
        try String(original.prefix(original.count / 2)).write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: PrivacyError.self) { try PrivacyLedger.load(from: url) }
        // Hand-edited to reset the budget.
        let edited = original.replacingOccurrences(of: "\"roundsRun\" : 0", with: "\"roundsRun\" : 0 ").replacingOccurrences(of: "\"epsilonBudget\" : 1", with: "\"epsilonBudget\" : 100")
        #expect(edited != original)
        try edited.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try PrivacyLedger.load(from: url)
            Issue.record("an altered ledger was accepted")
        } catch let e as PrivacyError {
            #expect(e.code == .corruptLedger)
            #expect(e.message.contains(url.path))
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == edited)  // never replaced
        // Missing file.
        #expect(throws: PrivacyError.self) { try PrivacyLedger.load(from: url.appendingPathExtension("missing")) }
    }

    @Test func refusesALedgerFromAnotherRunOrConfiguration() throws {
        let ledger = try Self.makeLedger()
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ledger.save(to: url)
        for (run, config) in [("run-2", "cfg-abc"), ("run-1", "cfg-other")] {
            do {
                _ = try PrivacyLedger.load(from: url, runID: run, configFingerprint: config)
                Issue.record("mismatched ledger accepted")
            } catch let e as PrivacyError {
                #expect(e.code == .ledgerMismatch)
            }
        }
    }

    /// q = 0.1, z = 2, budget 0.45: RDP cannot prove even one round (ε_RDP ≈ 0.53), PLD proves a few.
    static func rdpOverBudgetLedger() throws -> PrivacyLedger {
        try PrivacyLedger(runID: "r", configFingerprint: "c", epsilonBudget: 0.45, delta: 1e-5, trust: .central,
                          roundEvent: .poissonSampled(rate: 0.1, event: .gaussian(noiseMultiplier: 2)),
                          serverViewEvent: nil, noiseSource: .secure)
    }

    @Test("a run whose RDP ε exceeds the budget while PLD is within shows spent ≤ budget, by PLD")
    func spentShownIsTheEnforcingAccountant() throws {
        var ledger = try Self.rdpOverBudgetLedger()
        #expect(ledger.spentSoFar == nil && ledger.epsilonSpentSoFar == 0)
        var round = 0
        while ledger.canRun() {
            round += 1
            try ledger.record(round: round)
            // No refreshSpent: what a server's status shows right after the round.
            let spent = try #require(ledger.spentSoFar)
            #expect(try #require(ledger.epsilonSpent["rdp"]).epsilon > 0.45)
            #expect(spent.accountant == .pld && spent.rounds == round)
            #expect(spent.epsilon <= 0.45 && ledger.epsilonSpentSoFar == spent.epsilon)
            #expect(ledger.spentAccountant == .pld)
        }
        #expect(round >= 1)
        // ledger.json states it too, and it survives a round trip.
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ledger.save(to: url)
        #expect(try String(contentsOf: url, encoding: .utf8).contains("\"spentSoFar\""))
        #expect(try PrivacyLedger.load(from: url) == ledger)
    }

    @Test("a version-1 ledger.json (FNV checksum, no spentSoFar, RDP only over budget) loads and shows PLD")
    func oldLedgerFilesStayLoadable() throws {
        var ledger = try Self.rdpOverBudgetLedger()
        try ledger.record(round: 1)
        // Rebuild the old file: no spentSoFar, no PLD entry, the checksum of that content.
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        var object = try #require(try JSONSerialization.jsonObject(with: try PrivacyLedger.encoder().encode(ledger)) as? [String: Any])
        object["spentSoFar"] = nil
        var spent = try #require(object["epsilonSpent"] as? [String: Any])
        spent["pld"] = nil
        object["epsilonSpent"] = spent
        let old = try JSONDecoder().decode(PrivacyLedger.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.spentSoFar == nil && old.epsilonSpent["pld"] == nil)
        let file = PrivacyLedger.File(format: PrivacyLedger.formatTag, version: 1,
                                      checksum: try PrivacyLedger.legacyChecksum(of: old), ledger: old)
        try PrivacyLedger.encoder().encode(file).write(to: url)
        let loaded = try PrivacyLedger.load(from: url)
        #expect(loaded.spentAccountant == .pld)
        #expect(loaded.epsilonSpentSoFar <= 0.45)
        #expect(loaded.epsilonSpentSoFar == ledger.epsilonSpentSoFar)
    }

    @Test("the server view counts discarded rounds: the server saw their updates")
    func serverViewCountsDiscardedRounds() throws {
        var ledger = try Self.makeLedger(budget: 5, trust: .distributed)
        for r in 1...3 { try ledger.record(round: r) }
        ledger.recordDiscarded()
        ledger.recordDiscarded()
        #expect(ledger.roundsRun == 3 && ledger.discardedRounds == 2 && ledger.serverViewRounds == 5)
        // Per-update multiplier z/√m = 1/√4 = 0.5, five rounds seen, no amplification: μ = √5/0.5.
        let exact = ExactGaussianPrivacy.epsilon(delta: 1e-5, mu: 5.0.squareRoot() / 0.5)
        #expect(abs(try #require(ledger.serverViewEpsilon) - exact) < 1e-9 * exact)
        // Released rounds alone (the old figure) understate it.
        #expect(ExactGaussianPrivacy.epsilon(delta: 1e-5, mu: 3.0.squareRoot() / 0.5) < exact * 0.9)
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ledger.save(to: url)
        #expect(try PrivacyLedger.load(from: url) == ledger)
    }

    /// Writes `ledger` with its JSON edited by `change` and a checksum recomputed over the edit (what a
    /// forger can do with an unkeyed checksum).
    static func writeForged(_ ledger: PrivacyLedger, to url: URL, _ change: (inout [String: Any]) -> Void) throws {
        var object = try #require(try JSONSerialization.jsonObject(with: try PrivacyLedger.encoder().encode(ledger)) as? [String: Any])
        change(&object)
        let forged = try JSONDecoder().decode(PrivacyLedger.self, from: try JSONSerialization.data(withJSONObject: object))
        let file = PrivacyLedger.File(format: PrivacyLedger.formatTag, version: PrivacyLedger.formatVersion,
                                      checksum: try PrivacyLedger.checksum(of: forged), ledger: forged)
        try PrivacyLedger.encoder().encode(file).write(to: url)
    }

    @Test("cached values are recomputed from the round event on load; a mismatch is refused")
    func loadRecomputesCachedValues() throws {
        var ledger = try Self.makeLedger(budget: 2)
        for r in 1...4 { try ledger.record(round: r) }
        try ledger.refreshSpent()
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.writeForged(ledger, to: url) { _ in }
        #expect(try PrivacyLedger.load(from: url) == ledger, "an unchanged ledger with a recomputed checksum loads")
        let forgeries: [(String, (inout [String: Any]) -> Void)] = [
            ("halved RDP curve", { o in o["roundRDP"] = (o["roundRDP"] as! [Double]).map { $0 / 2 } }),
            ("proven rounds far beyond the budget", { o in o["provenRounds"] = 1_000_000 }),
            ("a lower ε spent", { o in
                var spent = o["epsilonSpent"] as! [String: Any]
                var rdp = spent["rdp"] as! [String: Any]
                rdp["epsilon"] = 0.01
                spent["rdp"] = rdp
                o["epsilonSpent"] = spent
                o["spentSoFar"] = nil
            }),
            ("a lower server view", { o in o["serverViewEpsilon"] = 0.5 }),
        ]
        for (name, change) in forgeries {
            try Self.writeForged(ledger, to: url, change)
            do {
                _ = try PrivacyLedger.load(from: url)
                Issue.record("a ledger with \(name) was accepted")
            } catch let e as PrivacyError {
                #expect(e.code == .corruptLedger, "\(name)")
                #expect(e.message.contains(url.path))
            }
        }
    }
    @Test("ledgers are written with a SHA-256 checksum (format 2); the checksum matches FIPS 180-4 vectors")
    func sha256Checksum() throws {
        // Digests from Python's hashlib.sha256 (FIPS 180-4), across the one- and two-block padding edges.
        let vectors: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            (Array(repeating: 0x61, count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
            (Array(repeating: 0x61, count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
            (Array(repeating: 0x61, count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
            (Array(repeating: 0x61, count: 119), "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
            (Array(repeating: Array(0...255 as ClosedRange<UInt8>), count: 5).flatMap { $0 },
             "d414b085826eb06778483ba35564dc849e643359f69ed9747878ba6e54985bed"),
        ]
        for (message, digest) in vectors { #expect(_SHA256.hex(message) == digest, "\(message.count) bytes") }
        let ledger = try Self.makeLedger()
        let url = Self.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try ledger.save(to: url)
        let file = try JSONDecoder().decode(PrivacyLedger.File.self, from: try Data(contentsOf: url))
        #expect(file.version == 2)
        #expect(file.checksum == _SHA256.hex(try PrivacyLedger.encoder().encode(ledger)))
    }
}

@Suite struct ParameterValidationTests {
    static func code(_ body: () throws -> Void) -> PrivacyError.Code? {
        do { try body() } catch let e as PrivacyError { return e.code } catch { return nil }
        return nil
    }

    @Test func badAccountingParametersAreRefused() {
        let bad: [() throws -> Void] = [
            { _ = try PrivacyEvent.sampledGaussian(noiseMultiplier: 0, samplingRate: 0.1, steps: 10) },
            { _ = try PrivacyEvent.sampledGaussian(noiseMultiplier: -1, samplingRate: 0.1, steps: 10) },
            { _ = try PrivacyEvent.sampledGaussian(noiseMultiplier: 1, samplingRate: 0, steps: 10) },
            { _ = try PrivacyEvent.sampledGaussian(noiseMultiplier: 1, samplingRate: 1.5, steps: 10) },
            { _ = try PrivacyEvent.sampledGaussian(noiseMultiplier: 1, samplingRate: 0.1, steps: 0) },
            { _ = try NoiseCalibration.epsilon(noiseMultiplier: 1, samplingRate: 0.1, steps: 10, delta: 0, accountant: .rdp) },
            { _ = try NoiseCalibration.epsilon(noiseMultiplier: 1, samplingRate: 0.1, steps: 10, delta: 1, accountant: .pld) },
            { _ = try RDPAccountant().epsilon(delta: 1.5) },
            { var a = RDPAccountant(); try a.compose(.gaussian(noiseMultiplier: 0)) },
            { var a = PLDAccountant(); try a.compose(.poissonSampled(rate: 2, event: .gaussian(noiseMultiplier: 1))) },
            { var a = PLDAccountant(); try a.compose(.gaussian(noiseMultiplier: 1), count: 0) },
            { _ = try GaussianMechanism(noiseMultiplier: 1, clipBound: 0) },
            { _ = try GaussianMechanism(noiseMultiplier: 1, clipBound: -2) },
            { _ = try GaussianMechanism(noiseMultiplier: 1, clipBound: 1, trust: .local, minimumUpdates: 3) },
            { _ = try NoiseCalibration.calibrate(targetEpsilon: 0, delta: 1e-5, samplingRate: 0.1, steps: 10, accountant: .rdp) },
            { _ = try AdaptiveClipping(initialClipBound: 0, countNoiseStddev: 1) },
        ]
        for (i, body) in bad.enumerated() {
            #expect(Self.code(body) == .invalidParameter, "case \(i)")
        }
    }

    @Test func messagesNameTheParameterValueAndRange() {
        do {
            _ = try PrivacyEvent.sampledGaussian(noiseMultiplier: 1, samplingRate: 1.5, steps: 10)
        } catch let e as PrivacyError {
            #expect(e.description == "invalid parameter: sampling rate q = 1.5 is outside (0, 1]")
        } catch {
            Issue.record("wrong error")
        }
    }

    @Test func nestedSubsamplingIsUnsupported() {
        let nested = PrivacyEvent.poissonSampled(rate: 0.1, event: .poissonSampled(rate: 0.1, event: .gaussian(noiseMultiplier: 1)))
        #expect(Self.code { var a = RDPAccountant(); try a.compose(nested) } == .unsupportedEvent)
        #expect(Self.code { var a = PLDAccountant(); try a.compose(nested) } == .unsupportedEvent)
    }
}

@Suite struct NoiseCalibrationTests {
    @Test(arguments: [AccountantKind.rdp, .pld])
    func calibratedNoiseMeetsTheTargetAndIsNearlyTight(kind: AccountantKind) throws {
        let result = try NoiseCalibration.calibrate(targetEpsilon: 1, delta: 1e-5, samplingRate: 0.05, steps: 20, accountant: kind, pldInterval: 1e-3)
        #expect(result.epsilon <= 1)
        // 0.1% less noise would overshoot the target.
        let below = try NoiseCalibration.epsilon(noiseMultiplier: result.noiseMultiplier / 1.001, samplingRate: 0.05, steps: 20, delta: 1e-5, accountant: kind, pldInterval: 1e-3)
        #expect(below > 1)
    }

    @Test func unreachableTargetsAreRefusedWithAMessage() {
        do {
            _ = try NoiseCalibration.calibrate(targetEpsilon: 1e-9, delta: 1e-12, samplingRate: 1, steps: 10_000, accountant: .rdp)
            Issue.record("an unreachable target was calibrated")
        } catch let e as PrivacyError {
            #expect(e.code == .unreachableTarget)
            #expect(e.message.contains("unreachable"))
        } catch {
            Issue.record("wrong error \(error)")
        }
    }
}

@Suite struct PrivacyPlanTests {
    @Test func calibratedPlanRunsExactlyItsPlannedRoundsWithinBudget() throws {
        let plan = try PrivacyPlan.calibrated(targetEpsilon: 1, delta: 1e-5, samplingRate: 1, rounds: 30, clipBound: 0.5, trust: .local)
        #expect(plan.plannedEpsilon <= 1)
        #expect(plan.mechanism.noiseMultiplier == plan.noiseMultiplier && plan.mechanism.clipBound == 0.5)
        var ledger = try plan.makeLedger(runID: "r", configFingerprint: "c", noiseSource: .seeded(1))
        for r in 1...30 { try ledger.record(round: r) }
        #expect(ledger.serverViewEpsilon != nil)
        // The budget is tight: 0.1% less noise would not have fitted 30 rounds, so a few more rounds cannot fit.
        #expect(!ledger.canRun(rounds: 5))
    }

    @Test func fixedNoisePlanSpendsItsComputedEpsilon() throws {
        let plan = try PrivacyPlan.fixedNoise(noiseMultiplier: 4, delta: 1e-5, samplingRate: 1, rounds: 10, clipBound: 1, trust: .central, accountant: .pld)
        let exactUpperBound = try NoiseCalibration.epsilon(noiseMultiplier: 4, samplingRate: 1, steps: 10, delta: 1e-5, accountant: .pld)
        #expect(plan.epsilonBudget == exactUpperBound)
        var ledger = try plan.makeLedger(runID: "r", configFingerprint: "c", noiseSource: .secure)
        for r in 1...10 { try ledger.record(round: r) }
        // The 11th round is over the planned ε under every accountant (PLD is exact here: q = 1).
        #expect(!ledger.canRun())
    }
}
