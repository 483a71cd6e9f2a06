/// What happened in one round of a federation, for any model (in process or on the aggregation
/// server). The held-out figures are the model's own: RMSE/MAE for rating models, HR@K/NDCG@K
/// (first cutoff, full ranking) for ranking models; the others stay nil.
public struct RoundRecord: Sendable, Hashable, Codable {
    /// The round number, from 1.
    public var round: Int
    /// Number of clients that took part.
    public var participants: Int
    /// Mean L2 norm of the participants' updates before any privacy transform (0 if none).
    public var meanUpdateNorm: Double
    /// Mean squared training error of the participants with the round's global model and their
    /// fitted user embeddings, before local SGD (NaN if no ratings took part).
    public var trainLoss: Double
    /// Held-out RMSE after this round, when it was evaluated.
    public var rmse: Double?
    /// Held-out MAE after this round, when it was evaluated.
    public var mae: Double?
    /// HR@K (first cutoff) under full ranking after this round, when a ranking model was evaluated.
    public var hitRate: Double?
    /// NDCG@K (first cutoff) under full ranking after this round, when a ranking model was evaluated.
    public var ndcg: Double?
    /// False when the privacy hook discarded the aggregate (the model did not change).
    public var released: Bool
    /// Why the aggregate was discarded, if it was.
    public var discardReason: String?
    /// Participants whose local training diverged (non-finite update): they sent a zero update.
    public var failedClients: Int
    /// Seconds spent training this round: sampling, local steps, aggregation (no evaluation).
    public var roundSeconds: Double
    /// Seconds since the run started, evaluation included (for progress and ETA).
    public var elapsedSeconds: Double

    /// Creates a record (e.g. from a round run by the aggregation server).
    public init(round: Int, participants: Int, meanUpdateNorm: Double, trainLoss: Double, rmse: Double? = nil,
                mae: Double? = nil, released: Bool, discardReason: String? = nil, roundSeconds: Double, elapsedSeconds: Double,
                failedClients: Int = 0) {
        self.failedClients = failedClients
        self.round = round
        self.participants = participants
        self.meanUpdateNorm = meanUpdateNorm
        self.trainLoss = trainLoss
        self.rmse = rmse
        self.mae = mae
        self.released = released
        self.discardReason = discardReason
        self.roundSeconds = roundSeconds
        self.elapsedSeconds = elapsedSeconds
    }

    /// Creates a record of a ranking model's round (e.g. from a round run by the aggregation server,
    /// which knows neither the clients' losses nor their norms: pass NaN).
    public init(round: Int, participants: Int, failedClients: Int = 0, meanUpdateNorm: Double, trainLoss: Double,
                hitRate: Double?, ndcg: Double?, released: Bool, discardReason: String? = nil,
                roundSeconds: Double, elapsedSeconds: Double) {
        self.init(round: round, participants: participants, meanUpdateNorm: meanUpdateNorm, trainLoss: trainLoss,
                  released: released, discardReason: discardReason, roundSeconds: roundSeconds,
                  elapsedSeconds: elapsedSeconds, failedClients: failedClients)
        self.hitRate = hitRate
        self.ndcg = ndcg
    }
}

/// NeuMF's rounds use the one ``RoundRecord`` (its `hitRate` and `ndcg`).
public typealias NeuMFRoundRecord = RoundRecord
