import FedRecData
import Foundation
import FedRecMath
import Testing
import FedRecModels

/// Ranking metrics on hand-computed examples. Ranks follow the documented pessimistic tie
/// rule: a relevant item ranks after every non-relevant candidate with an equal score.
@Suite struct RankingEvaluatorTests {
    /// A dataset of `users`×`items` from per-user item lists (implicit feedback).
    static func interactions(_ rows: [[Int32]], items: Int) -> RatingsDataset {
        var us: [Int32] = [], its: [Int32] = []
        for (u, row) in rows.enumerated() { for i in row { us.append(Int32(u)); its.append(i) } }
        return RatingsDataset(userCount: rows.count, itemCount: items, users: us, items: its,
                              ratings: Array(repeating: 1, count: us.count), feedback: .implicit)
    }

    static func table(_ scores: [[Float]]) -> ClosureScorer {
        ClosureScorer(itemCount: scores[0].count) { u, i in scores[u][i] }
    }

    static func log2(_ x: Double) -> Double { _log(x) / _log(2) }

    @Test func tieWithNonRelevantItemCountsAgainstTheRelevantItem() throws {
        // Item 0 is a training item (excluded, despite the top score). Candidates 1…4;
        // relevant item 1 (0.5) ties item 2 and trails item 3 ⇒ rank 3.
        let train = Self.interactions([[0]], items: 5)
        let test = Self.interactions([[1]], items: 5)
        let scorer = Self.table([[10, 0.5, 0.5, 0.9, 0.1]])
        let m = try RankingEvaluator(cutoffs: [2, 3]).evaluate(scorer, train: train, test: test)
        #expect(m.userCount == 1)
        #expect(m.hitRate(at: 2) == 0 && m.ndcg(at: 2) == 0)
        #expect(m.hitRate(at: 3) == 1)
        #expect(abs(m.ndcg(at: 3) - 1 / Self.log2(4)) < 1e-12)
        #expect(abs(m.precision(at: 3) - 1.0 / 3) < 1e-12 && m.recall(at: 3) == 1)
        // AUC: one negative above (0), one tied (½), one below (1) ⇒ 1.5 / 3.
        #expect(abs(m.auc - 0.5) < 1e-12)
        #expect(m.candidates == .full && !m.candidates.isSampled)
    }

    @Test func ndcgPrecisionRecallAndAucWithTwoRelevantItems() throws {
        // Relevant items 0 and 2 rank 1st and 3rd; item 1 (non-relevant) is 2nd.
        let train = Self.interactions([[]], items: 6)
        let test = Self.interactions([[0, 2]], items: 6)
        let scorer = Self.table([[0.9, 0.8, 0.7, 0.6, 0.5, 0.4]])
        let m = try RankingEvaluator(cutoffs: [1, 2, 3]).evaluate(scorer, train: train, test: test)
        #expect(m.hitRate(at: 1) == 1 && m.precision(at: 1) == 1 && m.recall(at: 1) == 0.5)
        #expect(m.precision(at: 2) == 0.5 && m.recall(at: 2) == 0.5)
        let ideal = 1 + 1 / Self.log2(3)
        #expect(abs(m.ndcg(at: 3) - (1 + 1 / Self.log2(4)) / ideal) < 1e-12)
        #expect(abs(m.ndcg(at: 2) - 1 / ideal) < 1e-12)
        // Pairs: item 0 beats all 4 negatives, item 2 beats 3 of 4 ⇒ 7/8.
        #expect(abs(m.auc - 0.875) < 1e-12)
    }

    @Test func relevantItemsTiedWithEachOtherTakeConsecutiveRanks() throws {
        let train = Self.interactions([[]], items: 4)
        let test = Self.interactions([[1, 3]], items: 4)
        let scorer = Self.table([[0.1, 0.9, 0.2, 0.9]])
        let m = try RankingEvaluator(cutoffs: [2]).evaluate(scorer, train: train, test: test)
        #expect(m.ndcg(at: 2) == 1 && m.recall(at: 2) == 1 && m.auc == 1)
    }

    @Test func cutoffBeyondTheCatalogueIsAHitForEveryUser() throws {
        // Three items, one trained, so two candidates; a constant scorer ties everything:
        // the relevant item ranks 2nd under the pessimistic rule.
        let train = Self.interactions([[0], [2]], items: 3)
        let test = Self.interactions([[1], [0]], items: 3)
        let scorer = ClosureScorer(itemCount: 3) { _, _ in 1 }
        let m = try RankingEvaluator(cutoffs: [1, 10]).evaluate(scorer, train: train, test: test)
        #expect(m.userCount == 2)
        #expect(m.hitRate(at: 10) == 1)
        #expect(m.hitRate(at: 1) == 0, "a constant scorer must not earn credit from ties")
        #expect(abs(m.ndcg(at: 10) - 1 / Self.log2(3)) < 1e-12)
        #expect(abs(m.precision(at: 10) - 0.1) < 1e-12)
        #expect(m.auc == 0.5)
    }

    @Test func nanScoresRankLast() throws {
        let train = Self.interactions([[]], items: 3)
        let test = Self.interactions([[0]], items: 3)
        let scorer = Self.table([[.nan, 0, -1]])
        let m = try RankingEvaluator(cutoffs: [2, 3]).evaluate(scorer, train: train, test: test)
        #expect(m.hitRate(at: 2) == 0 && m.hitRate(at: 3) == 1 && m.auc == 0)
    }

    @Test func usersWithoutHeldOutItemsAreSkipped() throws {
        // User 1's only held-out item is also in its training rows: not a candidate.
        let train = Self.interactions([[0], [1], []], items: 3)
        let test = Self.interactions([[1], [1], []], items: 3)
        let m = try RankingEvaluator().evaluate(Self.table([[0, 1, 2], [0, 1, 2], [0, 1, 2]]), train: train, test: test)
        #expect(m.userCount == 1)
    }

    @Test func sampledNegativesExcludeEveryInteractedItem() throws {
        // Training items (0…9) and the other held-out item outscore the positive; if any
        // were drawn as a negative, the positive would lose its first place.
        let train = Self.interactions([Array(0..<10)], items: 50)
        let test = Self.interactions([[10, 11]], items: 50)
        let scorer = ClosureScorer(itemCount: 50) { _, i in i < 10 ? 100 : i == 10 ? 50 : i == 11 ? 60 : 0 }
        let m = try RankingEvaluator(cutoffs: [1], candidates: .sampled(negatives: 20, seed: 5))
            .evaluate(scorer, train: train, test: test)
        #expect(m.hitRate(at: 1) == 1 && m.auc == 1)
        #expect(m.candidates.isSampled && m.candidates.label == "sampled: 1 positive + 20 negatives")
    }

    @Test func sampledWithMoreNegativesThanAvailableEqualsFullRanking() throws {
        let planted = PlantedData(users: 20, items: 30, density: 0.3)
        var rng = SeededGenerator(seed: 9)
        let model = BiasedMF(userCount: 20, itemCount: 30, dim: 4, globalMean: 0, initScale: 1, using: &rng)
        let test = planted.test.subset(Self.firstPerUser(planted.test))
        let full = try RankingEvaluator(cutoffs: [5]).evaluate(model, train: planted.train, test: test)
        let sampled = try RankingEvaluator(cutoffs: [5], candidates: .sampled(negatives: 1000, seed: 1))
            .evaluate(model, train: planted.train, test: test)
        #expect(full.userCount == sampled.userCount && full.userCount > 5)
        #expect(abs(full.ndcg(at: 5) - sampled.ndcg(at: 5)) < 1e-12 && abs(full.auc - sampled.auc) < 1e-12)
    }

    /// Positions of each user's first test interaction (leave-one-out style).
    static func firstPerUser(_ data: RatingsDataset) -> [Int] {
        var seen = Set<Int32>()
        return data.users.indices.filter { seen.insert(data.users[$0]).inserted }
    }

    @Test(arguments: [CandidateSet.full, .sampled(negatives: 7, seed: 3)])
    func resultDoesNotDependOnChunkingAndMatchesPerUserSums(candidates: CandidateSet) throws {
        let planted = PlantedData(users: 90, items: 50, density: 0.2)
        var rng = SeededGenerator(seed: 2)
        let model = BiasedMF(userCount: 90, itemCount: 50, dim: 4, globalMean: 0, initScale: 1, using: &rng)
        let one = try RankingEvaluator(cutoffs: [3, 10], candidates: candidates, chunkSize: 1)
            .evaluate(model, train: planted.train, test: planted.test)
        let big = try RankingEvaluator(cutoffs: [3, 10], candidates: candidates, chunkSize: 64)
            .evaluate(model, train: planted.train, test: planted.test)
        #expect(one == big)
        let evaluator = try RankingEvaluator(cutoffs: [3, 10], candidates: candidates)
        let trainRows = planted.train.byUser(), testRows = planted.test.byUser()
        var summed = RankingMetrics(candidates: candidates, cutoffs: [3, 10])
        for u in 0..<90 {
            summed = summed + evaluator.evaluateUser(model, user: u, trainItems: trainRows.items[trainRows.range(of: u)],
                                                     testItems: testRows.items[testRows.range(of: u)])
        }
        #expect(summed == one)
    }

    /// The definitions applied literally: sort every candidate by (score desc, non-relevant
    /// before relevant, item), read off ranks, count AUC pairs one by one.
    static func bruteForce(scores: [[Float]], train: [[Int32]], test: [[Int32]], cutoffs: [Int]) -> RankingMetrics {
        var m = RankingMetrics(candidates: .full, cutoffs: cutoffs)
        for u in scores.indices {
            let trained = Set(train[u])
            let relevant = Set(test[u]).subtracting(trained)
            guard !relevant.isEmpty else { continue }
            let candidates = (0..<Int32(scores[u].count)).filter { !trained.contains($0) }
            let ordered = candidates.sorted { a, b in
                let sa = scores[u][Int(a)], sb = scores[u][Int(b)]
                if sa != sb { return sa > sb }
                let ra = relevant.contains(a), rb = relevant.contains(b)
                if ra != rb { return !ra }
                return a < b
            }
            let ranks = ordered.enumerated().filter { relevant.contains($0.element) }.map { $0.offset + 1 }
            m.userCount += 1
            for (j, k) in cutoffs.enumerated() {
                let hits = ranks.filter { $0 <= k }
                m.hitSums[j] += hits.isEmpty ? 0 : 1
                let dcg = hits.reduce(0.0) { $0 + 1 / log2(Double($1 + 1)) }
                let ideal = (1...min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 1)) }
                m.ndcgSums[j] += dcg / ideal
                m.precisionSums[j] += Double(hits.count) / Double(k)
                m.recallSums[j] += Double(hits.count) / Double(relevant.count)
            }
            let negatives = candidates.filter { !relevant.contains($0) }
            var pairs = 0.0
            for r in relevant { for n in negatives {
                let sr = scores[u][Int(r)], sn = scores[u][Int(n)]
                pairs += sr > sn ? 1 : sr == sn ? 0.5 : 0
            } }
            m.aucSum += negatives.isEmpty ? 1 : pairs / Double(relevant.count * negatives.count)
        }
        return m
    }

    @Test func matchesBruteForceDefinitionsOnRandomDataWithTies() throws {
        var rng = SeededGenerator(seed: 11)
        let users = 40, items = 25
        // Scores on a coarse grid so ties are frequent.
        let scores = (0..<users).map { _ in (0..<items).map { _ in Float(rng.nextIndex(below: 6)) } }
        var train: [[Int32]] = [], test: [[Int32]] = []
        for _ in 0..<users {
            train.append((0..<Int32(items)).filter { _ in rng.nextUnitDouble() < 0.3 })
            test.append((0..<Int32(items)).filter { _ in rng.nextUnitDouble() < 0.2 })
        }
        let cutoffs = [1, 3, 10, 30]
        let fast = try RankingEvaluator(cutoffs: cutoffs, chunkSize: 7)
            .evaluate(Self.table(scores), train: Self.interactions(train, items: items), test: Self.interactions(test, items: items))
        let slow = Self.bruteForce(scores: scores, train: train, test: test, cutoffs: cutoffs)
        #expect(fast.userCount == slow.userCount && fast.userCount > 30)
        for k in cutoffs {
            #expect(abs(fast.hitRate(at: k) - slow.hitRate(at: k)) < 1e-12)
            #expect(abs(fast.ndcg(at: k) - slow.ndcg(at: k)) < 1e-12)
            #expect(abs(fast.precision(at: k) - slow.precision(at: k)) < 1e-12)
            #expect(abs(fast.recall(at: k) - slow.recall(at: k)) < 1e-12)
        }
        #expect(abs(fast.auc - slow.auc) < 1e-12)
    }

    @Test func rejectsInvalidCutoffs() {
        #expect(throws: ModelError.self) { try RankingEvaluator(cutoffs: []) }
        #expect(throws: ModelError.self) { try RankingEvaluator(cutoffs: [0]) }
        #expect(throws: ModelError.self) { try RankingEvaluator(candidates: .sampled(negatives: 0, seed: 1)) }
    }
}
