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
        /// Shutting down (or stopped by a persistence failure: see `message`).
        case stopping
        /// Every planned round has run; the final model stays available.
        case finished
    }

    /// The open (or last) round.
    public var round: UInt64
    /// The state.
    public var state: State
    /// Clients selected in this round (exact; not covered by the DP guarantee): nil, and absent from
    /// the JSON, where withheld (``CountAccess``: from clients, unless the server publishes counts).
    public var selected: Int?
    /// Updates received in this round (exact; not covered by the DP guarantee): nil where withheld.
    public var received: Int?
    /// The minimum number of updates for the round to be released.
    public var minUpdates: Int
    /// Seconds until the round's deadline, if open.
    public var deadlineSeconds: Double?
    /// ε spent so far at `delta`: the bound of the accountant that proves the budget
    /// (``PrivacyLedger/spentSoFar``), never above `epsilonBudget` in a run the ledger admitted.
    public var epsilonSpent: Double
    /// The accountant of `epsilonSpent` (`"rdp"` or `"pld"`); nil before the first round or in a
    /// non-private run (and from servers that predate the field).
    public var epsilonAccountant: String?
    /// The ε budget; nil (absent from the JSON) for a non-private run or a run without a budget.
    public var epsilonBudget: Double?
    /// δ of the (ε, δ) figures.
    public var delta: Double
    /// How many models have been released (discarded rounds do not count).
    public var modelVersion: UInt64
    /// A random id of the server process: a change means the server restarted and re-opened the
    /// round, forgetting submissions made before the restart (clients submit again).
    public var instance: String?
    /// Why the service stopped or will not open rounds (budget, persistence failure), if so.
    public var message: String?
    /// Under adaptive clipping, the clip bound C_t of the open round (clients also get it at
    /// check-in); nil when the bound is fixed (it is in the plan).
    public var clipBound: Double?

    /// Creates a status.
    public init(round: UInt64, state: State, selected: Int, received: Int, minUpdates: Int, deadlineSeconds: Double?, epsilonSpent: Double, epsilonBudget: Double?, delta: Double, modelVersion: UInt64) {
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
