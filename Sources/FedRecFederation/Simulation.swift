import FedRecData
import FedRecMath
import FedRecModels

/// An in-process federated simulation of biased MF: one ``Client`` per user of a train/held-out
/// split, an ``Aggregator`` owning the global ``ItemModel``, Poisson or fixed-size sampling,
/// and a ``UpdatePrivatizer`` at the privacy seam (DESIGN §2).
///
/// **Reproducibility.** The initial model comes from `SeededGenerator(seed:stream: [2⁶⁴−3])`,
/// round t's sample from stream `[2⁶⁴−1, t]`, the server's aggregate noise from `[2⁶⁴−2, t]`,
/// and client c's randomness in round t from `[c, t]`. A round's participants (in client
/// order) are split into ``SimulationConfig/reductionChunks`` fixed contiguous chunks; each
/// chunk's updates are summed in client order, and the chunk sums are folded into the
/// aggregate in chunk order. Threads only decide who computes a chunk, so the same seed gives
/// a bit-identical model with 1 thread or many.
///
/// **Cost of a round.** O(q·N) sampling; the participants' local steps; aggregation
/// proportional to the rows they touched (dense only once privatized); one dense pass over
/// the model for the server optimizer. Nothing is O(N·model) for non-participants.
public struct Simulation<Privatizer: UpdatePrivatizer>: Sendable {
    /// The validated configuration.
    public let config: SimulationConfig
    /// The privacy seam.
    public private(set) var privatizer: Privatizer
    /// The rating scale predictions are clamped to.
    public let scale: RatingScale
    /// The clients, in user-index order (their persistent state included).
    public private(set) var clients: [Client]
    /// The server's state.
    public private(set) var aggregator: Aggregator
    /// Rounds run so far.
    public private(set) var roundsRun = 0
    private var partials: [UpdateAccumulator]
    private let heldOutClients: [Int32]

    /// The current global model.
    public var model: ItemModel { aggregator.model }
    /// Number of clients N.
    public var population: Int { clients.count }

    /// Builds the clients and the initial model.
    /// - Parameters:
    ///   - train: training interactions; one client per user.
    ///   - heldOut: held-out interactions in the same index space.
    /// - Throws: ``FederationError`` if the config is out of range, the two sets differ in
    ///   shape, the data are implicit feedback, there are no training ratings or no held-out users, fixed-size sampling asks
    ///   for more clients than exist, or a private run asks for fixed-size sampling.
    public init(train: RatingsDataset, heldOut: RatingsDataset, config: SimulationConfig, privatizer: Privatizer) throws {
        try config.validate()
        guard train.userCount == heldOut.userCount, train.itemCount == heldOut.itemCount else {
            throw FederationError(.invalidData, "the training set has \(train.userCount) users × \(train.itemCount) items but the held-out set has \(heldOut.userCount) × \(heldOut.itemCount); split one data set so both share its index space")
        }
        guard train.count > 0, train.userCount > 0 else {
            throw FederationError(.invalidData, "the training set (\(train.source)) has no ratings; there is nothing to train on")
        }
        guard train.feedback == .explicit else {
            throw FederationError(.invalidData, "the data set (\(train.source)) holds implicit feedback; the federated MF simulation fits and scores explicit ratings (RMSE, MAE); use --model neumf for implicit data")
        }
        guard heldOut.count > 0 else {
            throw FederationError(.invalidData, "the data set (\(heldOut.source)) has no held-out users to evaluate on; use a holdout fraction > 0 or users with more ratings")
        }
        if case .fixedSize(let m) = config.sampling {
            if privatizer.isPrivate {
                throw FederationError(.incompatibleOptions, "--clients-per-round (fixed-size sampling) cannot be used with differential privacy: the privacy accountant assumes Poisson subsampling (each client joins independently with probability q); use --sampling-rate q instead, or --no-dp")
            }
            if m > train.userCount {
                throw FederationError(.invalidParameter, "--clients-per-round is \(m) but the data set has only \(train.userCount) clients; it must be in 1…\(train.userCount)")
            }
        }
        self.config = config
        self.privatizer = privatizer
        scale = train.scale
        clients = Client.population(train: train, heldOut: heldOut)
        heldOutClients = clients.filter { !$0.heldOutItems.isEmpty }.map { Int32($0.id) }
        var rng = SeededGenerator(seed: config.seed, stream: [UInt64.max - 2])
        let mu = config.initialGlobalMean ?? (train.scale.min + train.scale.max) / 2
        let model = ItemModel(itemCount: train.itemCount, dim: config.dim, globalMean: mu,
                              initScale: config.initScale, using: &rng)
        aggregator = Aggregator(model: model, optimizer: config.serverOptimizer)
        partials = []
    }

    /// Runs one training round (no evaluation) and returns its record (without metrics).
    public mutating func runRound() -> RoundRecord {
        let clock = ContinuousClock()
        let start = clock.now
        let t = roundsRun + 1
        var sampleRNG = SeededGenerator(seed: config.seed, stream: [UInt64.max, UInt64(t)])
        let participants = config.sampling.sample(population: clients.count, using: &sampleRNG)
        let chunks = max(1, min(config.reductionChunks, participants.count))
        let model = aggregator.model
        while partials.count < chunks {
            partials.append(UpdateAccumulator(itemCount: model.itemCount, dim: model.dim))
        }
        var stats = [RoundChunkStats](repeating: RoundChunkStats(), count: chunks)
        let cfg = config, priv = privatizer, seed = config.seed
        if !participants.isEmpty { clients.withUnsafeMutableBufferPointer { cb in
            partials.withUnsafeMutableBufferPointer { pb in
                stats.withUnsafeMutableBufferPointer { sb in
                    let cs = _SharedPointer(cb.baseAddress!), ps = _SharedPointer(pb.baseAddress!)
                    let ss = _SharedPointer(sb.baseAddress!)
                    participants.withUnsafeBufferPointer { part in
                        let pp = _SharedPointer(UnsafeMutablePointer(mutating: part.baseAddress!))
                        let n = part.count
                        _forEachChunk(chunks, threads: cfg.threads, dim: cfg.dim) { c, ws in
                            var s = RoundChunkStats()
                            for p in _chunkRange(c, of: chunks, count: n) {
                                let id = Int(pp[p])
                                var rng = SeededGenerator(seed: seed, stream: [UInt64(id), UInt64(t)])
                                var result = cs[id].train(model: model, config: cfg.local, workspace: ws, using: &rng)
                                s.unclipped += priv.unclippedIndicator(norm: result.updateNorm)
                                priv.privatizeClientUpdate(&result.update, using: &rng)
                                ps[c].add(result.update)
                                s.normSum += result.updateNorm
                                s.lossSum += result.lossSum
                                s.exampleCount += result.ratingCount
                                if result.failed { s.failed += 1 }
                            }
                            ss[c] = s
                        }
                    }
                }
            }
        } }
        var total = RoundChunkStats()
        for c in 0..<chunks {
            aggregator.merge(&partials[c])
            total += stats[c]
        }
        var serverRNG = SeededGenerator(seed: config.seed, stream: [UInt64.max - 1, UInt64(t)])
        let denominator = config.sampling.expectedParticipants(population: clients.count)
        let decision = aggregator.finishRound(denominator: denominator, privatizer: privatizer, using: &serverRNG)
        var adaptRNG = SeededGenerator(seed: config.seed, stream: [UInt64.max - 2, UInt64(t)])
        privatizer.finishRound(unclippedCount: total.unclipped, bitsSummed: participants.count, expectedParticipants: denominator,
                               released: decision == .release, using: &adaptRNG)
        roundsRun = t
        let seconds = (clock.now - start).seconds
        var reason: String? = nil
        if case .discard(let r) = decision { reason = r }
        return RoundRecord(
            round: t, participants: participants.count,
            meanUpdateNorm: participants.isEmpty ? 0 : total.normSum / Double(participants.count),
            trainLoss: total.exampleCount > 0 ? total.lossSum / Double(total.exampleCount) : .nan,
            rmse: nil, mae: nil, released: reason == nil, discardReason: reason,
            roundSeconds: seconds, elapsedSeconds: seconds, failedClients: total.failed)
    }

    /// Evaluates the current model: every client with held-out ratings fits its user embedding
    /// from its own training history and scores its own held-out ratings; only the error sums
    /// are combined (per chunk in client order, then in chunk order: thread-count independent).
    public func evaluate() -> ErrorMetrics {
        let chunks = max(1, min(config.reductionChunks, heldOutClients.count))
        var sums = [ErrorMetrics](repeating: ErrorMetrics(), count: chunks)
        let model = aggregator.model, lambda = config.local.userRegularization, scale = scale
        clients.withUnsafeBufferPointer { cb in
            heldOutClients.withUnsafeBufferPointer { hb in
                sums.withUnsafeMutableBufferPointer { sb in
                    let cs = _SharedPointer(UnsafeMutablePointer(mutating: cb.baseAddress!))
                    let hs = _SharedPointer(UnsafeMutablePointer(mutating: hb.baseAddress!))
                    let ss = _SharedPointer(sb.baseAddress!)
                    let n = hb.count
                    _forEachChunk(chunks, threads: config.threads, dim: config.dim) { c, ws in
                        var s = ErrorMetrics()
                        for k in _chunkRange(c, of: chunks, count: n) {
                            s += cs[Int(hs[k])].evaluate(model: model, userRegularization: lambda, scale: scale, workspace: ws)
                        }
                        ss[c] = s
                    }
                }
            }
        }
        var total = ErrorMetrics()
        for s in sums { total += s }
        return total
    }

    /// Runs the remaining rounds up to ``SimulationConfig/rounds``, evaluating every
    /// ``SimulationConfig/evaluateEvery`` rounds and after the last, calling `onRound` after each.
    /// The run stops early, with the reason in ``SimulationResult/stopReason``, when a round leaves
    /// the model non-finite (the step is undone: the last finite model is kept and evaluated; the
    /// round still counts as released, so its privacy cost is accounted) or when every
    /// participant's local training diverged on it (clients then send zero updates instead of NaN,
    /// so the model itself may stay finite but useless).
    ///
    /// - Parameters:
    ///   - onRound: called after each round with its record.
    ///   - admit: asked before each round with its number; returning a reason stops the run
    ///     there (a privacy budget that the round would cross, say). The stop is reported in
    ///     ``SimulationResult/stopReason`` and the model is evaluated as it stands.
    public mutating func run(
        onRound: (RoundRecord) -> Void = { _ in },
        admit: (Int) -> String? = { _ in nil }
    ) -> SimulationResult {
        let clock = ContinuousClock()
        let start = clock.now
        var records: [RoundRecord] = []
        var training = 0.0
        var final: ErrorMetrics? = nil
        var stopReason: String? = nil
        while roundsRun < config.rounds {
            if let reason = admit(roundsRun + 1) {
                stopReason = reason
                break
            }
            let before = aggregator
            var record = runRound()
            training += record.roundSeconds
            if record.released, !aggregator.model.parameters.withUnsafeBufferPointer({ Kernels.allFinite($0) }) {
                // Keep the last finite model and optimizer state: what a user can still use, and
                // what the final evaluation reports (as NeuMFSimulation and the server do).
                aggregator = before
                record.elapsedSeconds = (clock.now - start).seconds
                records.append(record)
                onRound(record)
                stopReason = "the model diverged (non-finite parameters) in round \(record.round); the model of round \(record.round - 1) is kept: lower --server-lr, use --server-optimizer fedadam, or raise --clip"
                break
            }
            let k = config.evaluateEvery
            if (k > 0 && record.round % k == 0) || record.round == config.rounds {
                let sums = evaluate()
                record.rmse = sums.rmse
                record.mae = sums.mae
                if record.round == config.rounds { final = sums }
            }
            record.elapsedSeconds = (clock.now - start).seconds
            records.append(record)
            onRound(record)
            if record.participants > 0, record.failedClients == record.participants {
                // Every client's local step blew up on this model: nothing can be learned from it any more.
                stopReason = "the model diverged in round \(record.round): every participant's local training produced non-finite values on it; lower --server-lr or --local-lr, or use --server-optimizer fedadam"
                break
            }
        }
        let result = final ?? evaluate()
        return SimulationResult(
            config: config, rounds: records, final: result, model: aggregator.model,
            optimizerState: aggregator.optimizerState,
            secondsPerRound: records.isEmpty ? 0 : training / Double(records.count),
            trainingSeconds: training, wallSeconds: (clock.now - start).seconds, stopReason: stopReason)
    }

}

extension Simulation where Privatizer == IdentityPrivatizer {
    /// A non-private simulation (`--no-dp`): no clipping, no noise.
    public init(train: RatingsDataset, heldOut: RatingsDataset, config: SimulationConfig) throws {
        try self.init(train: train, heldOut: heldOut, config: config, privatizer: IdentityPrivatizer())
    }
}

