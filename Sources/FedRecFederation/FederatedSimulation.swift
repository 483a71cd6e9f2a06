import FedRecData
import FedRecMath

/// The one in-process federation engine, for every model: one client per user of a
/// train/held-out split, a global model as one flat vector, Poisson or fixed-size sampling, the
/// privacy seam (``UpdatePrivatizer``), the ordered reduction (``OrderedReduction``) and the server
/// optimizer (DESIGN §2). The model is a plug-in, ``FederatedClientStep``: ``MFFederatedStep``
/// (``Simulation``) and ``NeuMFFederatedStep`` (``NeuMFSimulation``).
///
/// **A round.** The participants are drawn (``RoundSchedule/samplingStream(round:)`` when the noise
/// is seeded; the CSPRNG when it is secure, since whoever knows who took part can undo the
/// amplification by sampling). Each runs the step's local training and sends its privatized
/// update; the updates are summed in ``OrderedReduction``'s order; the aggregate hook runs
/// (central noise, the minimum count); a released sum is divided by the fixed denominator q·N and
/// applied by the server optimizer.
///
/// **Reproducibility.** Every generator comes from ``RoundSchedule``'s named streams; threads only
/// decide who computes a chunk, so a seed gives the same bits on any number of cores, and the
/// aggregation server (which sums in the same ``OrderedReduction`` order) gives the same bits over
/// HTTP.
///
/// **Cost of a round.** O(q·N) sampling; the participants' local steps; aggregation proportional
/// to what the updates hold (MF keeps non-private updates sparse); one dense pass over the model
/// for the optimizer. Nothing is O(N·model) for non-participants.
public struct FederatedSimulation<Step: FederatedClientStep, Privatizer: UpdatePrivatizer>: Sendable {
    /// The model plug-in.
    public let step: Step
    /// The privacy seam (its clip bound moves between rounds under adaptive clipping).
    public private(set) var privatizer: Privatizer
    /// Every client's data and local state, in user-index order (client-side state, held here
    /// only because a simulation runs all clients in one process).
    public private(set) var clients: [Step.ClientState]
    /// The current global vector, in the step's layout.
    public private(set) var global: [Float]
    /// The server optimizer's state.
    public private(set) var optimizerState: ServerOptimizerState
    /// Rounds run so far.
    public private(set) var roundsRun = 0
    private var partials: [Step.Partial] = []
    private let heldOutClients: [Int32]

    /// The configuration the run was made from.
    public var config: Step.Configuration { step.configuration }
    /// Number of clients N.
    public var population: Int { clients.count }

    /// Builds the clients and the initial model.
    /// - Throws: ``FederationError`` when the configuration is out of range, the data do not suit
    ///   the model (``FederatedClientStep/make(configuration:train:heldOut:)``), fixed-size sampling
    ///   asks for more clients than exist, or a private run asks for fixed-size sampling.
    public init(train: RatingsDataset, heldOut: RatingsDataset, config: Step.Configuration, privatizer: Privatizer) throws {
        let (step, clients) = try Step.make(configuration: config, train: train, heldOut: heldOut)
        let schedule = step.schedule
        if case .fixedSize(let m) = schedule.sampling {
            if privatizer.isPrivate {
                throw FederationError(.incompatibleOptions, "--clients-per-round (fixed-size sampling) cannot be used with differential privacy: the privacy accountant assumes Poisson subsampling (each client joins independently with probability q); use --sampling-rate q instead, or --no-dp")
            }
            if m > clients.count {
                throw FederationError(.invalidParameter, "--clients-per-round is \(m) but the data set has only \(clients.count) clients; it must be in 1…\(clients.count)")
            }
        }
        self.step = step
        self.privatizer = privatizer
        self.clients = clients
        heldOutClients = clients.indices.filter { step.hasHeldOut(clients[$0]) }.map { Int32($0) }
        var rng = SeededGenerator(seed: schedule.seed, stream: RoundSchedule.initialModelStream)
        global = step.initialGlobal(using: &rng)
        precondition(global.count == step.parameterCount, "FederatedSimulation: the initial model has the wrong length")
        optimizerState = schedule.serverOptimizer.initialState(parameterCount: global.count)
    }

    /// Draws round t's participants: from the seeded stream when the noise is seeded, from the
    /// CSPRNG when it is secure.
    func participants(round t: Int) -> [Int32] {
        let schedule = step.schedule
        if privatizer.drawsSecureNoise {
            var rng = SecureGenerator()
            return schedule.sampling.sample(population: clients.count, using: &rng)
        }
        var rng = SeededGenerator(seed: schedule.seed, stream: RoundSchedule.samplingStream(round: UInt64(t)))
        return schedule.sampling.sample(population: clients.count, using: &rng)
    }

    /// Runs one training round (no evaluation) and returns its record (without metrics).
    public mutating func runRound() -> RoundRecord {
        let clock = ContinuousClock()
        let start = clock.now
        let t = roundsRun + 1
        let schedule = step.schedule
        let participants = participants(round: t)
        let reduction = OrderedReduction(participants: participants.count, maxChunks: schedule.reductionChunks)
        let chunks = reduction.chunkCount
        while partials.count < chunks { partials.append(step.makePartial()) }
        var stats = [RoundChunkStats](repeating: RoundChunkStats(), count: chunks)
        let view = step.roundView(of: global)
        let st = step, priv = privatizer, seed = schedule.seed
        if !participants.isEmpty {
            clients.withUnsafeMutableBufferPointer { cb in
            partials.withUnsafeMutableBufferPointer { pb in
            stats.withUnsafeMutableBufferPointer { sb in
            participants.withUnsafeBufferPointer { part in
                let cs = _SharedPointer(cb.baseAddress!), ps = _SharedPointer(pb.baseAddress!)
                let ss = _SharedPointer(sb.baseAddress!)
                let pp = _SharedPointer(UnsafeMutablePointer(mutating: part.baseAddress!))
                _forEachChunk(chunks, threads: schedule.threads, dim: st.workspaceDim) { c, ws in
                    var s = RoundChunkStats()
                    for p in reduction.positions(inChunk: c) {
                        let id = Int(pp[p])
                        var rng = SeededGenerator(seed: seed, stream: RoundSchedule.clientStream(client: id, round: UInt64(t)))
                        let r = st.train(&cs[id], view: view, privatizer: priv, workspace: ws, using: &rng)
                        s.unclipped += priv.unclippedIndicator(norm: r.normBeforePrivatization)
                        ps[c].add(r.update)
                        s.normSum += r.normBeforePrivatization
                        s.lossSum += r.lossSum
                        s.exampleCount += r.exampleCount
                        if r.failed { s.failed += 1 }
                    }
                    ss[c] = s
                }
            }}}}
        }
        var sum = [Float](repeating: 0, count: step.parameterCount)
        reduction.fold(into: &sum, partials: &partials) { partial, target in partial.drain(into: target) }
        var total = RoundChunkStats()
        for s in stats { total += s }
        var serverRNG = SeededGenerator(seed: seed, stream: RoundSchedule.serverNoiseStream(round: UInt64(t)))
        let decision = privatizer.privatizeAggregate(&sum, participants: participants.count, using: &serverRNG)
        precondition(sum.count == step.parameterCount, "FederatedSimulation: the privatizer changed the sum's length")
        let denominator = max(schedule.sampling.expectedParticipants(population: clients.count), .leastNonzeroMagnitude)
        var reason: String? = nil
        switch decision {
        case .release:
            let optimizer = schedule.serverOptimizer
            global.withUnsafeMutableBufferPointer { x in
                sum.withUnsafeMutableBufferPointer { g in
                    optimizer.step(parameters: x, sum: g, denominator: denominator, state: &optimizerState)
                }
            }
        case .discard(let r):
            reason = r
        }
        var countRNG = SeededGenerator(seed: seed, stream: RoundSchedule.countNoiseStream(round: UInt64(t)))
        privatizer.finishRound(unclippedCount: total.unclipped, bitsSummed: participants.count, expectedParticipants: denominator,
                               released: reason == nil, using: &countRNG)
        roundsRun = t
        let seconds = (clock.now - start).inSeconds
        return RoundRecord(
            round: t, participants: participants.count,
            meanUpdateNorm: participants.isEmpty ? 0 : total.normSum / Double(participants.count),
            trainLoss: total.exampleCount > 0 ? total.lossSum / Double(total.exampleCount) : .nan,
            released: reason == nil, discardReason: reason, roundSeconds: seconds, elapsedSeconds: seconds,
            failedClients: total.failed)
    }

    /// Evaluates the current model: every client with held-out data fits its user state on its own
    /// training data (global model frozen) and scores its own held-out data; only metric sums are
    /// combined, per chunk in client order, then in chunk order (thread-count independent).
    /// - Throws: what the step's evaluation view throws (NeuMF: a diverged model).
    public func evaluate(_ request: Step.EvaluationRequest) throws(Step.EvaluationFailure) -> Step.Metrics {
        let view = try step.evaluationView(of: global, request: request)
        let layout = OrderedReduction(participants: heldOutClients.count, maxChunks: step.schedule.reductionChunks)
        let empty = step.emptyMetrics(view)
        var sums = [Step.Metrics](repeating: empty, count: layout.chunkCount)
        let st = step, seed = step.schedule.seed, evaluated = heldOutClients
        clients.withUnsafeBufferPointer { cb in
            sums.withUnsafeMutableBufferPointer { sb in
                let cs = _SharedPointer(UnsafeMutablePointer(mutating: cb.baseAddress!))
                let ss = _SharedPointer(sb.baseAddress!)
                _forEachChunk(layout.chunkCount, threads: st.schedule.threads, dim: st.workspaceDim) { c, ws in
                    var m = empty
                    for k in layout.positions(inChunk: c) {
                        let id = Int(evaluated[k])
                        st.combine(&m, st.evaluate(cs[id], index: id, view: view, workspace: ws, seed: seed))
                    }
                    ss[c] = m
                }
            }
        }
        var total = empty
        for s in sums { step.combine(&total, s) }
        return total
    }

    /// Runs the remaining rounds up to ``RoundSchedule/rounds``, evaluating (the step's default
    /// evaluation) every ``RoundSchedule/evaluateEvery`` rounds and after the last, calling
    /// `onRound` after each.
    ///
    /// The run stops early, with the reason in the result's `stopReason`, when `admit` refuses a
    /// round (a privacy budget the round would cross); when a released round leaves the model
    /// non-finite (the step is undone: the last finite model and optimizer state are kept and
    /// evaluated; the round still counts as released, so its privacy cost is accounted); or when
    /// every participant's local step failed in a round.
    /// - Parameters:
    ///   - onRound: called after each round with its record.
    ///   - admit: asked before each round with its number; a returned reason stops the run there.
    /// - Throws: what the step's evaluation throws.
    public mutating func run(
        onRound: (RoundRecord) -> Void = { _ in }, admit: (Int) -> String? = { _ in nil }
    ) throws(Step.EvaluationFailure) -> Step.Result {
        let clock = ContinuousClock()
        let start = clock.now
        let schedule = step.schedule
        var records: [RoundRecord] = []
        var training = 0.0
        var final: Step.Metrics? = nil
        var stopReason: String? = nil
        while roundsRun < schedule.rounds {
            if let reason = admit(roundsRun + 1) {
                stopReason = reason
                break
            }
            let (before, stateBefore) = (global, optimizerState)
            var record = runRound()
            training += record.roundSeconds
            if record.released, !global.withUnsafeBufferPointer({ Kernels.allFinite($0) }) {
                // Keep the last finite model and optimizer state: what a user can still use, and
                // what the final evaluation reports (as the server does).
                global = before
                optimizerState = stateBefore
                record.elapsedSeconds = (clock.now - start).inSeconds
                records.append(record)
                onRound(record)
                stopReason = step.divergedModelMessage(round: record.round)
                break
            }
            let k = schedule.evaluateEvery
            if (k > 0 && record.round % k == 0) || record.round == schedule.rounds {
                let metrics = try evaluate(step.defaultEvaluation)
                step.annotate(&record, with: metrics)
                if record.round == schedule.rounds { final = metrics }
            }
            record.elapsedSeconds = (clock.now - start).inSeconds
            records.append(record)
            onRound(record)
            if record.participants > 0, record.failedClients == record.participants {
                // Every client's local step failed on this model: nothing can be learned from it any more.
                stopReason = step.allClientsFailedMessage(round: record.round)
                break
            }
        }
        let result: Step.Metrics
        if let final { result = final } else { result = try evaluate(step.defaultEvaluation) }
        return step.result(of: FederatedRun(
            rounds: records, final: result, global: global, optimizerState: optimizerState,
            secondsPerRound: records.isEmpty ? 0 : training / Double(records.count), trainingSeconds: training,
            wallSeconds: (clock.now - start).inSeconds, stopReason: stopReason))
    }
}

extension FederatedSimulation where Privatizer == IdentityPrivatizer {
    /// A non-private simulation (`--no-dp`): no clipping, no noise.
    public init(train: RatingsDataset, heldOut: RatingsDataset, config: Step.Configuration) throws {
        try self.init(train: train, heldOut: heldOut, config: config, privatizer: IdentityPrivatizer())
    }
}
