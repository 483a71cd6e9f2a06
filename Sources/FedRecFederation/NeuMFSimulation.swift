import FedRecData
import FedRecMath
import FedRecModels

/// An in-process federated simulation of NeuMF on implicit feedback (He et al., "Neural
/// Collaborative Filtering", 2017), with the privacy seam, sampling and fixed-denominator
/// aggregation of the MF ``Simulation`` (DESIGN §2).
///
/// **A round.** The server samples clients (Poisson: each joins with probability q). Each
/// participant takes the global vector (item embeddings of both branches, MLP and fusion
/// weights), starts from its own user embedding (kept between rounds, or reconstructed from a
/// fresh draw, ``NeuMFSimulationConfig/persistentUserState``), trains locally on its own
/// positives and negatives it samples itself from the items it never interacted with
/// (``ImplicitSampler``: it needs only its history and the item count), and forms the dense
/// delta Δ = local − global. Δ goes through ``UpdatePrivatizer/privatizeFlatUpdate(_:using:)``
/// — clip to ‖Δ‖₂ ≤ C, add the client's share of Gaussian noise — exactly as MF's update does.
/// The server sums the deltas, runs the aggregate hook (central noise, the minimum count of
/// distributed trust), divides by the expected participant count q·N (DP-FedAvg's fixed
/// denominator, McMahan et al. 2018) and applies the ``ServerOptimizer``.
///
/// **Evaluation.** Each held-out client fits its user embedding on its own training history with
/// the global model frozen (``NeuMFArchitecture/fitUserEmbedding(userEmbedding:items:ratings:global:options:using:)``),
/// ranks the candidates for its held-out item locally (full ranking, or 1 + n sampled negatives,
/// labelled), and only the metric sums are combined.
///
/// **Reproducibility.** Initial global model: stream `[2⁶⁴−3]`; client c's initial user row:
/// `[c, 2⁶⁴−4]`; round t's sample: `[2⁶⁴−1, t]`; server noise: `[2⁶⁴−2, t]`; adaptive clipping's
/// count noise: `[2⁶⁴−3, t]`; client c in round
/// t: `[c, t]`; client c's evaluation fit: `[c, 2⁶⁴−5]`. Participants are split into
/// ``NeuMFSimulationConfig/reductionChunks`` fixed contiguous chunks, each summed in client
/// order, the chunk sums added in chunk order: the same seed gives the same bits on any number
/// of threads.
///
/// **Cost of a round.** The participants' local training, O(q·N·globalCount) for the dense
/// deltas and their noise, O(chunks·globalCount) for the reduction, one optimizer pass.
public struct NeuMFSimulation<Privatizer: UpdatePrivatizer>: Sendable {
    /// The validated configuration.
    public let config: NeuMFSimulationConfig
    /// The privacy seam (its clip bound moves between rounds under adaptive clipping).
    public private(set) var privatizer: Privatizer
    /// The model layout shared by server and clients.
    public let architecture: NeuMFArchitecture
    /// What each client computes (shared with `fedrec client`).
    public let clientStep: NeuMFClientStep
    /// The current global parameters (``NeuMFArchitecture`` layout).
    public private(set) var global: [Float]
    /// The server optimizer's state.
    public private(set) var optimizerState: ServerOptimizerState
    /// Every client's user embedding row, `population × embeddingDim` (client-side state, held
    /// here only because the simulation runs all clients in one process).
    public private(set) var userEmbeddings: [Float]
    /// Rounds run so far.
    public private(set) var roundsRun = 0
    /// Client c's distinct training items (sorted) are `historyItems[historyOffsets[c]..<historyOffsets[c+1]]`.
    private let historyOffsets: [Int]
    private let historyItems: [Int32]
    private let testOffsets: [Int]
    private let testItems: [Int32]
    private let heldOutClients: [Int32]
    private var partials: [Float] = []

    /// Number of clients N.
    public var population: Int { historyOffsets.count - 1 }

    /// Builds the clients and the initial model.
    /// - Parameters:
    ///   - train: implicit training interactions (every row a positive); one client per user.
    ///   - heldOut: held-out interactions in the same index space (leave-one-out: one per user).
    /// - Throws: ``FederationError`` if the configuration is out of range, the sets differ in
    ///   shape, the data are explicit ratings, there is nothing to train on or evaluate, or a
    ///   private run asks for fixed-size sampling (or fixed-size sampling asks for too many clients).
    public init(train: RatingsDataset, heldOut: RatingsDataset, config: NeuMFSimulationConfig, privatizer: Privatizer) throws {
        try config.validate()
        guard train.userCount == heldOut.userCount, train.itemCount == heldOut.itemCount else {
            throw FederationError(.invalidData, "the training set has \(train.userCount) users × \(train.itemCount) items but the held-out set has \(heldOut.userCount) × \(heldOut.itemCount); split one data set so both share its index space")
        }
        guard train.feedback == .implicit else {
            throw FederationError(.invalidData, "the data set (\(train.source)) holds explicit ratings; federated NeuMF trains on implicit feedback: convert it with implicit(threshold:) (e.g. threshold 4 for 'liked') and split it with DataSplit.leaveLastOut")
        }
        guard train.count > 0 else {
            throw FederationError(.invalidData, "the training set (\(train.source)) has no interactions; there is nothing to train on")
        }
        guard heldOut.count > 0 else {
            throw FederationError(.invalidData, "the data set (\(heldOut.source)) has no held-out interactions to evaluate on; leave-one-out needs users with at least 2 interactions")
        }
        if case .fixedSize(let m) = config.sampling {
            if privatizer.isPrivate {
                throw FederationError(.incompatibleOptions, "--clients-per-round (fixed-size sampling) cannot be used with differential privacy: the privacy accountant assumes Poisson subsampling; use --sampling-rate q instead, or --no-dp")
            }
            if m > train.userCount {
                throw FederationError(.invalidParameter, "--clients-per-round is \(m) but the data set has only \(train.userCount) clients; it must be in 1…\(train.userCount)")
            }
        }
        for k in 0..<train.count where train.items[k] < 0 || Int(train.items[k]) >= train.itemCount {
            throw FederationError(.invalidData, "training interaction \(k) has item \(train.items[k]), outside 0..<\(train.itemCount)")
        }
        self.config = config
        self.privatizer = privatizer
        let arch = try NeuMFArchitecture(config: config.model, itemCount: train.itemCount)
        architecture = arch
        let rows = train.byUser()
        var offsets = [0], items: [Int32] = []
        items.reserveCapacity(train.count)
        for u in 0..<rows.userCount {
            items += Array(Set(rows.items[rows.range(of: u)])).sorted()
            offsets.append(items.count)
        }
        historyOffsets = offsets
        historyItems = items
        let test = heldOut.byUser()
        testOffsets = test.offsets
        testItems = test.items
        heldOutClients = (0..<test.userCount).filter { test.count(of: $0) > 0 }.map { Int32($0) }
        var rng = SeededGenerator(seed: config.seed, stream: [UInt64.max - 2])
        global = arch.initialGlobalParameters(using: &rng)
        optimizerState = config.serverOptimizer.initialState(parameterCount: arch.globalCount)
        var users = [Float]()
        users.reserveCapacity(rows.userCount * arch.embeddingDim)
        clientStep = NeuMFClientStep(architecture: arch, local: config.local, evaluationFit: config.evaluationFit,
                                     persistentUserState: config.persistentUserState)
        for c in 0..<rows.userCount { users += clientStep.initialUserEmbedding(client: c, seed: config.seed) }
        userEmbeddings = users
    }

    /// Client c's distinct training items, sorted (its whole local history).
    public func history(of c: Int) -> ArraySlice<Int32> { historyItems[historyOffsets[c]..<historyOffsets[c + 1]] }

    /// Runs one training round (no evaluation) and returns its record (without metrics).
    public mutating func runRound() -> NeuMFRoundRecord {
        let clock = ContinuousClock()
        let start = clock.now
        let t = roundsRun + 1
        var sampleRNG = SeededGenerator(seed: config.seed, stream: [UInt64.max, UInt64(t)])
        let participants = config.sampling.sample(population: population, using: &sampleRNG)
        let chunks = max(1, min(config.reductionChunks, participants.count))
        let n = architecture.globalCount, e = architecture.embeddingDim
        if partials.count < chunks * n { partials = [Float](repeating: 0, count: chunks * n) }
        var stats = [RoundChunkStats](repeating: RoundChunkStats(), count: chunks)
        let cfg = config, priv = privatizer, g = global, step = clientStep
        let offsets = historyOffsets, items = historyItems
        participants.withUnsafeBufferPointer { part in
        partials.withUnsafeMutableBufferPointer { pb in
        stats.withUnsafeMutableBufferPointer { sb in
        userEmbeddings.withUnsafeMutableBufferPointer { ub in
            let ps = _SharedPointer(pb.baseAddress!), ss = _SharedPointer(sb.baseAddress!)
            let us = _SharedPointer(ub.baseAddress!)
            guard let base = part.baseAddress, !part.isEmpty else { return }
            let pp = _SharedPointer(UnsafeMutablePointer(mutating: base))
            let count = part.count
            _forEachChunk(chunks, threads: cfg.threads, dim: 1) { c, _ in
                var s = RoundChunkStats()
                let partial = UnsafeMutableBufferPointer(start: ps.base + c * n, count: n)
                for p in _chunkRange(c, of: chunks, count: count) {
                    let id = Int(pp[p])
                    var rng = SeededGenerator(seed: cfg.seed, stream: NeuMFClientStep.trainingStream(client: id, round: UInt64(t)))
                    let row = UnsafeMutableBufferPointer(start: us.base + id * e, count: e)
                    let update = step.train(storedUserEmbedding: Array(row), history: Array(items[offsets[id]..<offsets[id + 1]]),
                                            global: g, privatizer: priv, using: &rng)
                    if let kept = update.userEmbedding { for k in 0..<e { row[k] = kept[k] } }
                    s.lossSum += update.lossSum
                    s.exampleCount += update.exampleCount
                    if update.failed { s.failed += 1 }
                    s.normSum += update.normBeforePrivatization
                    s.unclipped += priv.unclippedIndicator(norm: update.normBeforePrivatization)
                    update.delta.withUnsafeBufferPointer { Kernels.axpy(1, $0, partial) }
                }
                ss[c] = s
            }
        }}}}
        // Fold the chunk sums in chunk order (thread-count independent), clearing them.
        var sum = [Float](repeating: 0, count: n)
        var total = RoundChunkStats()
        sum.withUnsafeMutableBufferPointer { s in
            partials.withUnsafeMutableBufferPointer { pb in
                for c in 0..<chunks {
                    let partial = UnsafeMutableBufferPointer(rebasing: pb[(c * n)..<((c + 1) * n)])
                    Kernels.axpy(1, UnsafeBufferPointer(partial), s)
                    partial.update(repeating: 0)
                }
            }
        }
        for s in stats { total += s }
        var serverRNG = SeededGenerator(seed: config.seed, stream: [UInt64.max - 1, UInt64(t)])
        let decision = privatizer.privatizeAggregate(&sum, participants: participants.count, using: &serverRNG)
        precondition(sum.count == n, "NeuMFSimulation: the privatizer changed the sum's length")
        let denominator = max(config.sampling.expectedParticipants(population: population), .leastNonzeroMagnitude)
        var adaptRNG = SeededGenerator(seed: config.seed, stream: [UInt64.max - 2, UInt64(t)])
        privatizer.finishRound(unclippedCount: total.unclipped, bitsSummed: participants.count, expectedParticipants: denominator,
                               released: decision == .release, using: &adaptRNG)
        var reason: String? = nil
        switch decision {
        case .release:
            let opt = config.serverOptimizer
            global.withUnsafeMutableBufferPointer { x in
                sum.withUnsafeMutableBufferPointer { s in
                    opt.step(parameters: x, sum: s, denominator: denominator, state: &optimizerState)
                }
            }
        case .discard(let r):
            reason = r
        }
        roundsRun = t
        let seconds = (clock.now - start).seconds
        return NeuMFRoundRecord(
            round: t, participants: participants.count, failedClients: total.failed,
            meanUpdateNorm: participants.isEmpty ? 0 : total.normSum / Double(participants.count),
            trainLoss: total.exampleCount > 0 ? total.lossSum / Double(total.exampleCount) : .nan,
            hitRate: nil, ndcg: nil, released: reason == nil, discardReason: reason,
            roundSeconds: seconds, elapsedSeconds: seconds)
    }

    /// Evaluates the current global model under each protocol of `protocols` (e.g. `[.full,
    /// .sampled(negatives: 99, seed: s)]`): every held-out client fits its user row from its own
    /// training history (global frozen), once, and ranks its held-out items locally; only metric
    /// sums are combined (per chunk in client order, then in chunk order).
    /// - Returns: one ``RankingMetrics`` per protocol, in order.
    /// - Throws: ``FederationError`` when the global model holds non-finite values (training diverged).
    public func evaluate(protocols: [CandidateSet] = [.full]) throws -> [RankingMetrics] {
        let scorer: NeuMFScorer
        do { scorer = try NeuMFScorer(architecture: architecture, global: global) } catch {
            throw FederationError(.invalidData, "the global NeuMF model cannot be evaluated (\(error)); training diverged: lower the local learning rate or the server learning rate")
        }
        let evaluators = try protocols.map { try RankingEvaluator(cutoffs: config.cutoffs, candidates: $0) }
        let chunks = max(1, min(config.reductionChunks, heldOutClients.count))
        let empty = protocols.map { RankingMetrics(candidates: $0, cutoffs: config.cutoffs) }
        var sums = [RankingMetrics](repeating: empty[0], count: chunks * protocols.count)
        for c in 0..<chunks { for j in protocols.indices { sums[c * protocols.count + j] = empty[j] } }
        let cfg = config, step = clientStep, g = global, e = architecture.embeddingDim, np = protocols.count
        let hOffsets = historyOffsets, hItems = historyItems, tOffsets = testOffsets, tItems = testItems
        let users = userEmbeddings, clients = heldOutClients
        sums.withUnsafeMutableBufferPointer { sb in
            let ss = _SharedPointer(sb.baseAddress!)
            let count = clients.count
            _forEachChunk(chunks, threads: cfg.threads, dim: 1) { c, _ in
                for k in _chunkRange(c, of: chunks, count: count) {
                    let u = Int(clients[k])
                    var rng = SeededGenerator(seed: cfg.seed, stream: NeuMFClientStep.evaluationStream(client: u))
                    let history = Array(hItems[hOffsets[u]..<hOffsets[u + 1]])
                    let user = step.evaluationEmbedding(storedUserEmbedding: Array(users[(u * e)..<((u + 1) * e)]),
                                                        history: history, global: g, using: &rng)
                    let held = tItems[tOffsets[u]..<tOffsets[u + 1]]
                    let metrics = NeuMFClientStep.evaluate(scorer: scorer, embedding: user, user: u, history: history,
                                                           heldOut: held, evaluators: evaluators)
                    for j in 0..<np { ss[c * np + j] = ss[c * np + j] + metrics[j] }
                }
            }
        }
        var total = empty
        for c in 0..<chunks { for j in 0..<np { total[j] = total[j] + sums[c * np + j] } }
        return total
    }

    /// Runs the remaining rounds up to ``NeuMFSimulationConfig/rounds``, evaluating (full
    /// ranking) every ``NeuMFSimulationConfig/evaluateEvery`` rounds and after the last.
    /// A round whose step leaves non-finite parameters is undone and stops the run
    /// (``NeuMFSimulationResult/stopReason`` says what to change; the round still counts as
    /// released, so its privacy cost is accounted): the result reports the last finite model. A
    /// round in which every participant's local step failed stops the run too.
    /// - Parameters:
    ///   - onRound: called after each round with its record.
    ///   - admit: asked before each round; returning a reason stops the run there (a privacy
    ///     budget the round would cross), reported in ``NeuMFSimulationResult/stopReason``.
    /// - Throws: ``FederationError`` when the model diverged and cannot be evaluated.
    public mutating func run(
        onRound: (NeuMFRoundRecord) -> Void = { _ in }, admit: (Int) -> String? = { _ in nil }
    ) throws -> NeuMFSimulationResult {
        let clock = ContinuousClock()
        let start = clock.now
        var records: [NeuMFRoundRecord] = []
        var training = 0.0
        var final: RankingMetrics? = nil
        var stopReason: String? = nil
        let k0 = config.cutoffs[0]
        while roundsRun < config.rounds {
            if let reason = admit(roundsRun + 1) {
                stopReason = reason
                break
            }
            let (before, stateBefore) = (global, optimizerState)
            var record = runRound()
            training += record.roundSeconds
            if record.released, !global.withUnsafeBufferPointer({ Kernels.allFinite($0) }) {
                // Keep the last finite model (and its optimizer state): it is what a user can still
                // use, and what the final evaluation reports.
                global = before
                optimizerState = stateBefore
                record.elapsedSeconds = (clock.now - start).seconds
                records.append(record)
                onRound(record)
                stopReason = "the model diverged (non-finite parameters) in round \(record.round); the model of round \(record.round - 1) is kept: lower --server-lr or --neumf-lr, use --server-optimizer fedadam, or raise --clip"
                break
            }
            let k = config.evaluateEvery
            if (k > 0 && record.round % k == 0) || record.round == config.rounds {
                let m = try evaluate()[0]
                record.hitRate = m.hitRate(at: k0)
                record.ndcg = m.ndcg(at: k0)
                if record.round == config.rounds { final = m }
            }
            record.elapsedSeconds = (clock.now - start).seconds
            records.append(record)
            onRound(record)
            if record.participants > 0, record.failedClients == record.participants {
                // Every client's local step failed on this model (as in ``Simulation``): stop.
                stopReason = "every participant's local training failed in round \(record.round) (non-finite losses or no negatives to sample); lower --server-lr or --neumf-lr, or use --server-optimizer fedadam"
                break
            }
        }
        let result = try final ?? evaluate()[0]
        return NeuMFSimulationResult(
            config: config, rounds: records, final: result, global: global, optimizerState: optimizerState,
            secondsPerRound: records.isEmpty ? 0 : training / Double(records.count), trainingSeconds: training,
            wallSeconds: (clock.now - start).seconds, stopReason: stopReason)
    }

}

extension NeuMFSimulation where Privatizer == IdentityPrivatizer {
    /// A non-private simulation (`--no-dp`): no clipping, no noise.
    public init(train: RatingsDataset, heldOut: RatingsDataset, config: NeuMFSimulationConfig) throws {
        try self.init(train: train, heldOut: heldOut, config: config, privatizer: IdentityPrivatizer())
    }
}


/// One client's local model for ranking: the shared scorer with the client's own user row
/// (the `user` argument only keys the sampled-negatives stream).
struct NeuMFClientScorer: RankingScorer {
    let scorer: NeuMFScorer
    let embedding: [Float]
    var itemCount: Int { scorer.itemCount }
    func score(user: Int, items: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        embedding.withUnsafeBufferPointer { scorer.score(userEmbedding: $0, items: items, into: scores) }
    }
}
