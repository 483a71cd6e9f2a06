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

    /// Accepts an update with the client's unclipped indicator (the `FedRec-Unclipped` header of
    /// docs/protocol.md §5; nil when absent). A coordinator with adaptive clipping requires it and
    /// refuses anything but 0 or 1; the default refuses any indicator and forwards the rest to
    /// ``submitUpdate(clientID:round:update:)``.
    func submitUpdate(clientID: String, round: UInt64, update: TensorMessage, unclipped: Int?) throws(ServerError) -> UpdateReceipt

    /// The recipe clients train with (`GET /v1/plan`); nil answers 404. Defaults to nil.
    var trainingPlan: TrainingPlan? { get }

    /// The long poll of `GET /v1/status?after_round=r&instance=X&wait=S`: returns once the service
    /// is no longer in (`round`, `instance`, open), or after `timeout`. Defaults to answering at once.
    func status(afterRound round: UInt64, instance: String?, timeout: Duration) -> RoundStatus
}

extension RoundCoordinator {
    /// The recipe clients train with (`GET /v1/plan`); nil (the default) answers 404.
    public var trainingPlan: TrainingPlan? { nil }

    /// Refuses an unclipped indicator (this coordinator keeps a fixed clip bound), else forwards.
    public func submitUpdate(clientID: String, round: UInt64, update: TensorMessage, unclipped: Int?) throws(ServerError) -> UpdateReceipt {
        if unclipped != nil {
            throw ServerError(.badRequest, "this server keeps a fixed clip bound; send updates without the \(FederationRoutes.unclippedHeader) header")
        }
        return try submitUpdate(clientID: clientID, round: round, update: update)
    }

    /// The long poll of `GET /v1/status?after_round=r&instance=X&wait=S`: the default answers at once.
    public func status(afterRound round: UInt64, instance: String?, timeout: Duration) -> RoundStatus { status() }
}
