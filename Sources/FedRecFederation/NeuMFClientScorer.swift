import FedRecModels

/// One client's local model for ranking: the shared scorer with the client's own user row
/// (the `user` argument only keys the sampled-negatives stream).
struct NeuMFClientScorer: RankingScorer {
    let scorer: NeuMFScorer
    let embedding: [Float]
    var itemCount: Int { scorer.itemCount }
    func score(user: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        embedding.withUnsafeBufferPointer { scorer.score(userEmbedding: $0, items: items, into: scores) }
    }
}
