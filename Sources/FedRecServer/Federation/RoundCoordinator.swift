/// The seam between the HTTP layer and the round logic: what `FederationRoutes` needs from the
/// aggregator. `fedrec serve` implements it on top of FedRecFederation's aggregator, sampler and
/// privacy ledger; the HTTP layer handles authentication, framing, decoding and metrics.
///
/// Implementations must be thread-safe: connection threads call these methods concurrently. Throw
/// `ServerError` with the codes of docs/protocol.md (`.staleRound`, `.notSelected`,
/// `.duplicateUpdate`, `.budgetExhausted`, …); the routes turn them into responses and count them.
public protocol RoundCoordinator: Sendable {
    /// The names and shapes of the global model; updates must match them exactly.
    var modelLayout: [TensorSpec] { get }

    /// A snapshot for `GET /v1/status` and the `/metrics` gauges.
    func status() -> RoundStatus

    /// Checks `clientID` in for the open round: draws its secret Poisson coin on the first check-in
    /// of the round and returns the same answer on later ones.
    func checkIn(clientID: String) throws(ServerError) -> CheckInResult

    /// The current model, encoded once per version (see `ModelSnapshot`).
    func currentModel(clientID: String) throws(ServerError) -> ModelSnapshot

    /// A cheap check before the body is decoded: is `round` the open round, is `clientID` selected in
    /// it, and has it not yet submitted? Throws `.staleRound`, `.notSelected`, `.duplicateUpdate`.
    func admitUpdate(clientID: String, round: UInt64) throws(ServerError)

    /// Accepts a decoded, validated update (right layout, finite values, body round = `round`).
    /// Must re-check admission atomically with recording the update: the round may have closed
    /// since `admitUpdate`.
    func submitUpdate(clientID: String, round: UInt64, update: TensorMessage) throws(ServerError) -> UpdateReceipt
}

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

/// The body of a `POST /v1/checkin` answer.
public struct CheckInResult: Codable, Sendable, Hashable {
    /// The open round.
    public var round: UInt64
    /// Whether this client should train and submit in `round`.
    public var selected: Bool
    /// Seconds until the round's deadline (selected clients).
    public var deadlineSeconds: Double?
    /// When to check in again (clients not selected).
    public var retryAfterSeconds: Double?

    /// Creates a result.
    public init(round: UInt64, selected: Bool, deadlineSeconds: Double? = nil, retryAfterSeconds: Double? = nil) {
        self.round = round
        self.selected = selected
        self.deadlineSeconds = deadlineSeconds
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The body of an accepted update's answer.
public struct UpdateReceipt: Codable, Sendable, Hashable {
    /// Always true (refusals are errors).
    public var accepted: Bool
    /// The round the update counted for.
    public var round: UInt64

    /// Creates a receipt.
    public init(accepted: Bool = true, round: UInt64) {
        self.accepted = accepted
        self.round = round
    }
}

/// The current model as served by `GET /v1/model`: encode it once per released version and hand
/// out the same bytes to every client (943 clients × 220 KB should not mean 943 encodings).
public struct ModelSnapshot: Sendable {
    /// The open round (the `round` field inside `encoded`).
    public var round: UInt64
    /// The model version, sent as the `ETag`.
    public var version: UInt64
    /// The tensor-format body (docs/protocol.md §3).
    public var encoded: [UInt8]

    /// Creates a snapshot.
    public init(round: UInt64, version: UInt64, encoded: [UInt8]) {
        self.round = round
        self.version = version
        self.encoded = encoded
    }

    /// Encodes `model` (whose `round` is the open round) as a snapshot.
    public init(model: TensorMessage, version: UInt64) {
        self.init(round: model.round, version: version, encoded: TensorWireFormat.encode(model))
    }
}
