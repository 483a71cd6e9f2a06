import FedRecModels

/// The outcome of a ``NeuMFSimulation`` run.
public struct NeuMFSimulationResult: Sendable {
    /// The configuration that ran.
    public var config: NeuMFSimulationConfig
    /// One record per round run.
    public var rounds: [NeuMFRoundRecord]
    /// Held-out metrics of the final model under full ranking.
    public var final: RankingMetrics
    /// The final global parameters (``NeuMFArchitecture`` layout).
    public var global: [Float]
    /// The server optimizer's final state.
    public var optimizerState: ServerOptimizerState
    /// Mean seconds per training round (no data loading, no evaluation).
    public var secondsPerRound: Double
    /// Total seconds of training rounds.
    public var trainingSeconds: Double
    /// Wall seconds of the whole run, evaluation included.
    public var wallSeconds: Double
    /// Why the run stopped before its last round (e.g. the privacy budget), or nil.
    public var stopReason: String?
}
