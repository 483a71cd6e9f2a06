/// The body of `GET /v1/status` (JSON keys in snake_case, docs/protocol.md §5).
public struct RoundStatus: Codable, Sendable, Hashable {
    /// The state of the service.
    public enum State: String, Codable, Sendable, Hashable {
        /// Accepting check-ins and updates for `round`.
        case open
        /// Closed; aggregating and checkpointing.
        case aggregating
        /// The privacy budget allows no further round.
        case budgetExhausted = "budget_exhausted"
        /// Shutting down.
        case stopping
    }

    /// The open (or last) round.
    public var round: UInt64
    /// The state.
    public var state: State
    /// Clients selected in this round (exact; not covered by the DP guarantee).
    public var selected: Int
    /// Updates received in this round (exact; not covered by the DP guarantee).
    public var received: Int
    /// The minimum number of updates for the round to be released.
    public var minUpdates: Int
    /// Seconds until the round's deadline, if open.
    public var deadlineSeconds: Double?
    /// ε spent so far (the ledger's accountant, at `delta`).
    public var epsilonSpent: Double
    /// The ε budget.
    public var epsilonBudget: Double
    /// δ of the (ε, δ) figures.
    public var delta: Double
    /// How many models have been released (discarded rounds do not count).
    public var modelVersion: UInt64

    /// Creates a status.
    public init(round: UInt64, state: State, selected: Int, received: Int, minUpdates: Int, deadlineSeconds: Double?, epsilonSpent: Double, epsilonBudget: Double, delta: Double, modelVersion: UInt64) {
        self.round = round
        self.state = state
        self.selected = selected
        self.received = received
        self.minUpdates = minUpdates
        self.deadlineSeconds = deadlineSeconds
        self.epsilonSpent = epsilonSpent
        self.epsilonBudget = epsilonBudget
        self.delta = delta
        self.modelVersion = modelVersion
    }
}
