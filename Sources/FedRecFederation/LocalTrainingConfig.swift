/// The hyperparameters of a client's local step.
///
/// The step (see ``Client/train(model:config:workspace:using:)``): with the item model fixed,
/// fit (p_u, b_u) by ridge regression with penalty `userRegularization`; then run `epochs`
/// passes of SGD in a random order over the client's ratings, on the item rows it touched and
/// on μ (and on p_u, b_u when ``trainsUserEmbedding`` or in persistent mode), minimising
/// Σ (r − μ − b_u − b_i − p_u·q_i)² + `regularization`·(‖q_i‖² + b_i² [+ ‖p_u‖² + b_u²]).
public struct LocalTrainingConfig: Sendable, Hashable, Codable {
    /// Local SGD epochs E over the client's ratings (≥ 1).
    public var epochs: Int
    /// Local SGD learning rate (> 0).
    public var learningRate: Float
    /// L2 penalty of the local SGD on item biases and factors (≥ 0).
    public var regularization: Float
    /// Ridge penalty λ of the closed-form user fit (> 0, so the solve is always well posed).
    public var userRegularization: Float
    /// Whether the user embedding persists across rounds or is reconstructed.
    public var userState: UserState
    /// In reconstruct mode, whether the local epochs also update p_u and b_u (persistent mode always does).
    public var trainsUserEmbedding: Bool

    /// Creates a local-step configuration (defaults tuned on MovieLens-100K; see docs of ``SimulationConfig``).
    public init(
        epochs: Int = 3, learningRate: Float = 0.05, regularization: Float = 0.12,
        userRegularization: Float = 5, userState: UserState = .reconstruct, trainsUserEmbedding: Bool = true
    ) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.regularization = regularization
        self.userRegularization = userRegularization
        self.userState = userState
        self.trainsUserEmbedding = trainsUserEmbedding
    }

    /// Checks every field's range. - Throws: ``FederationError`` naming the option.
    public func validate() throws {
        if epochs < 1 {
            throw FederationError(.invalidParameter, "--local-epochs is \(epochs); it must be at least 1")
        }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw FederationError(.invalidParameter, "--local-lr is \(learningRate); it must be a finite number > 0")
        }
        if !(regularization >= 0) || !regularization.isFinite {
            throw FederationError(.invalidParameter, "--reg is \(regularization); it must be a finite number ≥ 0")
        }
        if !(userRegularization > 0) || !userRegularization.isFinite {
            throw FederationError(.invalidParameter, "--user-reg is \(userRegularization); it must be a finite number > 0")
        }
    }
}
