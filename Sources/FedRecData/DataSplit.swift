/// A train/test split of one data set: both halves share the index space and id mappings of
/// the original, and together hold each of its interactions exactly once.
///
/// The two protocols of the design (§4):
/// - explicit ratings: ``perUserHoldout(_:testFraction:using:)``, a seeded per-user random holdout
///   evaluated by RMSE and MAE;
/// - implicit feedback: ``leaveLastOut(_:)``, each user's latest interaction held out, evaluated
///   by HR@K and NDCG@K (He et al., "Neural Collaborative Filtering", WWW 2017).
public struct DataSplit: Sendable {
    /// The interactions to train on.
    public var train: RatingsDataset
    /// The held-out interactions.
    public var test: RatingsDataset

    /// Creates a split; both halves must share an index space.
    public init(train: RatingsDataset, test: RatingsDataset) {
        precondition(
            train.userCount == test.userCount && train.itemCount == test.itemCount,
            "DataSplit: train and test must share the index space")
        self.train = train
        self.test = test
    }

    /// The protocol that suits the data: ``perUserHoldout(_:testFraction:using:)`` for explicit
    /// ratings, ``leaveLastOut(_:)`` for implicit feedback.
    public static func forEvaluation(
        _ data: RatingsDataset, testFraction: Double = 0.1, using rng: inout some RandomNumberGenerator
    ) -> DataSplit {
        switch data.feedback {
        case .explicit: return perUserHoldout(data, testFraction: testFraction, using: &rng)
        case .implicit: return leaveLastOut(data)
        }
    }

    /// Holds out a random `testFraction` of each user's interactions.
    ///
    /// A user with n ≥ 2 interactions holds out k = round(`testFraction`·n) of them, at least 1 and
    /// at most n − 1 (so every user keeps some training data), chosen uniformly at random; a user
    /// with fewer than 2 stays entirely in training. Users are visited in index order, so the
    /// split is a function of the data and the generator's state. Both halves keep the original
    /// order of the interactions.
    /// - Precondition: 0 < `testFraction` < 1.
    /// - Complexity: O(n + users).
    public static func perUserHoldout(
        _ data: RatingsDataset, testFraction: Double = 0.1, using rng: inout some RandomNumberGenerator
    ) -> DataSplit {
        precondition(testFraction > 0 && testFraction < 1, "testFraction must lie strictly between 0 and 1")
        let (offsets, positions) = groupByUser(data)
        var rows = positions
        var isTest = [Bool](repeating: false, count: data.count)
        for u in 0..<data.userCount {
            let start = offsets[u]
            let n = offsets[u + 1] - start
            guard n >= 2 else { continue }
            let k = Swift.min(n - 1, Swift.max(1, Int((testFraction * Double(n)).rounded())))
            // Partial Fisher–Yates: the first k slots become a uniform random k-subset.
            for j in 0..<k {
                let pick = j + rng.nextIndex(below: n - j)
                rows.swapAt(start + j, start + pick)
                isTest[rows[start + j]] = true
            }
        }
        return split(data, isTest)
    }

    /// Holds out each user's latest interaction (largest timestamp; among equal timestamps, the
    /// one that comes last in the data). Users with a single interaction stay in training.
    /// Deterministic: no randomness involved. - Complexity: O(n + users).
    public static func leaveLastOut(_ data: RatingsDataset) -> DataSplit {
        var latest = [Int](repeating: -1, count: data.userCount)
        var counts = [Int](repeating: 0, count: data.userCount)
        for k in 0..<data.count {
            let u = Int(data.users[k])
            counts[u] += 1
            if latest[u] < 0 || data.timestamps[k] >= data.timestamps[latest[u]] { latest[u] = k }
        }
        var isTest = [Bool](repeating: false, count: data.count)
        for u in 0..<data.userCount where counts[u] >= 2 { isTest[latest[u]] = true }
        return split(data, isTest)
    }

    /// Checks that the split can be evaluated: it holds out at least one interaction and trains on
    /// at least one. Call it before training: an empty held-out half makes every held-out metric
    /// NaN (RMSE over nothing).
    /// - Throws: ``DataError/Code/emptySplit`` saying why nothing was held out and what to change.
    public func checkHoldsOut() throws(DataError) {
        let source = train.source.isEmpty || train.source == "memory" ? nil : train.source
        if test.count == 0 {
            throw DataError(
                .emptySplit,
                "the split holds out nothing: none of the \(train.userCount) users has the 2 or more interactions a holdout needs (one to train on, one to hold out), so held-out RMSE/HR would be NaN; give data with more interactions per user",
                file: source)
        }
        if train.count == 0 {
            throw DataError(.emptySplit, "the split trains on nothing (all \(test.count) interactions are held out); give more data per user", file: source)
        }
    }

    private static func split(_ data: RatingsDataset, _ isTest: [Bool]) -> DataSplit {
        var trainRows: [Int] = []
        var testRows: [Int] = []
        trainRows.reserveCapacity(data.count)
        for k in 0..<data.count {
            if isTest[k] { testRows.append(k) } else { trainRows.append(k) }
        }
        return DataSplit(train: data.subset(trainRows), test: data.subset(testRows))
    }

    /// Positions grouped by user, in data order within a user (a counting sort).
    static func groupByUser(_ data: RatingsDataset) -> (offsets: [Int], positions: [Int]) {
        var offsets = [Int](repeating: 0, count: data.userCount + 1)
        for u in data.users { offsets[Int(u) + 1] += 1 }
        for u in 0..<data.userCount { offsets[u + 1] += offsets[u] }
        var cursor = offsets
        var positions = [Int](repeating: 0, count: data.count)
        for k in 0..<data.count {
            let u = Int(data.users[k])
            positions[cursor[u]] = k
            cursor[u] += 1
        }
        return (offsets, positions)
    }
}
