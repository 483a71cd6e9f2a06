import FedRecData
import FedRecMath

/// A planted biased low-rank rating model: r = μ + b_u + b_i + p_u·q_i + N(0, σ²), observed
/// on a random subset of (user, item) pairs and split at random into train and test.
/// Ratings are left unclamped (the scale is wide) so the noise level σ is the best
/// achievable test RMSE.
struct PlantedData {
    let train: RatingsDataset
    let test: RatingsDataset
    /// RMSE of the noise alone: the floor for any model.
    let noise: Double
    /// Test RMSE of predicting the training mean: the ceiling a useful model must beat.
    let meanBaselineRMSE: Double

    init(users: Int = 300, items: Int = 200, rank: Int = 4, density: Double = 0.3,
         noise: Double = 0.25, testFraction: Double = 0.1, seed: UInt64 = 7) {
        var rng = SeededGenerator(seed: seed)
        let mu = 3.5
        let bu = (0..<users).map { _ in 0.3 * Gaussian.sample(using: &rng) }
        let bi = (0..<items).map { _ in 0.3 * Gaussian.sample(using: &rng) }
        let sd = 1 / Double(rank).squareRoot().squareRoot()  // Var(p·q) = rank·sd⁴ = 1
        let p = (0..<(users * rank)).map { _ in sd * Gaussian.sample(using: &rng) }
        let q = (0..<(items * rank)).map { _ in sd * Gaussian.sample(using: &rng) }
        var tr: (u: [Int32], i: [Int32], r: [Float]) = ([], [], [])
        var te: (u: [Int32], i: [Int32], r: [Float]) = ([], [], [])
        for u in 0..<users {
            for i in 0..<items where rng.nextUnitDouble() < density {
                var dot = 0.0
                for f in 0..<rank { dot += p[u * rank + f] * q[i * rank + f] }
                let r = Float(mu + bu[u] + bi[i] + dot + noise * Gaussian.sample(using: &rng))
                if rng.nextUnitDouble() < testFraction {
                    te.u.append(Int32(u)); te.i.append(Int32(i)); te.r.append(r)
                } else {
                    tr.u.append(Int32(u)); tr.i.append(Int32(i)); tr.r.append(r)
                }
            }
        }
        let scale = RatingScale(min: -100, max: 100)
        train = RatingsDataset(userCount: users, itemCount: items, users: tr.u, items: tr.i, ratings: tr.r,
                               scale: scale, source: "planted")
        test = RatingsDataset(userCount: users, itemCount: items, users: te.u, items: te.i, ratings: te.r,
                              scale: scale, source: "planted")
        self.noise = noise
        let m = train.meanRating
        var sse = 0.0
        for r in te.r { sse += Double((r - m) * (r - m)) }
        meanBaselineRMSE = (sse / Double(te.r.count)).squareRoot()
    }
}
