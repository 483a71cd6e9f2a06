import FedRecModels

/// The outcome of a simulation run.
public struct SimulationResult: Sendable {
    /// The configuration that ran.
    public var config: SimulationConfig
    /// One record per round.
    public var rounds: [RoundRecord]
    /// Held-out metrics of the final model (error sums, RMSE, MAE).
    public var final: ErrorMetrics
    /// The final global item model.
    public var model: ItemModel
    /// The server optimizer's final state.
    public var optimizerState: ServerOptimizerState
    /// Mean seconds per training round (no data loading, no evaluation).
    public var secondsPerRound: Double
    /// Total seconds of training rounds.
    public var trainingSeconds: Double
    /// Wall seconds of the whole run, evaluation included.
    public var wallSeconds: Double
    /// Why the run stopped before its last round (e.g. the privacy budget), or nil if it ran them all.
    public var stopReason: String? = nil

    /// Creates a result (e.g. from a run whose rounds happened on the aggregation server).
    public init(config: SimulationConfig, rounds: [RoundRecord], final: ErrorMetrics, model: ItemModel,
                optimizerState: ServerOptimizerState, secondsPerRound: Double, trainingSeconds: Double,
                wallSeconds: Double, stopReason: String? = nil) {
        self.config = config
        self.rounds = rounds
        self.final = final
        self.model = model
        self.optimizerState = optimizerState
        self.secondsPerRound = secondsPerRound
        self.trainingSeconds = trainingSeconds
        self.wallSeconds = wallSeconds
        self.stopReason = stopReason
    }
}
