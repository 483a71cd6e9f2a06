import FedRecMath

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A synthetic ratings data set together with the planted model that generated it: FedRec's
/// built-in default data (no download needed) and the ground truth for tests of training.
///
/// The generation process is described on ``SyntheticConfig``. Everything is a deterministic
/// function of the configuration (its ``SyntheticConfig/seed`` in particular): the planted model
/// uses stream `[0]` of ``SeededGenerator``, user activity ranks stream `[2]`, item popularity
/// ranks stream `[3]`, and user u's ratings stream `[1, u]`, so a user's ratings do not depend on
/// how the others were generated.
///
///     let synthetic = try SyntheticData(config: .movieLens100K)
///     let data = synthetic.dataset          // 943 users, 1,682 items, ≈100,000 ratings
///     let truth = synthetic.model.score(user: 0, item: 5)
///
/// Interactions are stored grouped by user (user 0's first), each user's in timestamp order.
public struct SyntheticData: Sendable {
    /// The configuration the data were generated from.
    public let config: SyntheticConfig
    /// The ratings (raw ids are the decimal indices).
    public var dataset: RatingsDataset
    /// The planted model.
    public var model: PlantedModel

    /// Generates the data set described by `config`.
    /// - Throws: ``DataError/Code/invalidOptions`` if `config` is invalid (see ``SyntheticConfig/validate()``).
    /// - Complexity: O(ratings · rank + users + items · log items), no O(users × items) work;
    ///   heavy users (more than about half the items) cost O(items · log items) each.
    public init(config: SyntheticConfig) throws(DataError) {
        try config.validate()
        self.config = config
        let users = config.users
        let items = config.items
        let rank = config.rank

        // The planted model.
        var rng = SeededGenerator(seed: config.seed, stream: [0])
        let factorStd = Float((config.interactionStd / Double(rank).squareRoot()).squareRoot())
        func gaussians(_ count: Int, _ std: Float) -> [Float] {
            (0..<count).map { _ in Float(Gaussian.sample(using: &rng)) * std }
        }
        let userBias = gaussians(users, Float(config.userBiasStd))
        let itemBias = gaussians(items, Float(config.itemBiasStd))
        let userFactors = gaussians(users * rank, factorStd)
        let itemFactors = gaussians(items * rank, factorStd)
        let model = PlantedModel(
            rank: rank, globalMean: Float(config.globalMean), userBias: userBias, itemBias: itemBias,
            userFactors: userFactors, itemFactors: itemFactors, noiseStd: Float(config.noiseStd))

        // Who rates how much, and which items are popular.
        let counts = SyntheticData.activityCounts(config)
        var popularityRNG = SeededGenerator(seed: config.seed, stream: [3])
        var itemOrder = Array(0..<items)
        itemOrder.shuffle(using: &popularityRNG)
        var weights = [Double](repeating: 0, count: items)
        for r in 0..<items {
            weights[itemOrder[r]] = pow(Double(r) + 1 + config.itemPopularityOffset, -config.itemPopularityExponent)
        }
        let popularity = AliasTable(weights: weights)

        var offsets = [Int](repeating: 0, count: users + 1)
        for u in 0..<users { offsets[u + 1] = offsets[u] + counts[u] }
        let total = offsets[users]
        var outUsers = [Int32](repeating: 0, count: total)
        var outItems = [Int32](repeating: 0, count: total)
        var outRatings = [Float](repeating: 1, count: total)
        var outTimestamps = [Int64](repeating: 0, count: total)

        var mark = [Int32](repeating: -1, count: items)  // mark[i] == u: user u already drew item i
        var picked: [Int32] = []
        var noise: [Float] = []
        var noisy: [(score: Float, item: Int32)] = []
        let explicit = config.feedback == .explicit
        let noiseStd = config.noiseStd
        let mu = Float(config.globalMean)
        userFactors.withUnsafeBufferPointer { p in
            itemFactors.withUnsafeBufferPointer { q in
                /// The planted score, inlined here: this loop runs once per rating.
                func score(_ u: Int, _ i: Int) -> Float {
                    let pu = p.baseAddress! + u * rank
                    let qi = q.baseAddress! + i * rank
                    var dot: Float = 0
                    for d in 0..<rank { dot += pu[d] * qi[d] }
                    return mu + userBias[u] + itemBias[i] + dot
                }
                for u in 0..<users {
                    var rng = SeededGenerator(seed: config.seed, stream: [1, UInt64(u)])
                    let n = counts[u]
                    let want = explicit ? n : Swift.min(items, n * config.implicitCandidateFactor)
                    SyntheticData.drawDistinct(
                        want, user: Int32(u), popularity: popularity, weights: weights, mark: &mark, into: &picked,
                        using: &rng)
                    noise.removeAll(keepingCapacity: true)
                    noise.append(contentsOf: repeatElement(0, count: want))
                    Gaussian.addNoise(to: &noise, stddev: noiseStd, using: &rng)
                    if !explicit {
                        // Keep the n candidates the user likes most (planted score plus noise).
                        noisy.removeAll(keepingCapacity: true)
                        for (k, i) in picked.enumerated() { noisy.append((score(u, Int(i)) + noise[k], i)) }
                        noisy.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
                        picked.removeAll(keepingCapacity: true)
                        for k in 0..<n { picked.append(noisy[k].item) }
                    }
                    picked.shuffle(using: &rng)  // the order of the timeline
                    var time = Int64(1_000_000_000) + Int64(rng.nextIndex(below: 3 * 365 * 86_400))
                    let base = offsets[u]
                    for k in 0..<n {
                        let i = picked[k]
                        outUsers[base + k] = Int32(u)
                        outItems[base + k] = i
                        if explicit {
                            outRatings[base + k] = Swift.min(Swift.max((score(u, Int(i)) + noise[k]).rounded(), 1), 5)
                        }
                        time += 1 + Int64(rng.nextIndex(below: 2 * 86_400))  // about one a day
                        outTimestamps[base + k] = time
                    }
                }
            }
        }
        dataset = RatingsDataset(
            userCount: users, itemCount: items, users: outUsers, items: outItems, ratings: outRatings,
            timestamps: outTimestamps, scale: explicit ? .stars : RatingScale(min: 0, max: 1),
            feedback: config.feedback, source: config.summary)
        self.model = model
    }

    /// The best achievable RMSE on `data` (ratings of this data set, e.g. a test split): the RMSE
    /// of the Bayes-optimal prediction E[rating | planted score] (``PlantedModel/expectedRating(score:scale:)``).
    /// A trained model cannot beat it in expectation; a good one comes close. Explicit data only.
    public func noiseFloorRMSE(on data: RatingsDataset) -> Double {
        rmse(on: data) { model.expectedRating(score: $0, scale: data.scale) }
    }

    /// The RMSE on `data` of predicting the planted score itself, clamped to the scale: what a
    /// model that recovered the planted parameters exactly would get (slightly above the floor).
    public func plantedScoreRMSE(on data: RatingsDataset) -> Double {
        rmse(on: data) { data.scale.clamp($0) }
    }

    private func rmse(on data: RatingsDataset, _ predict: (Float) -> Float) -> Double {
        precondition(data.userCount == model.userBias.count && data.itemCount == model.itemBias.count,
                     "SyntheticData: the data set does not share the planted model's index space")
        guard data.count > 0 else { return 0 }
        var sum = 0.0
        for k in 0..<data.count {
            let e = Double(predict(model.score(user: Int(data.users[k]), item: Int(data.items[k]))) - data.ratings[k])
            sum += e * e
        }
        return (sum / Double(data.count)).squareRoot()
    }

    /// The number of ratings of each user: Lomax quantiles by activity rank (see ``SyntheticConfig``),
    /// capped, with the scale solved by bisection so the total is `users × meanRatingsPerUser`,
    /// and the ranks shuffled over users. - Complexity: O(users), about 60 passes.
    static func activityCounts(_ config: SyntheticConfig) -> [Int] {
        let users = config.users
        let minimum = config.minRatingsPerUser
        let extraCap = Double(config.maxRatingsPerUser - minimum)
        let target = (config.meanRatingsPerUser - Double(minimum)) * Double(users)
        let base = (0..<users).map { r in pow((Double(r) + 0.5) / Double(users), -1 / config.userActivityExponent) - 1 }
        func total(_ scale: Double) -> Double {
            var sum = 0.0
            for b in base { sum += Swift.min((scale * b).rounded(), extraCap) }
            return sum
        }
        var low = 0.0
        var high = 1.0
        while total(high) < target && high < 1e12 { high *= 2 }
        for _ in 0..<60 {
            let mid = (low + high) / 2
            if total(mid) < target { low = mid } else { high = mid }
        }
        var rng = SeededGenerator(seed: config.seed, stream: [2])
        var order = Array(0..<users)
        order.shuffle(using: &rng)
        var counts = [Int](repeating: minimum, count: users)
        for r in 0..<users { counts[order[r]] = minimum + Int(Swift.min((high * base[r]).rounded(), extraCap)) }
        return counts
    }

    /// Draws `count` distinct items with probability proportional to popularity into `picked`:
    /// rejection of repeats while that is cheap, then (for users who take much of the catalogue)
    /// weighted sampling without replacement of the rest by Efraimidis–Spirakis keys u^(1/w)
    /// ("Weighted random sampling with a reservoir", 2006).
    private static func drawDistinct(
        _ count: Int, user: Int32, popularity: AliasTable, weights: [Double], mark: inout [Int32],
        into picked: inout [Int32], using rng: inout SeededGenerator
    ) {
        picked.removeAll(keepingCapacity: true)
        var attempts = 0
        let budget = 8 * count + 64
        while picked.count < count && attempts < budget {
            let i = popularity.sample(using: &rng)
            attempts += 1
            if mark[i] != user {
                mark[i] = user
                picked.append(Int32(i))
            }
        }
        guard picked.count < count else { return }
        var keyed: [(key: Double, item: Int32)] = []
        for i in 0..<weights.count where mark[i] != user {
            keyed.append((log(rng.nextOpenUnitDouble()) / weights[i], Int32(i)))
        }
        keyed.sort { $0.key > $1.key || ($0.key == $1.key && $0.item < $1.item) }
        for k in 0..<(count - picked.count) {
            let i = keyed[k].item
            mark[Int(i)] = user
            picked.append(i)
        }
    }
}
