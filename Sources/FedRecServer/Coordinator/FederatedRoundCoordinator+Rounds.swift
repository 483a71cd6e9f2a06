import FedRecFederation
import FedRecMath
import FedRecPrivacy
import Foundation
import Synchronization

/// The round machinery of ``FederatedRoundCoordinator``: opening a round (drawing its
/// participants), the ordered chunk reduction of arriving updates, closing a round (privacy hook,
/// optimizer step, ledger, checkpoint) and the status it reports. Every function here runs under
/// the coordinator's lock, on the `State` it is handed.
extension FederatedRoundCoordinator {

    func index(of clientID: String) throws(ServerError) -> Int32 {
        guard let k = clientIndex[clientID] else { throw ServerError(.forbidden, "client \(clientID) is not registered in this federation") }
        return k
    }

    func checkOpen(_ s: State) throws(ServerError) {
        switch s.phase {
        case .open, .aggregating: return
        case .budgetExhausted: throw ServerError(.budgetExhausted, s.stopReason ?? "the privacy budget allows no further round")
        case .finished: throw ServerError(.roundsComplete, "all \(setup.simulation.rounds) planned rounds are complete; fetch the final model from /v1/model")
        case .stopping: throw ServerError(.unavailable, s.failure ?? "the server is shutting down; retry later")
        }
    }

    func admit(_ s: State, client k: Int32, round: UInt64) throws(ServerError) {
        if round != s.round || s.phase == .finished {
            if s.phase == .budgetExhausted { try checkOpen(s) }
            throw ServerError(.staleRound, "round \(round) is not open; the open round is \(s.round)\(s.phase == .open ? "" : " (\(s.phase.rawValue))")")
        }
        try checkOpen(s)
        guard s.position[k] != nil else { throw ServerError(.notSelected, "this client was not selected in round \(round); check in again next round") }
        guard !s.submitted.contains(k) else { throw ServerError(.duplicateUpdate, "this client already submitted its update for round \(round)") }
    }

    /// Adds the chunk's waiting updates that are next in client order.
    func drain(_ s: inout State, chunk c: Int) {
        let end = s.reduction.positions(inChunk: c).upperBound
        while s.nextPosition[c] < end, let values = s.pending.removeValue(forKey: s.nextPosition[c]) {
            s.partials[c].add(values)
            s.partialUnclipped[c] += s.pendingBits.removeValue(forKey: s.nextPosition[c]) ?? 0
            s.nextPosition[c] += 1
        }
    }

    func openRound(_ s: inout State) {
        defer { announce() }
        if let ledger = s.ledger {
            do { try ledger.check(rounds: 1) } catch {
                s.phase = .budgetExhausted
                s.stopReason = "\(error)"
                // The model names the round the status reports, as in every other state.
                s.snapshot = ModelSnapshot(model: TensorMessage(round: s.round, layout: modelLayout, values: s.parameters), version: s.modelVersion)
                return
            }
        }
        let t = s.round
        let sampling = setup.simulation.sampling
        if setup.seededSelection {
            var rng = SeededGenerator(seed: setup.simulation.seed, stream: [UInt64.max, t])
            s.participants = sampling.sample(population: setup.population, using: &rng)
        } else {
            var rng = SecureGenerator()
            s.participants = sampling.sample(population: setup.population, using: &rng)
        }
        s.position = [:]
        for (p, k) in s.participants.enumerated() { s.position[k] = p }
        s.submitted = []
        s.pending = [:]
        s.pendingBits = [:]
        s.reduction = OrderedReduction(participants: s.participants.count, maxChunks: setup.simulation.reductionChunks)
        s.nextPosition = (0..<s.reduction.chunkCount).map { s.reduction.positions(inChunk: $0).lowerBound }
        while s.partials.count < s.reduction.chunkCount { s.partials.append(DenseAccumulator(length: parameterCount)) }
        s.partialUnclipped = [Double](repeating: 0, count: s.partials.count)
        s.openedAt = .now
        s.deadline = ContinuousClock.now + .milliseconds(Int64(setup.roundDeadlineSeconds * 1000))
        s.phase = .open
        s.snapshot = ModelSnapshot(model: TensorMessage(round: t, layout: modelLayout, values: s.parameters), version: s.modelVersion)
        if s.participants.isEmpty { closeRound(&s) }
    }

    func closeIfExpired(_ s: inout State) {
        if s.phase == .open && ContinuousClock.now >= s.deadline { closeRound(&s) }
    }

    /// Aggregates, privatizes, applies, records, checkpoints, and opens the next round.
    func closeRound(_ s: inout State) {
        defer { announce() }
        s.phase = .aggregating
        let t = s.round
        // Late arrivals: whatever is buffered is added in client order, skipping those who never came.
        for p in s.pending.keys.sorted() {
            let c = s.reduction.chunk(containing: p)
            s.partials[c].add(s.pending[p]!)
            s.partialUnclipped[c] += s.pendingBits[p] ?? 0
        }
        s.pending = [:]
        s.pendingBits = [:]
        // Fold the chunk sums in chunk order into the round's sum, clearing them (OrderedReduction:
        // the in-process engine's order of additions).
        var sum = [Float](repeating: 0, count: parameterCount)
        var count = 0
        s.reduction.fold(into: &sum, partials: &s.partials) { partial, target in count += partial.drain(into: target) }
        var unclipped = 0.0
        for c in 0..<s.reduction.chunkCount {
            unclipped += s.partialUnclipped[c]
            s.partialUnclipped[c] = 0
        }
        let denominator = setup.simulation.sampling.expectedParticipants(population: setup.population)
        var serverRNG = SeededGenerator(seed: setup.simulation.seed, stream: [UInt64.max - 1, t])
        let decision: AggregateDecision
        let roundBound = s.privatizer?.adaptive?.clipBound
        if let p = s.privatizer {
            decision = p.privatizeAggregate(&sum, participants: count, using: &serverRNG)
            // Adaptive clipping (a no-op for a fixed C): noise the count of unclipped bits from
            // stream [2⁶⁴−3, t] (seeded noise) or the CSPRNG, and move C for the next round —
            // exactly as the in-process simulations do.
            var adaptRNG = SeededGenerator(seed: setup.simulation.seed, stream: [UInt64.max - 2, t])
            s.privatizer!.finishRound(unclippedCount: unclipped, bitsSummed: count, expectedParticipants: denominator,
                                      released: decision == .release, using: &adaptRNG)
        } else {
            decision = IdentityPrivatizer().privatizeAggregate(&sum, participants: count, using: &serverRNG)
        }
        precondition(sum.count == parameterCount, "FederatedRoundCoordinator: the privatizer changed the sum's length")
        var reason: String? = nil
        switch decision {
        case .release:
            let before = s.parameters, stateBefore = s.optimizerState
            let optimizer = setup.simulation.serverOptimizer
            s.parameters.withUnsafeMutableBufferPointer { x in
                sum.withUnsafeMutableBufferPointer { g in
                    optimizer.step(parameters: x, sum: g, denominator: max(denominator, .leastNonzeroMagnitude), state: &s.optimizerState)
                }
            }
            if !s.parameters.withUnsafeBufferPointer({ Kernels.allFinite($0) }) {
                // Keep the last finite model (what clients and the final evaluation can use); the
                // round is still released (its privacy cost counts), and the run stops.
                s.parameters = before
                s.optimizerState = stateBefore
                s.failure = "the model diverged (non-finite parameters) in round \(t); the model of round \(t - 1) is kept: lower --server-lr or --local-lr, use --server-optimizer fedadam, or raise --clip"
            }
        case .discard(let r):
            reason = r
            s.ledger?.recordDiscarded()  // no model released, but the server saw the updates (server view)
        }
        if reason == nil {
            s.modelVersion += 1
            if s.ledger != nil {
                do { try s.ledger!.record(round: s.ledger!.roundsRun + 1) } catch {
                    // check() proved the round fits, so this is not expected; keep the model but stop.
                    s.failure = "the privacy ledger refused round \(t): \(error)"
                }
            }
        }
        s.history.append(RoundOutcome(round: t, selected: s.participants.count, received: s.submitted.count, released: reason == nil, discardReason: reason,
                                 seconds: s.openedAt.duration(to: .now).inSeconds, clipBound: roundBound))
        s.round = t + 1
        if let dir = stateDirectory {
            do { try checkpoint(s, directory: dir) } catch {
                s.failure = "cannot write the checkpoint: \(error); the server stops accepting rounds"
                s.phase = .stopping
                return
            }
        }
        if s.failure != nil {
            s.phase = .stopping
            return
        }
        if t >= UInt64(setup.simulation.rounds) {
            s.round = t
            s.phase = .finished
            s.snapshot = ModelSnapshot(model: TensorMessage(round: t, layout: modelLayout, values: s.parameters), version: s.modelVersion)
            return
        }
        openRound(&s)
    }

    /// Wakes the long polls (lock order: the state mutex, then `changed`; waiters never hold both).
    func announce() {
        generation.add(1, ordering: .releasing)
        changed.lock()
        changed.broadcast()
        changed.unlock()
    }

    func makeStatus(_ s: State) -> RoundStatus {
        let left = s.phase == .open ? max(0, ContinuousClock.now.duration(to: s.deadline).inSeconds) : nil
        var spent = 0.0, budget = Double.infinity, delta = 0.0
        if let l = s.ledger {
            spent = l.epsilonSpentSoFar
            budget = l.epsilonBudget
            delta = l.delta
        }
        var status = RoundStatus(round: s.round, state: s.phase, selected: s.participants.count, received: s.submitted.count,
                                 minUpdates: setup.privacy?.mechanism.minimumUpdates ?? 1, deadlineSeconds: left,
                                 epsilonSpent: spent, epsilonBudget: budget.isFinite ? budget : nil, delta: delta, modelVersion: s.modelVersion)
        status.instance = instance
        status.message = s.failure ?? s.stopReason
        status.clipBound = s.privatizer?.adaptive?.clipBound
        status.epsilonAccountant = s.ledger?.spentAccountant?.rawValue
        return status
    }
}
