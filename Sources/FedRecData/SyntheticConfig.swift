/// The parameters of the synthetic ratings generator (see ``SyntheticData``).
///
/// Ratings come from a planted biased matrix-factorisation model (Koren, Bell & Volinsky 2009):
///
///     score(u, i) = μ + b_u + b_i + p_u·q_i,   b_u ~ N(0, σ_u²), b_i ~ N(0, σ_i²), p_u, q_i ~ N(0, σ_f² I)
///
/// with σ_f² = `interactionStd` / √`rank`, so that p_u·q_i has standard deviation `interactionStd`.
/// Explicit ratings are `clamp(round(score + ε), 1, 5)` with ε ~ N(0, `noiseStd`²).
///
/// Who rates what follows two power laws:
/// - **user activity**: the number of ratings of the user at activity rank r (of U) is
///   `minRatingsPerUser + s·(((r − ½)/U)^(−1/α) − 1)`, the quantile function of a Lomax (Pareto II)
///   distribution with tail index α = `userActivityExponent`, capped at `maxRatingsPerUser`; the
///   scale s is solved so that the mean is `meanRatingsPerUser`. Ranks are shuffled over users.
/// - **item popularity**: item of popularity rank r has weight `(r + offset)^(−β)` (Zipf–Mandelbrot,
///   β = `itemPopularityExponent`); each user draws distinct items with probability proportional
///   to weight (ranks shuffled over items).
public struct SyntheticConfig: Sendable, Hashable, Codable {
    /// Number of users.
    public var users: Int
    /// Number of items.
    public var items: Int
    /// Rank (latent dimension) of the planted model.
    public var rank: Int
    /// Tail index α of the Lomax law of user activity: smaller is more skewed (> 1 for a finite mean).
    public var userActivityExponent: Double
    /// Exponent β of the Zipf–Mandelbrot law of item popularity: larger is more skewed.
    public var itemPopularityExponent: Double
    /// Offset of the Zipf–Mandelbrot law of item popularity: flattens the head.
    public var itemPopularityOffset: Double
    /// Mean number of ratings per user (before the cap's small loss is made up).
    public var meanRatingsPerUser: Double
    /// Every user has at least this many ratings.
    public var minRatingsPerUser: Int
    /// No user has more than this many ratings (at most `items`).
    public var maxRatingsPerUser: Int
    /// The planted global mean μ.
    public var globalMean: Double
    /// Standard deviation σ_u of the planted user biases.
    public var userBiasStd: Double
    /// Standard deviation σ_i of the planted item biases.
    public var itemBiasStd: Double
    /// Standard deviation of the planted interaction term p_u·q_i.
    public var interactionStd: Double
    /// Standard deviation of the Gaussian noise added to each score before rounding.
    public var noiseStd: Double
    /// Explicit 1…5 ratings, or implicit interactions (see ``implicitCandidateFactor``).
    public var feedback: Feedback
    /// Implicit data only: each user draws this many times their count of candidate items by
    /// popularity and keeps those with the highest noisy planted score, so that the planted model
    /// predicts which items a user interacts with.
    public var implicitCandidateFactor: Int
    /// The seed: the whole data set and planted model are a function of the configuration.
    public var seed: UInt64

    /// Creates a configuration; the defaults are the MovieLens-100K-like ``movieLens100K`` set.
    public init(
        users: Int = 943, items: Int = 1682, rank: Int = 5,
        userActivityExponent: Double = 2.5, itemPopularityExponent: Double = 1.5,
        itemPopularityOffset: Double = 20,
        meanRatingsPerUser: Double = 106, minRatingsPerUser: Int = 20, maxRatingsPerUser: Int = 740,
        globalMean: Double = 3.58, userBiasStd: Double = 0.55, itemBiasStd: Double = 0.6,
        interactionStd: Double = 0.7, noiseStd: Double = 0.5,
        feedback: Feedback = .explicit, implicitCandidateFactor: Int = 3, seed: UInt64 = 42
    ) {
        self.users = users
        self.items = items
        self.rank = rank
        self.userActivityExponent = userActivityExponent
        self.itemPopularityExponent = itemPopularityExponent
        self.itemPopularityOffset = itemPopularityOffset
        self.meanRatingsPerUser = meanRatingsPerUser
        self.minRatingsPerUser = minRatingsPerUser
        self.maxRatingsPerUser = maxRatingsPerUser
        self.globalMean = globalMean
        self.userBiasStd = userBiasStd
        self.itemBiasStd = itemBiasStd
        self.interactionStd = interactionStd
        self.noiseStd = noiseStd
        self.feedback = feedback
        self.implicitCandidateFactor = implicitCandidateFactor
        self.seed = seed
    }

    /// The built-in default: the size and shape of MovieLens 100K (943 users, 1,682 items,
    /// about 100,000 ratings, every user at least 20, per-user median near 65, rating mean about
    /// 3.53 and standard deviation about 1.1, like the real set's 3.53 and 1.13).
    ///
    /// Expected error floor: with `noiseStd` 0.5 the best possible predictor, E[rating | score],
    /// has an RMSE of about 0.54 (noise plus rounding: √(0.5² + 1/12) ≈ 0.58, less after clamping
    /// at 1 and 5); ``SyntheticData/noiseFloorRMSE(on:)`` gives the exact figure for a generated set.
    /// The planted score itself, clamped, scores about 0.54 too. Measured with seed 42: floor 0.5375;
    /// biased ALS of rank 5 (λ = 2, 15 sweeps) reaches about 0.61 on a random 10% holdout, the gap
    /// being estimation error on the many items with few ratings. A model with biases only misses
    /// the interaction term p_u·q_i, whose standard deviation is 0.7.
    public static let movieLens100K = SyntheticConfig()

    /// The size and shape of MovieLens 1M: 6,040 users, 3,706 items, about 1,000,000 ratings
    /// (mean 165.6 per user, at least 20, at most 2,314).
    public static let movieLens1M = SyntheticConfig(
        users: 6040, items: 3706, meanRatingsPerUser: 165.6, maxRatingsPerUser: 2314)

    /// A large population for scaling experiments: `users` users (say 100,000 or 1,000,000) with
    /// 20 to 100 ratings each (mean 40) over `items` items.
    /// Generation is O(ratings + users + items): 1,000,000 users (40 million ratings, about 1 GB
    /// of arrays) took 3.4 s of CPU time in a release build.
    public static func population(users: Int, items: Int = 20_000, seed: UInt64 = 42) -> SyntheticConfig {
        SyntheticConfig(
            users: users, items: items, meanRatingsPerUser: 40, minRatingsPerUser: 20,
            maxRatingsPerUser: 100, seed: seed)
    }

    /// Checks that the parameters describe a data set that can be generated.
    /// - Throws: ``DataError/Code/invalidOptions`` naming the parameter and its allowed range.
    public func validate() throws(DataError) {
        func require(_ ok: Bool, _ message: String) throws(DataError) {
            if !ok { throw DataError(.invalidOptions, "synthetic data: \(message)") }
        }
        try require(users >= 1, "users is \(users); it must be at least 1")
        try require(items >= 1, "items is \(items); it must be at least 1")
        try require(users <= Int(Int32.max) && items <= Int(Int32.max), "users and items must fit in 32-bit indices")
        try require(rank >= 1, "rank is \(rank); it must be at least 1")
        try require(minRatingsPerUser >= 1, "minRatingsPerUser is \(minRatingsPerUser); it must be at least 1")
        try require(
            maxRatingsPerUser >= minRatingsPerUser && maxRatingsPerUser <= items,
            "maxRatingsPerUser is \(maxRatingsPerUser); it must lie in minRatingsPerUser…items (\(minRatingsPerUser)…\(items))")
        try require(
            meanRatingsPerUser >= Double(minRatingsPerUser) && meanRatingsPerUser <= Double(maxRatingsPerUser),
            "meanRatingsPerUser is \(meanRatingsPerUser); it must lie in \(minRatingsPerUser)…\(maxRatingsPerUser)")
        try require(userActivityExponent > 0, "userActivityExponent must be positive")
        try require(itemPopularityExponent >= 0, "itemPopularityExponent must not be negative")
        try require(itemPopularityOffset >= 0, "itemPopularityOffset must not be negative")
        for (name, value) in [
            ("userBiasStd", userBiasStd), ("itemBiasStd", itemBiasStd), ("interactionStd", interactionStd),
            ("noiseStd", noiseStd),
        ] {
            try require(value >= 0 && value.isFinite, "\(name) is \(value); it must be finite and not negative")
        }
        try require(globalMean.isFinite, "globalMean must be finite")
        try require(implicitCandidateFactor >= 1, "implicitCandidateFactor must be at least 1")
    }

    /// A one-line description, used as the data set's `source`.
    public var summary: String {
        "synthetic(users \(users), items \(items), rank \(rank), \(feedback.rawValue), mean \(meanRatingsPerUser) per user, noise \(noiseStd), seed \(seed))"
    }
}
