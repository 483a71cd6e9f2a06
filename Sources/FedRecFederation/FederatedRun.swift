/// What the engine collected over a run, for any model; each model's
/// ``FederatedClientStep/result(of:)`` turns it into its own result type.
public struct FederatedRun<Metrics: Sendable>: Sendable {
    /// One record per round run.
    public var rounds: [RoundRecord]
    /// The final model's held-out metrics (the default evaluation).
    public var final: Metrics
    /// The final global vector (the last finite one if the run diverged).
    public var global: [Float]
    /// The server optimizer's final state.
    public var optimizerState: ServerOptimizerState
    /// Mean seconds per training round.
    public var secondsPerRound: Double
    /// Total seconds of training rounds.
    public var trainingSeconds: Double
    /// Wall seconds of the whole run, evaluation included.
    public var wallSeconds: Double
    /// Why the run stopped before its last round, or nil.
    public var stopReason: String?
}
