import FedRecData
import FedRecFederation
import FedRecMath
import FedRecModels
import FedRecPrivacy
import Foundation
import Testing
@testable import FedRecExperiments

/// The library entry points of `--model neumf`: leave-one-out split, centralized and federated
/// runs with baselines beside them, privacy accounting through the ledger.
@Suite struct NeuMFExperimentTests {
    /// 3 taste groups × 12 users over 3 × 15 items; each user interacts with 8 items of its group
    /// (explicit ratings 5) and 2 elsewhere (rating 2), at increasing timestamps.
    static func ratings(seed: UInt64) -> RatingsDataset {
        let groups = 3, perGroup = 12, itemsPerGroup = 15
        var rng = SeededGenerator(seed: seed)
        var users: [Int32] = [], items: [Int32] = [], ratings: [Float] = [], times: [Int64] = []
        for u in 0..<(groups * perGroup) {
            let g = u / perGroup
            var chosen: [(Int, Float)] = []
            while chosen.count < 8 {
                let i = g * itemsPerGroup + rng.nextIndex(below: itemsPerGroup)
                if !chosen.contains(where: { $0.0 == i }) { chosen.insert((i, 5), at: 0) }
            }
            while chosen.count < 10 {
                let i = rng.nextIndex(below: groups * itemsPerGroup)
                if i / itemsPerGroup != g && !chosen.contains(where: { $0.0 == i }) { chosen.insert((i, 2), at: 0) }
            }
            for (t, (i, r)) in chosen.enumerated() {
                users.append(Int32(u)); items.append(Int32(i)); ratings.append(r); times.append(Int64(t))
            }
        }
        return RatingsDataset(userCount: groups * perGroup, itemCount: groups * itemsPerGroup, users: users, items: items,
                              ratings: ratings, timestamps: times, source: "planted")
    }

    static let model = NeuMFConfig(gmfDim: 4, mlpLayers: [8, 4])

    @Test func leaveOneOutConvertsExplicitRatingsWithTheThreshold() {
        let data = Self.ratings(seed: 1)
        let split = NeuMFExperiment.leaveOneOut(data, threshold: 4)
        #expect(split.train.feedback == .implicit && split.test.feedback == .implicit)
        #expect(split.test.count == data.userCount)
        #expect(split.train.count + split.test.count == 8 * data.userCount)
        let all = NeuMFExperiment.leaveOneOut(data)
        #expect(all.train.count + all.test.count == data.count)
    }

    @Test func centralizedReportsBothProtocolsBesideTheBaselines() throws {
        let split = NeuMFExperiment.leaveOneOut(Self.ratings(seed: 2), threshold: 4)
        let result = try NeuMFExperiment.centralized(
            split: split, config: Self.model, options: .init(epochs: 5, batchSize: 32, optimizer: .adam(.init(learningRate: 0.01))),
            implicitMF: .init(dim: 4, epochs: 5))
        #expect(result.setting == "centralized" && result.steps == 5)
        #expect(result.full.candidates == .full && result.full.userCount == split.test.count)
        #expect(result.sampled.candidates == .sampled(negatives: NeuMFExperiment.sampledNegatives, seed: 2017))
        #expect(result.popularityFull.candidates == .full)
        #expect(result.implicitMFFull != nil && result.implicitMFSampled != nil)
        // 45 items, 7 training items a user: fewer than 99 negatives exist, so the sampled
        // protocol ranks against all of them and equals the full ranking.
        #expect(result.sampled.hitSums == result.full.hitSums)
        #expect(result.trainingSeconds > 0 && result.evaluationSeconds > 0 && result.implicitMFSeconds > 0)
        #expect(result.wallSeconds >= result.trainingSeconds + result.evaluationSeconds + result.implicitMFSeconds)
        #expect(result.epsilonSpent(.rdp) == nil)
    }

    @Test func privateFederatedRunRecordsEveryReleasedRoundInTheLedger() throws {
        let split = NeuMFExperiment.leaveOneOut(Self.ratings(seed: 3), threshold: 4)
        let simulation = try NeuMFSimulationConfig(rounds: 4, sampling: .poisson(rate: 0.5), model: Self.model,
                                                   local: .init(epochs: 1, batchSize: 32), threads: 2, reductionChunks: 2)
        let privacy = PrivacySettings(targetEpsilon: 50, noiseMultiplier: 1.0, clipBound: 0.5, trust: .central, noise: .seeded(3))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("neumf-ledger-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        var seen: [NeuMFRoundRecord] = []
        let result = try NeuMFExperiment.federated(split: split, simulation: simulation, privacy: privacy, ledgerURL: url,
                                                   onRound: { seen.append($0) })
        let ledger = try #require(result.ledger)
        #expect(result.rounds.count == 4 && seen.count == 4)
        #expect(ledger.roundsRun == result.rounds.filter(\.released).count)
        #expect(ledger.roundsRun == 4, "central trust never discards a round")
        let saved = try PrivacyLedger.load(from: url)
        #expect(saved.roundsRun == 4)
        let rdp = try #require(result.epsilonSpent(.rdp)), pld = try #require(result.epsilonSpent(.pld))
        #expect(rdp > 0 && pld > 0 && pld <= rdp * 1.01)
        #expect(result.privacy?.mechanism.noiseMultiplier == 1.0)
        #expect(result.full.userCount == split.test.count && result.sampled.candidates.isSampled)
        #expect(result.secondsPerRound != nil && result.implicitMFFull == nil)

        // A second run never replaces the ledger of the first.
        #expect(throws: PrivacyError.self) {
            _ = try NeuMFExperiment.federated(split: split, simulation: simulation, privacy: privacy, ledgerURL: url)
        }
    }

    @Test func budgetStopsTheRunBeforeItIsCrossed() throws {
        let split = NeuMFExperiment.leaveOneOut(Self.ratings(seed: 4), threshold: 4)
        let simulation = try NeuMFSimulationConfig(rounds: 50, sampling: .poisson(rate: 0.3), model: Self.model,
                                                   local: .init(epochs: 1, batchSize: 32), threads: 1, reductionChunks: 2)
        // z = 1 at q = 0.3 spends ε well above 2 over 50 rounds: the budget runs out early.
        let privacy = PrivacySettings(targetEpsilon: 2, noiseMultiplier: 1, clipBound: 0.5, trust: .central, noise: .seeded(4))
        let result = try NeuMFExperiment.federated(split: split, simulation: simulation, privacy: privacy)
        let ledger = try #require(result.ledger)
        #expect(result.stopReason != nil)
        #expect(result.rounds.count < 50 && ledger.roundsRun == result.rounds.count)
        #expect(ledger.epsilonSpentSoFar <= 2)
    }
}
