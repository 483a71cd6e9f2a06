import Dispatch
import FedRecData
import FedRecMath

/// Computes ``RankingMetrics`` of any ``RankingScorer`` on held-out interactions.
///
/// **Candidates.** With ``CandidateSet/full`` every held-out item of a user is ranked against
/// all items the user did not interact with in training (held-out items that also occur in
/// the user's training rows are dropped: they are not candidates). With
/// ``CandidateSet/sampled(negatives:seed:)`` each held-out positive is ranked against its own
/// uniform sample of never-interacted items, drawn from `SeededGenerator(seed:stream:[user])`;
/// a user's metrics are the mean over its positives.
///
/// **Ties (pessimistic rule).** A relevant item ranks *after* every non-relevant candidate
/// with an equal score; relevant items tied with each other are ordered by item index (this
/// does not change any metric). So a constant scorer earns no credit for luck, and NaN
/// scores rank last. AUC counts ties as ½ instead.
///
/// **Cost.** No sort of the catalogue: with the |R| relevant scores sorted, one pass over the
/// candidates binary-searches each score among them, which gives every relevant item's exact
/// rank in O(|items|·log|R|) after scoring. Users are evaluated in parallel in fixed chunks
/// and their results summed in user order, so the result does not depend on the core count.
public struct RankingEvaluator: Sendable {
    /// The cutoffs K of HR@K, NDCG@K, Precision@K and Recall@K.
    public let cutoffs: [Int]
    /// Full ranking or sampled negatives.
    public let candidates: CandidateSet
    /// Users per parallel work item.
    public let chunkSize: Int

    /// Creates an evaluator; throws ``ModelError`` for empty or non-positive cutoffs, a
    /// non-positive negative count or chunk size.
    public init(cutoffs: [Int] = [10], candidates: CandidateSet = .full, chunkSize: Int = 32) throws {
        try ModelError.require(!cutoffs.isEmpty && cutoffs.allSatisfy { $0 > 0 }, "cutoffs", cutoffs, "non-empty and all positive")
        if case .sampled(let n, _) = candidates {
            try ModelError.require(n > 0, "negatives", n, "positive")
        }
        try ModelError.require(chunkSize > 0, "chunkSize", chunkSize, "positive")
        self.cutoffs = cutoffs
        self.candidates = candidates
        self.chunkSize = chunkSize
    }

    /// Evaluates `scorer` on `test` given the `train` interactions (same index space).
    public func evaluate(_ scorer: some RankingScorer, train: RatingsDataset, test: RatingsDataset) -> RankingMetrics {
        evaluate(scorer, train: train.byUser(), test: test.byUser())
    }

    /// Evaluates `scorer` on user-major `test` rows given the user-major `train` rows.
    /// - Precondition: both views and the scorer agree on user and item counts.
    /// - Complexity: full: O(users·items·(score cost + log|R|)); sampled: O(|test|·negatives).
    public func evaluate(_ scorer: some RankingScorer, train: UserMajorRatings, test: UserMajorRatings) -> RankingMetrics {
        precondition(train.userCount == test.userCount && train.itemCount == test.itemCount
                     && scorer.itemCount == train.itemCount,
                     "RankingEvaluator: train, test and scorer differ in shape")
        let users = train.userCount
        let width = 4 * cutoffs.count + 2  // hit, ndcg, precision, recall per K; auc; evaluated flag
        var perUser = [Double](repeating: 0, count: users * width)
        let chunk = chunkSize
        let chunks = (users + chunk - 1) / chunk
        perUser.withUnsafeMutableBufferPointer { out in
            let sink = OutputBuffer(base: out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var ws = Workspace(itemCount: train.itemCount, cutoffs: cutoffs)
                for u in (c * chunk)..<min(users, (c + 1) * chunk) {
                    let row = UnsafeMutableBufferPointer(start: sink.base + u * width, count: width)
                    let trainItems = train.items[train.range(of: u)]
                    let testItems = test.items[test.range(of: u)]
                    row[width - 1] = ws.evaluate(scorer, user: u, train: trainItems, test: testItems,
                                                 protocol: candidates, into: row) ? 1 : 0
                }
            }
        }
        var result = RankingMetrics(candidates: candidates, cutoffs: cutoffs)
        for u in 0..<users where perUser[u * width + width - 1] == 1 {
            result.add(row: perUser[(u * width)..<(u * width + width - 1)])
        }
        return result
    }

    /// Evaluates one user, e.g. a federated client scoring its own held-out items with its
    /// local model; add the results of many users with `+`.
    /// - Returns: metrics with ``RankingMetrics/userCount`` 1, or 0 if the user has no
    ///   relevant held-out item.
    public func evaluateUser(
        _ scorer: some RankingScorer, user: Int, trainItems: some Collection<Int32>, testItems: some Collection<Int32>
    ) -> RankingMetrics {
        var ws = Workspace(itemCount: scorer.itemCount, cutoffs: cutoffs)
        var row = [Double](repeating: 0, count: 4 * cutoffs.count + 1)
        var result = RankingMetrics(candidates: candidates, cutoffs: cutoffs)
        let ok = row.withUnsafeMutableBufferPointer {
            ws.evaluate(scorer, user: user, train: trainItems, test: testItems, protocol: candidates, into: $0)
        }
        if ok { result.add(row: row[...]) }
        return result
    }
}

extension RankingMetrics {
    /// Adds one user's row laid out as [hit…, ndcg…, precision…, recall…, auc].
    fileprivate mutating func add(row: ArraySlice<Double>) {
        let n = cutoffs.count
        let s = row.startIndex
        userCount += 1
        for j in 0..<n {
            hitSums[j] += row[s + j]
            ndcgSums[j] += row[s + n + j]
            precisionSums[j] += row[s + 2 * n + j]
            recallSums[j] += row[s + 3 * n + j]
        }
        aucSum += row[s + 4 * n]
    }
}

/// The per-user result table; each chunk writes only the rows of its own users.
private struct OutputBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Double>
}

/// Reusable per-chunk buffers of the ranking evaluation. Marks use a per-user stamp so the
/// item-sized arrays are never cleared.
private struct Workspace {
    let itemCount: Int
    let cutoffs: [Int]
    /// 1/log₂(r + 1) for r = 1…max K.
    let discount: [Double]
    var mark: [Int]
    var sampleMark: [Int]
    var sampleEpoch = 0
    var allItems: [Int32]
    var scores: [Float]
    var relevant: [(score: Float, item: Int32)] = []
    var geDiff: [Int] = []
    var gtDiff: [Int] = []
    var sampleItems: [Int32] = []
    var sampleScores: [Float] = []
    var hits: [Int]
    var dcg: [Double]

    init(itemCount: Int, cutoffs: [Int]) {
        self.itemCount = itemCount
        self.cutoffs = cutoffs
        let maxK = cutoffs.max() ?? 1
        discount = (0...maxK).map { r in r == 0 ? 0 : 1 / (_log(Double(r + 1)) / _log(2)) }
        mark = [Int](repeating: -1, count: itemCount)
        sampleMark = [Int](repeating: -1, count: itemCount)
        allItems = []
        scores = []
        hits = [Int](repeating: 0, count: cutoffs.count)
        dcg = [Double](repeating: 0, count: cutoffs.count)
    }

    @inline(__always) static func clean(_ s: Float) -> Float { s.isNaN ? -.infinity : s }

    /// Writes the user's metrics row; returns false if the user has nothing to evaluate.
    mutating func evaluate(
        _ scorer: some RankingScorer, user u: Int, train: some Collection<Int32>, test: some Collection<Int32>,
        protocol candidates: CandidateSet, into row: UnsafeMutableBufferPointer<Double>
    ) -> Bool {
        let trainStamp = 2 * u, testStamp = 2 * u + 1
        for i in train { mark[Int(i)] = trainStamp }
        relevant.removeAll(keepingCapacity: true)
        for i in test where mark[Int(i)] != trainStamp && mark[Int(i)] != testStamp {
            mark[Int(i)] = testStamp
            relevant.append((0, i))
        }
        guard !relevant.isEmpty else { return false }
        for k in 0..<row.count { row[k] = 0 }
        switch candidates {
        case .full:
            full(scorer, user: u, trainStamp: trainStamp, into: row)
        case .sampled(let n, let seed):
            // Never-interacted means neither in training nor anywhere in the held-out rows.
            for i in test { mark[Int(i)] = testStamp }
            sampled(scorer, user: u, negatives: n, seed: seed, trainStamp: trainStamp, testStamp: testStamp, into: row)
        }
        return true
    }

    private mutating func full(
        _ scorer: some RankingScorer, user u: Int, trainStamp: Int, into row: UnsafeMutableBufferPointer<Double>
    ) {
        if allItems.isEmpty {
            allItems = (0..<Int32(itemCount)).map { $0 }
            scores = [Float](repeating: 0, count: itemCount)
        }
        allItems.withUnsafeBufferPointer { items in
            scores.withUnsafeMutableBufferPointer { s in scorer.score(user: u, items: items, into: s) }
        }
        let r = relevant.count
        for j in 0..<r { relevant[j].score = Self.clean(scores[Int(relevant[j].item)]) }
        relevant.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
        geDiff.removeAll(keepingCapacity: true)
        gtDiff.removeAll(keepingCapacity: true)
        geDiff.append(contentsOf: repeatElement(0, count: r + 1))
        gtDiff.append(contentsOf: repeatElement(0, count: r + 1))
        let testStamp = trainStamp + 1
        var negatives = 0
        relevant.withUnsafeBufferPointer { rel in
        scores.withUnsafeBufferPointer { s in
        mark.withUnsafeBufferPointer { m in
        geDiff.withUnsafeMutableBufferPointer { ge in
        gtDiff.withUnsafeMutableBufferPointer { gt in
            for c in 0..<itemCount {
                let mc = m[c]
                if mc == trainStamp || mc == testStamp { continue }
                negatives += 1
                let sc = Self.clean(s[c])
                if r == 1 {
                    let sr = rel[0].score
                    if sc >= sr { ge[0] += 1; if sc > sr { gt[0] += 1 } }
                    continue
                }
                // First sorted position whose score is ≤ sc (resp. < sc): rel is descending.
                var lo = 0, hi = r
                while lo < hi { let mid = (lo + hi) / 2; if rel[mid].score > sc { lo = mid + 1 } else { hi = mid } }
                ge[lo] += 1
                var lo2 = lo, hi2 = r
                while lo2 < hi2 { let mid = (lo2 + hi2) / 2; if rel[mid].score >= sc { lo2 = mid + 1 } else { hi2 = mid } }
                gt[lo2] += 1
            }
        }}}}}
        let n = cutoffs.count
        var geRun = 0, gtRun = 0
        var aucSum = 0.0
        for j in 0..<n { hits[j] = 0; dcg[j] = 0 }
        for m in 0..<r {
            geRun += geDiff[m]
            gtRun += gtDiff[m]
            let rank = 1 + m + geRun
            for (j, k) in cutoffs.enumerated() where rank <= k {
                hits[j] += 1
                dcg[j] += discount[rank]
            }
            if negatives > 0 {
                aucSum += (Double(negatives - geRun) + 0.5 * Double(geRun - gtRun)) / Double(negatives)
            } else {
                aucSum += 1
            }
        }
        for (j, k) in cutoffs.enumerated() {
            var ideal = 0.0
            for rank in 1...min(k, r) { ideal += discount[rank] }
            row[j] = hits[j] > 0 ? 1 : 0
            row[n + j] = dcg[j] / ideal
            row[2 * n + j] = Double(hits[j]) / Double(k)
            row[3 * n + j] = Double(hits[j]) / Double(r)
        }
        row[4 * n] = aucSum / Double(r)
    }

    private mutating func sampled(
        _ scorer: some RankingScorer, user u: Int, negatives wanted: Int, seed: UInt64,
        trainStamp: Int, testStamp: Int, into row: UnsafeMutableBufferPointer<Double>
    ) {
        var rng = SeededGenerator(seed: seed, stream: [UInt64(u)])
        var available = 0
        for c in 0..<itemCount where mark[c] != trainStamp && mark[c] != testStamp { available += 1 }
        let n = cutoffs.count
        let positives = relevant.count
        for p in 0..<positives {
            sampleItems.removeAll(keepingCapacity: true)
            sampleItems.append(relevant[p].item)
            if available <= wanted {
                for c in 0..<itemCount where mark[c] != trainStamp && mark[c] != testStamp {
                    sampleItems.append(Int32(c))
                }
            } else {
                sampleEpoch += 1
                while sampleItems.count <= wanted {
                    let c = rng.nextIndex(below: itemCount)
                    if mark[c] == trainStamp || mark[c] == testStamp || sampleMark[c] == sampleEpoch { continue }
                    sampleMark[c] = sampleEpoch
                    sampleItems.append(Int32(c))
                }
            }
            sampleScores.removeAll(keepingCapacity: true)
            sampleScores.append(contentsOf: repeatElement(0, count: sampleItems.count))
            sampleItems.withUnsafeBufferPointer { items in
                sampleScores.withUnsafeMutableBufferPointer { s in scorer.score(user: u, items: items, into: s) }
            }
            let sp = Self.clean(sampleScores[0])
            var ge = 0, gt = 0
            for k in 1..<sampleScores.count {
                let s = Self.clean(sampleScores[k])
                if s >= sp { ge += 1; if s > sp { gt += 1 } }
            }
            let negs = sampleScores.count - 1
            let rank = 1 + ge
            for (j, k) in cutoffs.enumerated() where rank <= k {
                row[j] += 1
                row[n + j] += discount[rank]
                row[2 * n + j] += 1 / Double(k)
                row[3 * n + j] += 1
            }
            row[4 * n] += negs > 0 ? (Double(negs - ge) + 0.5 * Double(ge - gt)) / Double(negs) : 1
        }
        for k in 0..<(4 * n + 1) { row[k] /= Double(positives) }
    }
}
