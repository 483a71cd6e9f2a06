/// What one chunk of a round's participants reports besides its update sum, in either engine
/// (``Simulation``, ``NeuMFSimulation``): summed per chunk in client order, then over chunks in
/// chunk order, so the figures are thread-count independent like the model.
struct RoundChunkStats: Sendable {
    /// Σ of the participants' update norms before privatization.
    var normSum = 0.0
    /// Σ of the participants' training losses (MF: squared errors; NeuMF: per-example losses).
    var lossSum = 0.0
    /// Examples behind `lossSum` (MF: ratings; NeuMF: positives and negatives of the last epoch).
    var exampleCount = 0
    /// Participants whose local step diverged or failed (they sent a zero update).
    var failed = 0
    /// Σ of the participants' adaptive-clipping bits (1 when a norm was within the bound).
    var unclipped = 0.0

    /// Adds another chunk's figures.
    static func += (a: inout RoundChunkStats, b: RoundChunkStats) {
        a.normSum += b.normSum
        a.lossSum += b.lossSum
        a.exampleCount += b.exampleCount
        a.failed += b.failed
        a.unclipped += b.unclipped
    }
}
