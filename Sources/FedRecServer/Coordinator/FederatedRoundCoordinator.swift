import FedRecFederation
import FedRecMath
import FedRecPrivacy
import Foundation
import Synchronization

/// The round logic of `fedrec serve` (DESIGN §2, §5): owns the global model (one flat parameter
/// vector, MF's ``ItemModel`` or NeuMF's ``NeuMFArchitecture`` layout, ``FederationSetup/model``)
/// with the server optimizer's state, the round state machine and the privacy ledger, behind one
/// `Mutex`.
///
/// **A round.** Round t opens with its participants drawn by Poisson sampling at rate q over the N
/// registered clients (each joins independently; seeded exactly as the in-process ``Simulation``
/// draws them when ``FederationSetup/seededSelection`` is set, from the CSPRNG otherwise). The draw
/// is secret: a client learns only its own coin, at check-in. Selected clients fetch the model and
/// submit one dense update. The round closes when every participant has reported or the deadline
/// passes. Updates are summed exactly as ``Simulation`` and ``NeuMFSimulation`` sum them — participants split into
/// `reductionChunks` contiguous chunks (``OrderedReduction``), each chunk summed in client order, chunks folded in chunk
/// order — whatever order they arrive in (early arrivals wait in a reorder buffer), so a seeded run
/// reproduces the in-process model bit for bit. The aggregate then goes through the privacy hook
/// (``GaussianPrivatizer``: central noise, or the minimum-count check of distributed trust: fewer
/// than m updates → the round is discarded, nothing released, no privacy spent), is divided by the
/// fixed denominator q·N and applied by the server optimizer; a released round is recorded in the
/// ``PrivacyLedger``; the state is checkpointed; the next round opens unless the planned rounds are
/// done or the ledger refuses another round (state ``RoundStatus/State/budgetExhausted``). A
/// released step that leaves non-finite parameters is undone (the round still counts in the
/// ledger) and the run stops with the reason (``stopReason``), as the in-process simulations do.
///
/// **Adaptive clipping** (``FederationSetup/adaptiveClipping``; Andrew et al. 2021): the round's
/// bound C_t is returned with every check-in, each update comes with its client's bit
/// 1[‖Δ‖ ≤ C_t] (``submitUpdate(clientID:round:update:unclipped:)``), the bits of the aggregated
/// updates are summed per chunk like the updates, and after the aggregate step the same
/// ``GaussianPrivatizer/finishRound(unclippedCount:bitsSummed:expectedParticipants:released:using:)`` the
/// in-process simulations call noises the count (stream [2⁶⁴−3, t] under seeded noise, else the
/// CSPRNG) and moves C. The update noise is z_Δ·C_t; the ledger composes the accounted z, which
/// already pays for the count. C is checkpointed with the model, so a resumed run continues with it.
///
/// **Refusals.** Stale rounds (`stale_round`), clients not selected (`not_selected`), second updates
/// (`duplicate_update`), an exhausted budget (`budget_exhausted`), a finished run
/// (`rounds_complete`); under central trust (or `aggregate` placement) an update whose norm exceeds
/// C (C_t under adaptive clipping; `clip_bound_exceeded`): the server would add noise calibrated to
/// C, so a larger update would break the guarantee; under `distributed`/`local` trust an update
/// whose norm exceeds C + σ(√d + t), more than an honest clipped and noised update has except with
/// probability 10⁻⁹ (``UpdateNormBound``; `update_norm_exceeded`); under adaptive clipping a missing
/// bit or one other than 0 or 1 (`bad_request`).
/// Decoding already refused wrong shapes and non-finite values. Nothing refused touches the model.
///
/// **Persistence.** With a state directory, every closed round is written atomically
/// (``CheckpointArchive``: model, optimizer state, round, model version, ledger), then the ledger
/// alone to `ledger.json` (``PrivacyLedger/save(to:)``). A start resumes from the checkpoint; a
/// corrupt checkpoint or ledger stops the server; the ledger kept is never behind either file.
public final class FederatedRoundCoordinator: RoundCoordinator {
    /// What the run is.
    public let setup: FederationSetup
    /// The model layout (``FederatedModel/layout(itemCount:dim:)``); MF: μ `[1]`, `item_bias [I]`,
    /// `item_factors [I, d]`.
    public let modelLayout: [TensorSpec]
    /// The length of the flat global vector (and of every update).
    public let parameterCount: Int
    /// A random id of this server process, published in `/v1/status` so clients notice a restart
    /// (the open round is then re-run and their earlier submissions are gone).
    public let instance: String
    let stateDirectory: String?
    let state: Mutex<State>
    let clientIndex: [String: Int32]
    /// Bumped (then broadcast on `changed`) whenever the round or the state changes: long polls wait
    /// on it instead of spinning.
    let generation = Atomic<UInt64>(0)
    let changed = NSCondition()

    /// File names inside the state directory.
    public static let checkpointFile = "checkpoint.frck"
    /// The ledger file (human-readable copy, also read back on resume).
    public static let ledgerFile = "ledger.json"
    /// The setup written on the first start.
    public static let setupFile = "setup.json"
    /// The high-water mark of the run (``BudgetRecord``): how many rounds the ledger had recorded.
    public static let budgetFile = "budget.json"

    /// The ``ItemModel`` layout as wire tensors.
    public static func layout(itemCount: Int, dim: Int) -> [TensorSpec] {
        [TensorSpec(name: "global_mean", shape: [1]), TensorSpec(name: "item_bias", shape: [itemCount]),
         TensorSpec(name: "item_factors", shape: [itemCount, dim])]
    }

    /// A round as it ended.
    public struct RoundOutcome: Sendable, Codable, Hashable {
        /// The round number t.
        public var round: UInt64
        /// Participants drawn.
        public var selected: Int
        /// Updates received.
        public var received: Int
        /// Whether an aggregate was released (a new model version).
        public var released: Bool
        /// Why not, if not.
        public var discardReason: String?
        /// Seconds from the round's opening to its close (aggregation and checkpoint included).
        public var seconds: Double
        /// Under adaptive clipping, the clip bound C_t this round used (nil for a fixed C, and in
        /// histories written before adaptive clipping existed).
        public var clipBound: Double? = nil
    }

    struct State {
        /// The global model, flat.
        var parameters: [Float]
        var optimizerState: ServerOptimizerState
        var ledger: PrivacyLedger?
        var round: UInt64
        var modelVersion: UInt64
        var phase: RoundStatus.State
        var participants: [Int32] = []
        var position: [Int32: Int] = [:]
        var submitted: Set<Int32> = []
        /// The round's chunk layout (the in-process engine's ``OrderedReduction``).
        var reduction = OrderedReduction(participants: 0, maxChunks: 1)
        var nextPosition: [Int] = []
        var pending: [Int: [Float]] = [:]
        /// The unclipped bits of the waiting updates (adaptive clipping), by position.
        var pendingBits: [Int: Double] = [:]
        /// The privacy seam; under adaptive clipping it carries the current clip bound C_t.
        var privatizer: GaussianPrivatizer?
        /// One dense running sum per chunk, and the number of updates each holds.
        var partials: [DenseAccumulator] = []
        /// The number of unclipped bits each chunk's sum holds (adaptive clipping).
        var partialUnclipped: [Double] = []
        var deadline: ContinuousClock.Instant = .now
        var openedAt: ContinuousClock.Instant = .now
        var snapshot: ModelSnapshot
        var history: [RoundOutcome] = []
        var stopReason: String?
        var failure: String?
    }

    /// What the start had to say about the state directory (a budget reset accepted with
    /// `acceptBudgetReset`, a rewritten `setup.json`); `fedrec serve` prints each line on stderr.
    public let startNotices: [String]

    /// Starts (or resumes) a federation.
    ///
    /// A fresh start (a state directory without any file of a run) writes the initial checkpoint,
    /// the ledger, the ``BudgetRecord`` and `setup.json`, in this order. A start over a directory
    /// that shows a run happened never starts fresh or goes back: a missing checkpoint, a ledger
    /// behind the record or a missing record (after the first round) is refused unless
    /// `acceptBudgetReset`.
    /// - Parameters:
    ///   - setup: the run; validated here.
    ///   - stateDirectory: where checkpoints live (created if missing); nil keeps everything in memory.
    ///   - acceptBudgetReset: start anyway when the directory shows that the budget would restart
    ///     or go back (`fedrec serve --accept-budget-reset`); what was accepted is in ``startNotices``.
    /// - Throws: `ServerError` for an invalid setup, `.setupMismatch` for a setup that differs from
    ///   the checkpoint's (the message lists what differs), `.budgetResetRefused` (see above), or a
    ///   corrupt checkpoint or ledger (`.corruptCheckpoint`; the files are left untouched).
    public init(setup: FederationSetup, stateDirectory: String? = nil, acceptBudgetReset: Bool = false) throws(ServerError) {
        try setup.validate()
        self.setup = setup
        self.stateDirectory = stateDirectory
        modelLayout = setup.layout
        parameterCount = setup.parameterCount
        instance = UUID().uuidString
        var index: [String: Int32] = [:]
        for (k, id) in setup.clientIDs.enumerated() { index[id] = Int32(k) }
        clientIndex = index
        let config = setup.simulation
        var notices: [String] = []
        var initial = try Self.restore(setup: setup, directory: stateDirectory, acceptBudgetReset: acceptBudgetReset, notices: &notices)
        let freshStart = initial == nil
        if initial == nil {
            // The initial model: stream [2⁶⁴−3], as the in-process simulations draw it.
            var rng = SeededGenerator(seed: config.seed, stream: [UInt64.max - 2])
            let parameters: [Float]
            switch setup.model {
            case .matrixFactorization:
                let mu = config.initialGlobalMean ?? (setup.scale.min + setup.scale.max) / 2
                parameters = ItemModel(itemCount: setup.itemCount, dim: config.dim, globalMean: mu, initScale: config.initScale, using: &rng).parameters
            case .neumf(let plan):
                parameters = plan.architecture(itemCount: setup.itemCount).initialGlobalParameters(using: &rng)
            }
            var ledger: PrivacyLedger? = nil
            if let p = setup.privacy {
                do {
                    ledger = try PrivacyLedger(runID: UUID().uuidString, configFingerprint: FNV.hash(setup.fingerprint),
                                               epsilonBudget: p.epsilonBudget, delta: p.delta, mechanism: p.mechanism,
                                               samplingRate: p.samplingRate, noiseSource: p.noise)
                } catch { throw ServerError(.badRequest, "\(error)") }
            }
            initial = Restored(parameters: parameters, optimizerState: config.serverOptimizer.initialState(parameterCount: parameters.count),
                               ledger: ledger, round: 1, modelVersion: 0, history: [], clipBound: nil)
        }
        startNotices = notices
        let r = initial!
        let privatizer = try setup.privatizer(clipBound: r.clipBound)
        let snapshot = ModelSnapshot(model: TensorMessage(round: r.round, layout: modelLayout, values: r.parameters), version: r.modelVersion)
        let start = State(parameters: r.parameters, optimizerState: r.optimizerState, ledger: r.ledger, round: r.round, modelVersion: r.modelVersion, phase: .open, privatizer: privatizer, snapshot: snapshot, history: r.history)
        if freshStart, let dir = stateDirectory {
            // The initial checkpoint first: from now on a directory with any file of the run has one.
            try Self.checkpoint(start, setup: setup, directory: dir)
            try Self.writeSetup(setup, directory: dir)
        }
        state = Mutex(start)
        state.withLock { s in
            if r.round > UInt64(config.rounds) {
                // A finished run: the model and the status both name the last round.
                s.round = UInt64(config.rounds)
                s.phase = .finished
                s.snapshot = ModelSnapshot(model: TensorMessage(round: s.round, layout: modelLayout, values: s.parameters), version: s.modelVersion)
            } else {
                openRound(&s)
            }
        }
    }

    // MARK: RoundCoordinator

    /// A snapshot of the round and the budget.
    public func status() -> RoundStatus {
        state.withLock { s in
            closeIfExpired(&s)
            return makeStatus(s)
        }
    }

    /// Waits up to `timeout` for the service to leave (`round`, `instance`) in state `open`, then
    /// returns the status: the long poll of `GET /v1/status?after_round=r&instance=X&wait=S`.
    public func status(afterRound round: UInt64, instance: String?, timeout: Duration) -> RoundStatus {
        let end = Date().addingTimeInterval(timeout.inSeconds)
        while true {
            let seen = generation.load(ordering: .acquiring)
            let s = status()
            if s.round != round || s.state != .open || (instance != nil && instance != self.instance) || Date() >= end { return s }
            changed.lock()
            while generation.load(ordering: .acquiring) == seen && Date() < end {
                _ = changed.wait(until: min(end, Date().addingTimeInterval(0.25)))
            }
            changed.unlock()
        }
    }

    /// The client's coin for the open round (drawn at round open; the same answer each time).
    public func checkIn(clientID: String) throws(ServerError) -> CheckInResult {
        let k = try index(of: clientID)
        return try state.withLock { s throws(ServerError) in
            closeIfExpired(&s)
            try checkOpen(s)
            let selected = s.position[k] != nil && !s.submitted.contains(k)
            let left = ContinuousClock.now.duration(to: s.deadline).inSeconds
            return CheckInResult(round: s.round, selected: selected, deadlineSeconds: selected ? max(0, left) : nil,
                                 retryAfterSeconds: selected ? nil : max(0.001, left), clipBound: s.privatizer?.adaptive?.clipBound)
        }
    }

    /// The current model, encoded once per round.
    public func currentModel(clientID: String) throws(ServerError) -> ModelSnapshot {
        _ = try index(of: clientID)
        return state.withLock { s in
            closeIfExpired(&s)
            return s.snapshot
        }
    }

    /// Refuses a stale round, an unselected client or a second update before the body is decoded.
    public func admitUpdate(clientID: String, round: UInt64) throws(ServerError) {
        let k = try index(of: clientID)
        try state.withLock { s throws(ServerError) in
            closeIfExpired(&s)
            try admit(s, client: k, round: round)
        }
    }

    /// Records a decoded update of a fixed-C run; closes the round when it was the last one expected.
    /// Under adaptive clipping use ``submitUpdate(clientID:round:update:unclipped:)``.
    public func submitUpdate(clientID: String, round: UInt64, update: TensorMessage) throws(ServerError) -> UpdateReceipt {
        try submitUpdate(clientID: clientID, round: round, update: update, unclipped: nil)
    }

    /// Records a decoded update with its unclipped bit; closes the round when it was the last one
    /// expected. Under adaptive clipping the bit is required and must be 0 or 1 (`bad_request`
    /// otherwise); a fixed-C run refuses any bit. In every private run the update's norm is checked
    /// against ``UpdateNormBound`` with the round's C_t (`clip_bound_exceeded` when clients add no
    /// noise, `update_norm_exceeded` otherwise).
    public func submitUpdate(clientID: String, round: UInt64, update: TensorMessage, unclipped: Int?) throws(ServerError) -> UpdateReceipt {
        let k = try index(of: clientID)
        precondition(update.values.count == parameterCount, "decoded update has the wrong length")
        let adaptive = setup.adaptiveClipping != nil && setup.privacy != nil
        if adaptive {
            guard let b = unclipped else {
                throw ServerError(.badRequest, "this run adapts its clip bound: send the bit 1[norm <= C_t] in the \(FederationRoutes.unclippedHeader) header (0 or 1)")
            }
            guard b == 0 || b == 1 else {
                throw ServerError(.badRequest, "the unclipped indicator must be 0 or 1, not \(b)")
            }
        } else if unclipped != nil {
            throw ServerError(.badRequest, "this run keeps a fixed clip bound; send updates without the \(FederationRoutes.unclippedHeader) header")
        }
        // Measured outside the lock; compared under it with the round's C_t.
        let norm: Double? = setup.privacy == nil ? nil : update.values.withUnsafeBufferPointer { Kernels.norm2($0) }
        return try state.withLock { s throws(ServerError) in
            closeIfExpired(&s)
            if let norm, let privatizer = s.privatizer { try checkNorm(norm, privatizer) }
            try admit(s, client: k, round: round)
            let position = s.position[k]!
            s.submitted.insert(k)
            s.pending[position] = update.values
            if let b = unclipped { s.pendingBits[position] = Double(b) }
            let chunk = s.reduction.chunk(containing: position)
            drain(&s, chunk: chunk)
            if s.submitted.count == s.participants.count { closeRound(&s) }
            return UpdateReceipt(round: round)
        }
    }

    /// Refuses an update whose norm exceeds what an honest client can send (``UpdateNormBound``):
    /// C_t (1 + 10⁻⁴) when the client adds no noise (`clip_bound_exceeded`), else
    /// C_t (1 + 10⁻⁴) + σ (√d + t) with t for a false-refusal probability of 10⁻⁹
    /// (`update_norm_exceeded`).
    func checkNorm(_ norm: Double, _ privatizer: GaussianPrivatizer) throws(ServerError) {
        let bound = UpdateNormBound(mechanism: privatizer.mechanism, placement: privatizer.placement, dimension: parameterCount)
        guard norm > bound.limit || norm.isNaN else { return }
        let c = bound.clipBound
        if bound.clientNoiseStddev == 0 {
            throw ServerError(.clipBoundExceeded, "the update's L2 norm is \(norm) but this run requires it to be clipped to C = \(c) (the server adds the noise); clip the whole update before sending")
        }
        throw ServerError(.updateNormExceeded, "the update's L2 norm is \(norm), above \(bound.limit) = C·(1 + 1e-4) + σ·(√d + t) with C = \(c), σ = \(bound.clientNoiseStddev), d = \(bound.dimension), t = \(bound.tailMargin) (an honest clipped and noised update exceeds it with probability below \(bound.falseRefusalProbability)); clip the update to C before adding the plan's noise")
    }

    /// The recipe clients train with.
    public var trainingPlan: TrainingPlan? { setup.trainingPlan }

    // MARK: Control

    /// Closes the open round if its deadline has passed (call periodically; every request also does).
    public func tick() {
        state.withLock { s in closeIfExpired(&s) }
    }

    /// Stops accepting updates (graceful shutdown): the open round is abandoned, not released; the
    /// last checkpoint (written after the last closed round) stays the state to resume from.
    public func stop() {
        state.withLock { s in
            if s.phase == .open { s.phase = .stopping }
        }
        announce()
    }

    /// The outcomes of the rounds closed so far (by this process and, after a restart, before it).
    public var history: [RoundOutcome] { state.withLock { $0.history } }

    /// The current clip bound under adaptive clipping (the next round's C; after the last round, the
    /// final one), nil when the bound is fixed.
    public var adaptiveClipBound: Double? { state.withLock { $0.privatizer?.adaptive?.clipBound } }

    /// The current global MF model. - Precondition: the federation trains MF.
    public var model: ItemModel {
        precondition(setup.model == .matrixFactorization, "FederatedRoundCoordinator.model: this federation trains \(setup.model.name); read `parameters`")
        return ItemModel(flattened: parameters, itemCount: setup.itemCount, dim: setup.simulation.dim)
    }

    /// The current global model as one flat vector (``modelLayout`` order), for either model kind.
    public var parameters: [Float] { state.withLock { $0.parameters } }

    /// The server optimizer's current state.
    public var optimizerState: ServerOptimizerState { state.withLock { $0.optimizerState } }

    /// A copy of the ledger (nil for non-private runs).
    public var ledger: PrivacyLedger? { state.withLock { $0.ledger } }

    /// Why the run stopped early (budget), or why persistence failed.
    public var stopReason: String? { state.withLock { $0.failure ?? $0.stopReason } }

    /// True once every planned round has closed or the budget is exhausted.
    public var isFinished: Bool { state.withLock { $0.phase == .finished || $0.phase == .budgetExhausted } }
}
