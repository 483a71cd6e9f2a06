import FedRecData
import FedRecFederation
import FedRecMath
import FedRecPrivacy
import Foundation
import Testing
@testable import FedRecExperiments

/// A small planted data set split 90/10 per user.
private func smallSplit(users: Int = 120) throws -> DataSplit {
    let config = SyntheticConfig(users: users, items: 80, rank: 3, meanRatingsPerUser: 25, minRatingsPerUser: 10,
                                 maxRatingsPerUser: 60, seed: 3)
    var rng = SeededGenerator(seed: 1)
    return DataSplit.forEvaluation(try SyntheticData(config: config).dataset, testFraction: 0.1, using: &rng)
}

private func config(rounds: Int = 20, q: Double = 0.25, threads: Int = 2) throws -> SimulationConfig {
    try SimulationConfig(rounds: rounds, sampling: .poisson(rate: q), dim: 4, evaluateEvery: 0, seed: 9, threads: threads)
}

@Suite struct FederatedExperimentTests {
    @Test func privateRunRecordsEveryReleasedRoundAndStaysWithinBudget() throws {
        let split = try smallSplit()
        let privacy = PrivacySettings(targetEpsilon: 4, clipBound: 0.5, trust: .central, noise: .seeded(5))
        let outcome = try FederatedExperiment(simulation: try config(), privacy: privacy).run(train: split.train, heldOut: split.test)
        let ledger = try #require(outcome.ledger)
        let released = outcome.result.rounds.filter(\.released).count
        #expect(ledger.roundsRun == released)
        #expect(released == 20)
        let pld = try #require(outcome.epsilonSpent(.pld))
        let rdp = try #require(outcome.epsilonSpent(.rdp))
        #expect(pld <= 4 && pld > 3.9)
        #expect(pld <= rdp)
        #expect(outcome.result.final.rmse.isFinite)
        #expect(ledger.serverViewEpsilon == nil, "central trust gives no guarantee against the server")
    }

    @Test func fixedNoiseWithSmallBudgetStopsAtTheRoundThatWouldCrossIt() throws {
        let split = try smallSplit()
        // z = 1 at q = 0.25 spends ε ≈ 1 within a few rounds; a budget of 1 cannot cover 20 rounds.
        let privacy = PrivacySettings(targetEpsilon: 1, noiseMultiplier: 1, clipBound: 0.5, trust: .central, noise: .seeded(5))
        let outcome = try FederatedExperiment(simulation: try config(), privacy: privacy).run(train: split.train, heldOut: split.test)
        let ledger = try #require(outcome.ledger)
        #expect(outcome.result.rounds.count < 20)
        #expect(outcome.result.stopReason?.contains("budget") == true)
        #expect(ledger.epsilonSpentSoFar <= 1)
        let oneMore = try ledger.epsilon(afterRounds: ledger.roundsRun + 1, accountant: .pld)
        #expect(oneMore > 1, "the refused round would indeed have crossed the budget")
    }

    @Test func seededPrivateRunIsReproducibleBitForBitAcrossThreadCounts() throws {
        let split = try smallSplit()
        let privacy = PrivacySettings(targetEpsilon: 8, clipBound: 0.5, trust: .distributed, noise: .seeded(11))
        let a = try FederatedExperiment(simulation: try config(threads: 1), privacy: privacy).run(train: split.train, heldOut: split.test)
        let b = try FederatedExperiment(simulation: try config(threads: 3), privacy: privacy).run(train: split.train, heldOut: split.test)
        #expect(a.result.model.parameters == b.result.model.parameters)
        #expect(a.result.final.rmse == b.result.final.rmse)
    }

    @Test func ledgerIsSavedAndAnExistingLedgerIsNeverReplaced() throws {
        let split = try smallSplit()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-exp-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("ledger.json")
        let experiment = FederatedExperiment(simulation: try config(rounds: 5), privacy: PrivacySettings(targetEpsilon: 4, trust: .local, noise: .seeded(1)))
        let outcome = try experiment.run(train: split.train, heldOut: split.test, ledgerURL: url)
        let saved = try PrivacyLedger.load(from: url)
        #expect(saved.roundsRun == outcome.ledger!.roundsRun)
        #expect(saved.serverViewEpsilon != nil)
        #expect(throws: PrivacyError.self) { try experiment.run(train: split.train, heldOut: split.test, ledgerURL: url) }
    }

    @Test func adaptiveClippingRunReportsItsFinalBoundAndSpendsTheSameBudget() throws {
        let split = try smallSplit()
        var privacy = PrivacySettings(targetEpsilon: 4, clipBound: 0.01, trust: .central, noise: .seeded(5), accountant: .rdp)
        privacy.adaptiveClipping = AdaptiveClippingSettings(targetQuantile: 0.5, learningRate: 0.5, countNoiseStddev: 5)
        let outcome = try FederatedExperiment(simulation: try config(), privacy: privacy).run(train: split.train, heldOut: split.test)
        let final = try #require(outcome.finalClipBound)
        #expect(final > 0.05, "norms are far above 0.01, so the bound must grow")
        #expect(try #require(outcome.epsilonSpent(.rdp)) <= 4)
    }

    @Test func divergingRunStopsWithAReasonInsteadOfTrainingOnNaN() throws {
        let split = try smallSplit()
        let sim = try SimulationConfig(rounds: 10, sampling: .poisson(rate: 0.5), dim: 4,
                                       serverOptimizer: .fedAvg(learningRate: .greatestFiniteMagnitude), evaluateEvery: 0, seed: 2)
        let outcome = try FederatedExperiment(simulation: sim, privacy: .none).run(train: split.train, heldOut: split.test)
        #expect(outcome.result.rounds.count < 10)
        #expect(outcome.result.stopReason?.contains("diverged") == true)
    }

    @Test func nonPrivateRunHasNoPlanAndNoLedger() throws {
        let split = try smallSplit()
        let outcome = try FederatedExperiment(simulation: try config(rounds: 3), privacy: .none).run(train: split.train, heldOut: split.test)
        #expect(outcome.plan == nil && outcome.ledger == nil)
        #expect(outcome.epsilonSpent(.rdp) == nil)
    }

    @Test func privateRunWithFixedSizeSamplingIsRefusedWithReason() throws {
        let split = try smallSplit()
        let sim = try SimulationConfig(rounds: 3, sampling: .fixedSize(clientsPerRound: 10), dim: 4)
        #expect {
            try FederatedExperiment(simulation: sim, privacy: PrivacySettings()).run(train: split.train, heldOut: split.test)
        } throws: { error in
            "\(error)".contains("Poisson")
        }
    }
}

@Suite struct ResolvedPrivacyTests {
    @Test func defaultDeltaStaysBelowOneOverTenN() {
        #expect(ResolvedPrivacy.defaultDelta(population: 943) == 1e-5)
        #expect(ResolvedPrivacy.defaultDelta(population: 1_000_000) == 1e-7)
    }

    @Test func defaultMinimumUpdatesIsThreeSigmaBelowTheExpectedCount() {
        #expect(ResolvedPrivacy.defaultMinimumUpdates(expected: 100) == 70)
        #expect(ResolvedPrivacy.defaultMinimumUpdates(expected: 4) == 1)
    }

    @Test func calibratedPlanMeetsTargetAndReportsBothAccountants() throws {
        let r = try ResolvedPrivacy(PrivacySettings(targetEpsilon: 2, trust: .distributed), population: 1000, samplingRate: 0.1, rounds: 100)
        #expect(r.calibrated)
        #expect(r.mechanism.minimumUpdates == 70)
        #expect(r.plannedEpsilonPLD <= 2)
        #expect(r.plannedEpsilonPLD <= r.plannedEpsilonRDP)
        #expect(r.epsilonBudget == 2)
    }

    @Test func missingBudgetAndNoiseIsRefused() {
        #expect(throws: PrivacyError.self) {
            try ResolvedPrivacy(PrivacySettings(targetEpsilon: nil), population: 100, samplingRate: 0.1, rounds: 10)
        }
    }
}
