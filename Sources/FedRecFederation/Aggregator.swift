/// The server's state for one federation: the global ``ItemModel``, the server optimizer and
/// its state, and the running sum of the current round's updates.
///
/// A round: ``add(_:)`` (or ``merge(_:)``) each update **in a fixed order** (client index
/// order, so results are reproducible bit for bit), then ``finishRound(denominator:privatizer:using:)``
/// applies the privacy hook to the sum, divides it by the denominator and steps the optimizer.
///
/// The denominator is the *expected* number of participants q·N under Poisson sampling — the
/// fixed denominator of DP-FedAvg (McMahan, Ramage, Talwar & Zhang, "Learning Differentially
/// Private Recurrent Language Models", ICLR 2018), which keeps one user's influence on the
/// average bounded by C/(qN) whatever the realised count — or the actual count M for
/// non-private fixed-size rounds.
public struct Aggregator: Sendable {
    /// The current global model.
    public private(set) var model: ItemModel
    /// The server optimizer.
    public let optimizer: ServerOptimizer
    /// The optimizer's state (checkpoint it with ``model``).
    public private(set) var optimizerState: ServerOptimizerState
    /// Number of updates added to the current round so far.
    public private(set) var pendingCount = 0
    private var sum: [Float]

    /// Creates a fresh aggregator for `model`.
    public init(model: ItemModel, optimizer: ServerOptimizer) {
        self.init(model: model, optimizer: optimizer,
                  state: optimizer.initialState(parameterCount: model.parameterCount))
    }

    /// Restores an aggregator from a checkpoint.
    /// - Precondition: `state` was made by `optimizer` for a model of this size.
    public init(model: ItemModel, optimizer: ServerOptimizer, state: ServerOptimizerState) {
        let fresh = optimizer.initialState(parameterCount: model.parameterCount)
        precondition(state.firstMoment.count == fresh.firstMoment.count
                     && state.secondMoment.count == fresh.secondMoment.count,
                     "Aggregator: optimizer state does not match \(optimizer.name) on \(model.parameterCount) parameters")
        self.model = model
        self.optimizer = optimizer
        optimizerState = state
        sum = [Float](repeating: 0, count: model.parameterCount)
    }

    /// Adds one client's update to the round's sum. - Complexity: O(stored values of `update`).
    public mutating func add(_ update: ModelUpdate) {
        precondition(update.itemCount == model.itemCount && update.dim == model.dim, "Aggregator: update shape mismatch")
        sum.withUnsafeMutableBufferPointer { update.add(to: $0) }
        pendingCount += 1
    }

    /// Adds a partial sum (one chunk of a round's clients) and clears it.
    /// - Complexity: O(rows the partial touched · d).
    public mutating func merge(_ partial: inout UpdateAccumulator) {
        precondition(partial.itemCount == model.itemCount && partial.dim == model.dim, "Aggregator: partial shape mismatch")
        pendingCount += sum.withUnsafeMutableBufferPointer { partial.drain(into: $0) }
    }

    /// Ends the round: runs the aggregate privacy hook on the sum; if it releases, divides by
    /// `denominator` and steps the optimizer. The sum is cleared either way.
    /// - Parameters:
    ///   - denominator: q·N under Poisson sampling (DP-FedAvg), the actual count M for fixed-size rounds.
    ///   - privatizer: the aggregate hook (central noise, minimum count).
    ///   - rng: the server's generator for central noise.
    /// - Returns: the privatizer's decision.
    /// - Complexity: one dense pass over the model.
    @discardableResult
    public mutating func finishRound(
        denominator: Double, privatizer: some UpdatePrivatizer, using rng: inout some RandomNumberGenerator
    ) -> AggregateDecision {
        precondition(denominator > 0 && denominator.isFinite, "Aggregator: denominator must be positive")
        let decision = privatizer.privatizeAggregate(&sum, participants: pendingCount, using: &rng)
        precondition(sum.count == model.parameterCount, "Aggregator: privatizer changed the sum's length")
        pendingCount = 0
        switch decision {
        case .release:
            let opt = optimizer
            model.parameters.withUnsafeMutableBufferPointer { x in
                sum.withUnsafeMutableBufferPointer { s in
                    opt.step(parameters: x, sum: s, denominator: denominator, state: &optimizerState)
                }
            }
        case .discard:
            for k in sum.indices { sum[k] = 0 }
        }
        return decision
    }
}
