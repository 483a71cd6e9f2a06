import FedRecData

/// The non-personalised baseline every recommender must beat.
///
/// For ranking it scores each item by its number of training interactions (the same list
/// for every user). For explicit ratings it predicts μ + b_i with the damped item bias
/// b_i = Σ_{u∈U(i)} (r_ui − μ) / (|U(i)| + damping) (Koren 2010, "Factor in the
/// Neighbors", §2.1), which shrinks rarely rated items towards the global mean μ.
public struct PopularityBaseline: RankingScorer, Sendable {
    /// Number of items.
    public let itemCount: Int
    /// Training interactions per item.
    public let counts: [Int]
    /// Global mean rating μ of the training data.
    public let globalMean: Float
    /// Damped item biases b_i.
    public let itemBias: [Float]

    /// Fits the baseline on `train`; `damping` ≥ 0 is the prior strength of the bias shrinkage.
    public init(train: RatingsDataset, damping: Float = 10) {
        precondition(damping >= 0, "PopularityBaseline: damping must be ≥ 0")
        itemCount = train.itemCount
        let mu = train.meanRating
        globalMean = mu
        var counts = [Int](repeating: 0, count: train.itemCount)
        var sums = [Double](repeating: 0, count: train.itemCount)
        for k in 0..<train.count {
            let i = Int(train.items[k])
            counts[i] += 1
            sums[i] += Double(train.ratings[k] - mu)
        }
        self.counts = counts
        itemBias = (0..<train.itemCount).map { i in
            let denominator = Double(counts[i]) + Double(damping)
            return denominator > 0 ? Float(sums[i] / denominator) : 0
        }
    }

    /// The rating prediction μ + b_i (the same for every user).
    public func predict(user: Int, item: Int) -> Float { globalMean + itemBias[item] }

    /// Scores each item by its training count.
    public func score(user: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        for k in items.indices { scores[k] = Float(counts[Int(items[k])]) }
    }
}
