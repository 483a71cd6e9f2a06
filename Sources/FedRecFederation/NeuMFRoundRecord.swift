/// What happened in one round of a ``NeuMFSimulation``.
public struct NeuMFRoundRecord: Sendable, Hashable, Codable {
    /// The round number, from 1.
    public var round: Int
    /// Number of clients that took part.
    public var participants: Int
    /// Clients whose local training failed (no negatives possible, divergence) and sent a zero update.
    public var failedClients: Int
    /// Mean L2 norm of the participants' global deltas before clipping (0 if none).
    public var meanUpdateNorm: Double
    /// Mean cross-entropy per local example over the participants' last local epoch (NaN if none).
    public var trainLoss: Double
    /// HR@K (first cutoff) under full ranking after this round, when evaluated.
    public var hitRate: Double?
    /// NDCG@K (first cutoff) under full ranking after this round, when evaluated.
    public var ndcg: Double?
    /// False when the privacy hook discarded the aggregate (the model did not change).
    public var released: Bool
    /// Why the aggregate was discarded, if it was.
    public var discardReason: String?
    /// Seconds spent training this round: sampling, local training, privatization, aggregation.
    public var roundSeconds: Double
    /// Seconds since the run started, evaluation included.
    public var elapsedSeconds: Double

    /// Creates a record (e.g. from a round run by the aggregation server, which knows neither the
    /// clients' losses nor their norms: pass NaN).
    public init(round: Int, participants: Int, failedClients: Int = 0, meanUpdateNorm: Double, trainLoss: Double,
                hitRate: Double? = nil, ndcg: Double? = nil, released: Bool, discardReason: String? = nil,
                roundSeconds: Double, elapsedSeconds: Double) {
        self.round = round
        self.participants = participants
        self.failedClients = failedClients
        self.meanUpdateNorm = meanUpdateNorm
        self.trainLoss = trainLoss
        self.hitRate = hitRate
        self.ndcg = ndcg
        self.released = released
        self.discardReason = discardReason
        self.roundSeconds = roundSeconds
        self.elapsedSeconds = elapsedSeconds
    }
}
