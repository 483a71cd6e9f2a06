/// The server optimizer's state, checkpointed with the model (``ItemModel`` layout).
public struct ServerOptimizerState: Sendable, Hashable, Codable {
    /// Number of steps applied so far.
    public var step: Int
    /// Momentum m (FedAvgM, FedAdam, FedYogi); empty for FedAvg.
    public var firstMoment: [Float]
    /// Second moment v (FedAdam, FedYogi); empty otherwise.
    public var secondMoment: [Float]

    /// Creates a state.
    public init(step: Int, firstMoment: [Float], secondMoment: [Float]) {
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }
}
