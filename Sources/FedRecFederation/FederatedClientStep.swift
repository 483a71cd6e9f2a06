import FedRecData
import FedRecMath

/// A model as a plug-in of the one federation engine, ``FederatedSimulation``: what a client
/// computes, how its updates are summed, and how held-out data are scored. Everything else (the
/// round loop, Poisson sampling, the ordered reduction, the privacy seam, the server optimizer,
/// divergence handling, the ledger's admission) is the engine's and the same for every model.
///
/// The global model is one flat `[Float]` vector in the step's own layout (MF: ``ItemModel``;
/// NeuMF: `NeuMFArchitecture`). A client's data and user state (``ClientState``) never leave it; what
/// leaves it is ``Update``, already privatized.
///
/// **Adding a model** means writing one conformance, its configuration (``Configuration``) and
/// its options; see `docs/architecture.md`, "Adding a model".
public protocol FederatedClientStep: Sendable {
    /// Everything that defines a run of this model (the engine reads its ``schedule``).
    associatedtype Configuration: Sendable
    /// One client's own data and local state (user embedding), held in process only because a
    /// simulation runs every client in one process.
    associatedtype ClientState: Sendable
    /// One client's update as it leaves the client (clipped and noised under privacy).
    associatedtype Update: Sendable
    /// A chunk's running sum of updates (see ``OrderedReduction``).
    associatedtype Partial: ChunkAccumulator where Partial.Update == Update
    /// What every client of a round reads: the global vector in the step's own form.
    associatedtype RoundView: Sendable
    /// What an evaluation is asked for (MF: nothing; NeuMF: the candidate protocols).
    associatedtype EvaluationRequest: Sendable
    /// What every evaluated client of one evaluation reads (the global model, the scorers).
    associatedtype EvaluationView: Sendable
    /// Held-out metric sums (only these leave an evaluated client).
    associatedtype Metrics: Sendable
    /// What an evaluation can fail with (`Never` for a model that always scores).
    associatedtype EvaluationFailure: Error
    /// What a whole run returns.
    associatedtype Result: Sendable

    /// Builds the step and its clients (in user-index order) for a split, after checking that the
    /// data suit the model.
    /// - Throws: ``FederationError`` naming what is wrong with the data or the configuration.
    static func make(configuration: Configuration, train: RatingsDataset, heldOut: RatingsDataset) throws
        -> (step: Self, clients: [ClientState])

    /// The configuration the step was made from.
    var configuration: Configuration { get }
    /// The model-independent part of the configuration.
    var schedule: RoundSchedule { get }
    /// The length of the flat global vector (and of every dense update).
    var parameterCount: Int { get }
    /// The latent dimension of the per-thread ``ClientWorkspace`` (1 when the step needs none).
    var workspaceDim: Int { get }

    /// The initial global vector, drawn from `rng` (``RoundSchedule/initialModelStream``).
    func initialGlobal(using rng: inout SeededGenerator) -> [Float]
    /// The round's view of `global`, built once per round.
    func roundView(of global: [Float]) -> RoundView
    /// One client's round: local training against the view, then its update, privatized by
    /// `privatizer` on the client. Updates `client`'s local state in place.
    /// - Parameter rng: the client's generator for the round (stream `[c, t]` when seeded).
    func train(
        _ client: inout ClientState, view: RoundView, privatizer: some UpdatePrivatizer, workspace: ClientWorkspace,
        using rng: inout SeededGenerator
    ) -> ClientRound<Update>
    /// An empty chunk sum.
    func makePartial() -> Partial

    /// The request a run's periodic and final evaluations use.
    var defaultEvaluation: EvaluationRequest { get }
    /// Whether `client` has held-out data to score.
    func hasHeldOut(_ client: ClientState) -> Bool
    /// The view every evaluated client reads.
    /// - Throws: ``FederationError`` when the model cannot be evaluated (it diverged).
    func evaluationView(of global: [Float], request: EvaluationRequest) throws(EvaluationFailure) -> EvaluationView
    /// Metric sums that hold no client.
    func emptyMetrics(_ view: EvaluationView) -> Metrics
    /// One client's metric sums: it fits its user state on its own training data, with the
    /// global model frozen, and scores its own held-out data.
    /// - Parameters:
    ///   - index: the client's index (keys its evaluation stream).
    ///   - seed: the run's master seed.
    func evaluate(_ client: ClientState, index: Int, view: EvaluationView, workspace: ClientWorkspace, seed: UInt64) -> Metrics
    /// `total ← total + part` (metric sums are combined in a fixed order).
    func combine(_ total: inout Metrics, _ part: Metrics)
    /// Writes the headline figures of `metrics` into a round's record.
    func annotate(_ record: inout RoundRecord, with metrics: Metrics)

    /// The message of a run stopped because round `round` left the model non-finite.
    func divergedModelMessage(round: Int) -> String
    /// The message of a run stopped because every participant's local step failed in `round`.
    func allClientsFailedMessage(round: Int) -> String
    /// A run's result from what the engine collected.
    func result(of run: FederatedRun<Metrics>) -> Result
}

/// What one client's round produced, for any model.
public struct ClientRound<Update: Sendable>: Sendable {
    /// The update that leaves the client (privatized).
    public var update: Update
    /// ‖Δ‖₂ before privatization (0 for a client that sent zeros).
    public var normBeforePrivatization: Double
    /// The client's training loss sum (MF: squared errors before local SGD; NeuMF: per-example
    /// losses of the last local epoch).
    public var lossSum: Double
    /// The examples behind ``lossSum``.
    public var exampleCount: Int
    /// True when the local step diverged or failed (the client then sent a privatized zero update).
    public var failed: Bool

    /// Creates a client's round.
    public init(update: Update, normBeforePrivatization: Double, lossSum: Double, exampleCount: Int, failed: Bool) {
        self.update = update
        self.normBeforePrivatization = normBeforePrivatization
        self.lossSum = lossSum
        self.exampleCount = exampleCount
        self.failed = failed
    }
}

/// A chunk's running sum of updates: added to in client order, drained into the round's sum in
/// chunk order (``OrderedReduction``).
public protocol ChunkAccumulator: Sendable {
    /// What is added.
    associatedtype Update
    /// Adds one update.
    mutating func add(_ update: Update)
    /// Adds the sum into `target` element by element and clears it.
    /// - Returns: the number of updates the sum held.
    @discardableResult
    mutating func drain(into target: UnsafeMutableBufferPointer<Float>) -> Int
}

extension UpdateAccumulator: ChunkAccumulator {}
