/// The outcome of a simulation run.
public struct SimulationResult: Sendable {
    /// The configuration that ran.
    public var config: SimulationConfig
    /// One record per round.
    public var rounds: [RoundRecord]
    /// Held-out metrics of the final model (error sums, RMSE, MAE).
    public var final: EvaluationSums
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
}
