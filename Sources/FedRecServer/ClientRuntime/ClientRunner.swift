import Dispatch
import FedRecFederation
import FedRecHTTP
import FedRecMath
import FedRecModels
import FedRecPrivacy
import Foundation
import Synchronization

/// The loop of `fedrec client`: a process holding one or more users (each a separate federated
/// client with its own token and state) that takes part in every round until the run ends.
///
/// The plan (`/v1/plan`) says which model the federation trains (``FederatedModel``). Per round:
/// wait for a new round (long poll on `/v1/status`), check every user in (each learns only its own
/// secret coin), fetch the model once, run each selected user's local step — MF:
/// ``Client/train(model:config:workspace:using:)``; NeuMF: ``NeuMFClientStep`` on the user's own
/// positives with negatives it samples itself — apply the client side of the trust model (clip to
/// C, add N(0, σ²) under distributed or local trust, as published; under adaptive clipping the
/// round's C_t from the check-in, noise z_Δ·C_t, and the bit 1[‖Δ‖ ≤ C_t] sent with the update),
/// submit the dense update. When
/// the server is unreachable the loop retries with exponential backoff (up to ``maxOutage``);
/// after a server restart (a new `instance`) the re-opened round is joined again. At the end each
/// user scores its held-out data against the final model — MF: rating errors; NeuMF: the ranking
/// of its held-out items (HR@K, NDCG@K under ``rankingProtocols``) — and only the sums are returned.
///
/// With ``requirements`` set the client holds the server to its own privacy floor: the plan is
/// checked before anything is sent (and again whenever the server restarts), and a plan below the
/// floor ends the run with `ServerError(.weakPlan)`, no update sent.
///
/// How a run ends: `finished` (every planned round ran) and `budget_exhausted` (the privacy budget
/// allows no further round: the planned end of a private run) return normally; a run the server
/// stopped for another reason (the model diverged, the ledger or a checkpoint failed) returns with
/// ``Outcome/endState`` `stopped` and ``Outcome/stopReason`` (the CLI exits 1); a graceful server
/// shutdown (`stopping` with no reason: a restart is expected) is waited out like an outage.
public struct ClientRunner: Sendable {
    /// What a run did.
    public struct Outcome: Sendable, Codable, Hashable {
        /// Rounds in which at least one user of this process was selected.
        public var roundsJoined: Int
        /// Updates accepted by the server.
        public var updatesSubmitted: Int
        /// Updates refused (late, duplicate after a restart, …).
        public var updatesRefused: Int
        /// The held-out error sums of this process's users (nil if evaluation was off, or NeuMF).
        public var evaluation: ErrorMetrics?
        /// NeuMF: the ranking-metric sums of this process's users, one per ``ClientRunner/rankingProtocols``
        /// entry (nil if evaluation was off, or MF).
        public var ranking: [RankingMetrics]? = nil
        /// How the run ended: `finished`, `budget_exhausted`, or `stopped` (the server stopped the
        /// run early for the reason in ``stopReason``).
        public var endState: String
        /// Why the server ended the run early (the status's `message`: budget, divergence, …), if it did.
        public var stopReason: String? = nil

        /// True when the run ended as planned (all rounds, or the privacy budget), false when the
        /// server stopped it for another reason.
        public var endedAsPlanned: Bool { endState != Self.stopped }

        /// The ``endState`` of a run the server stopped early for a reason other than the budget.
        public static let stopped = "stopped"

        /// One line of JSON (snake_case keys), what `fedrec client --json` prints.
        public func jsonLine() -> String {
            String(decoding: (try? ClientShard.encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
        }
    }

    /// `http://HOST:PORT`.
    public var serverURL: String
    /// The users.
    public var shard: ClientShard
    /// Seed of the clients' training randomness (user u in round t uses `SeededGenerator(seed:stream: [u, t])`,
    /// as the in-process simulation does); nil uses the system generator.
    public var seed: UInt64?
    /// Draw the privacy noise from the seeded training generator (reproducible simulations only, not private).
    public var seededNoise: Bool
    /// Threads for local training.
    public var threads: Int
    /// Score held-out ratings at the end.
    public var evaluate: Bool
    /// Longest time to keep retrying an unreachable server.
    public var maxOutage: Duration
    /// Progress lines (stderr in the CLI).
    public var log: @Sendable (String) -> Void
    /// Where the users' local state (user embeddings) is kept on this client's own disk under
    /// persistent user state: loaded at start, rewritten atomically (mode 0600) after every round
    /// this process joins. Nil keeps it in memory only.
    public var userStatePath: String? = nil
    /// NeuMF: the candidate sets each user ranks its held-out items under at the end.
    public var rankingProtocols: [CandidateSet] = ClientRunner.defaultRankingProtocols
    /// This client's own privacy floor: every plan the server publishes is checked against it
    /// before anything is sent. Nil follows whatever plan the server publishes.
    public var requirements: ClientPrivacyRequirements? = nil

    /// Creates a runner.
    public init(serverURL: String, shard: ClientShard, seed: UInt64? = nil, seededNoise: Bool = false, threads: Int = 1,
                evaluate: Bool = true, maxOutage: Duration = .seconds(120), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.serverURL = serverURL
        self.shard = shard
        self.seed = seed
        self.seededNoise = seededNoise
        self.threads = max(1, threads)
        self.evaluate = evaluate
        self.maxOutage = maxOutage
        self.log = log
    }

    /// Runs until the server reports the run finished, the budget exhausted, or the run stopped
    /// (``Outcome/endState``).
    /// - Throws: `ServerError` when the server stays unreachable (or shutting down) longer than
    ///   ``maxOutage``, refuses the tokens, or publishes a plan the shard does not fit;
    ///   `ServerError(.weakPlan)` when a plan is below ``requirements`` (nothing is sent).
    public func run() throws(ServerError) -> Outcome {
        precondition(!shard.users.isEmpty, "a client process needs at least one user")
        let http = try ServerError.bridging(HTTPClient(url: serverURL, configuration: .init(requestTimeout: .seconds(60), retry: .none)))
        defer { http.close() }
        let apis = shard.users.map { FederationClient(http: http, token: $0.token) }
        let first = apis[0]
        var plan = try retrying { () throws(ServerError) in try first.plan() }
        var mechanism = try checkedMechanism(of: plan)
        let maxItem = shard.users.lazy.flatMap { $0.trainItems + $0.heldOutItems }.max() ?? -1
        guard Int(maxItem) < plan.itemCount else {
            throw ServerError(.badRequest, "the data holds item index \(maxItem) but the server's model has \(plan.itemCount) items; shard the data with the server's item indices")
        }
        let layout = plan.layout
        var clients = shard.users.map(\.client)
        let neumfPlan = plan.modelKind.neumfPlan
        var neumf: NeuMFUsers? = nil
        let keepsState: String?
        if let p = neumfPlan {
            keepsState = p.persistentUserState ? userStatePath : nil
            neumf = try neumfUsers(plan: p, itemCount: plan.itemCount, statePath: keepsState)
        } else {
            keepsState = plan.local.userState == .persistent ? userStatePath : nil
            if let path = keepsState { try Self.loadUserState(path, into: &clients) }
        }
        var outcome = Outcome(roundsJoined: 0, updatesSubmitted: 0, updatesRefused: 0, evaluation: nil, endState: "")
        var handled: (instance: String?, round: UInt64)? = nil
        // The server instance seen before `plan` was fetched: a different one may publish another plan.
        var planInstance: String? = nil
        var shutdownSince: ContinuousClock.Instant? = nil
        loop: while true {
            let status = try retrying { () throws(ServerError) in
                if let h = handled { return try first.status(afterRound: h.round, instance: h.instance, wait: 20) }
                return try first.status()
            }
            switch status.state {
            case .finished, .budgetExhausted:
                outcome.endState = status.state.rawValue
                outcome.stopReason = status.state == .budgetExhausted ? status.message : nil
                break loop
            case .stopping where status.message != nil:
                // Stopped for good (divergence, ledger or checkpoint failure): the server keeps
                // serving the last released model; evaluate it and report the reason.
                outcome.endState = Outcome.stopped
                outcome.stopReason = status.message
                break loop
            case .stopping:
                // A graceful shutdown: a restart is expected; wait it out like an outage.
                let now = ContinuousClock.now
                if let since = shutdownSince, now - since > maxOutage {
                    throw ServerError(.unavailable, "the server has been shutting down for more than \(maxOutage) without restarting; giving up")
                }
                shutdownSince = shutdownSince ?? now
                Thread.sleep(forTimeInterval: 0.05)
                continue loop
            case .aggregating:
                Thread.sleep(forTimeInterval: 0.05)
                continue loop
            case .open:
                shutdownSince = nil
            }
            if let instance = status.instance, instance != planInstance {
                // First status, or a restarted server: fetch its plan and hold it to the floor
                // before checking in.
                let fresh = try retrying { () throws(ServerError) in try first.plan() }
                if fresh != plan {
                    guard Self.sameModel(plan, fresh) else {
                        throw ServerError(.badResponse, "the server restarted with a plan for another model (\(fresh.modelKind.name), \(fresh.itemCount) items); start this client afresh for the new run")
                    }
                    mechanism = try checkedMechanism(of: fresh)
                    if plan.clipBound != fresh.clipBound || plan.noiseMultiplier != fresh.noiseMultiplier || plan.trust != fresh.trust
                        || plan.minimumUpdates != fresh.minimumUpdates || plan.placement != fresh.placement || plan.rounds != fresh.rounds {
                        log("the server restarted with a new privacy plan (z = \(fresh.noiseMultiplier.map { "\($0)" } ?? "none"), C = \(fresh.clipBound.map { "\($0)" } ?? "none"), \(fresh.rounds) rounds)\(requirements.map { $0.isEmpty ? "" : "; it meets this client's floor" } ?? "")")
                    }
                    plan = fresh
                }
                planInstance = instance
            }
            if let h = handled, h.round == status.round, h.instance == status.instance { continue loop }
            let round = status.round
            var selected: [Int] = []
            var clipBound: Double? = nil
            do {
                for (k, api) in apis.enumerated() {
                    let ticket = try retrying { () throws(ServerError) in try api.checkIn() }
                    guard ticket.round == round else { continue loop }
                    if ticket.selected { selected.append(k) }
                    clipBound = clipBound ?? ticket.clipBound
                }
            } catch let e where [.staleRound, .roundsComplete, .budgetExhausted, .unavailable].contains(e.code) {
                continue loop
            }
            if !selected.isEmpty {
                let message: TensorMessage
                do { message = try retrying { () throws(ServerError) in try apis[selected[0]].fetchModel() } } catch { continue loop }
                guard message.round == round, message.layout == layout else { continue loop }
                // Adaptive clipping: this round's C_t (from the check-in) replaces the plan's C.
                let roundMechanism = try roundMechanism(mechanism, plan: plan, clipBound: clipBound)
                let updates: [(values: [Float], norm: Double)]
                if neumf != nil {
                    updates = trainNeuMF(&neumf!, selected: selected, global: message.values, round: round, plan: plan, mechanism: roundMechanism)
                    if let path = keepsState { try saveNeuMFUserState(neumf!, to: path) }
                } else {
                    let model = ItemModel(flattened: message.values, itemCount: plan.itemCount, dim: plan.dim)
                    updates = train(&clients, selected: selected, model: model, round: round, plan: plan, mechanism: roundMechanism)
                    if let path = keepsState { try Self.saveUserState(clients, to: path) }
                }
                outcome.roundsJoined += 1
                for (j, k) in selected.enumerated() {
                    do {
                        let api = apis[k]
                        let body = TensorMessage(round: round, layout: layout, values: updates[j].values)
                        // The bit of adaptive clipping, 1[‖Δ‖ ≤ C_t] on the update before clipping
                        // (AdaptiveClipping.unclippedIndicator); nil under a fixed C.
                        let bit: Int? = plan.adaptiveClipping == true ? (updates[j].norm <= roundMechanism!.clipBound ? 1 : 0) : nil
                        _ = try retrying { () throws(ServerError) in try api.submit(body, unclipped: bit) }
                        outcome.updatesSubmitted += 1
                    } catch let e where [.staleRound, .duplicateUpdate, .notSelected, .roundsComplete, .budgetExhausted, .unavailable].contains(e.code) {
                        outcome.updatesRefused += 1
                    }
                }
            }
            handled = (status.instance, round)
        }
        if evaluate, let users = neumf, let p = neumfPlan {
            let message = try retrying { () throws(ServerError) in try first.fetchModel() }
            guard message.layout == layout else { throw ServerError(.badResponse, "the final model's layout differs from the plan's") }
            outcome.ranking = try evaluateNeuMF(users, global: message.values, cutoffs: p.cutoffs, protocols: rankingProtocols)
        } else if evaluate {
            let message = try retrying { () throws(ServerError) in try first.fetchModel() }
            let model = ItemModel(flattened: message.values, itemCount: plan.itemCount, dim: plan.dim)
            let ws = ClientWorkspace(dim: plan.dim)
            var sums = ErrorMetrics()
            for client in clients where !client.heldOutItems.isEmpty {
                sums += client.evaluate(model: model, userRegularization: plan.local.userRegularization, scale: plan.scale, workspace: ws)
            }
            outcome.evaluation = sums
        }
        return outcome
    }

    /// Trains the selected users (in parallel, in fixed chunks) and returns their dense, privatized
    /// updates with each update's norm before privatization.
    private func train(_ clients: inout [Client], selected: [Int], model: ItemModel, round: UInt64, plan: TrainingPlan,
                       mechanism: GaussianMechanism?) -> [(values: [Float], norm: Double)] {
        let results = Mutex([(values: [Float], norm: Double)](repeating: ([], 0), count: selected.count))
        let privatizer = mechanism.map { GaussianPrivatizer(mechanism: $0, placement: plan.placement ?? .perParty, noise: seededNoise ? .seeded(self.seed ?? 0) : .secure) }
        let workers = min(threads, selected.count)
        let next = Atomic<Int>(0)
        let seed = self.seed, local = plan.local, dim = plan.dim
        clients.withUnsafeMutableBufferPointer { buffer in
            let base = SharedClients(base: buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let ws = ClientWorkspace(dim: dim)
                while true {
                    let j = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard j < selected.count else { break }
                    let k = selected[j]
                    var update: ModelUpdate
                    let norm: Double
                    if let seed {
                        var rng = SeededGenerator(seed: seed, stream: [UInt64(base[k].id), round])
                        let result = base[k].train(model: model, config: local, workspace: ws, using: &rng)
                        update = result.update
                        norm = result.updateNorm
                        privatizer?.privatizeClientUpdate(&update, using: &rng)
                    } else {
                        var rng = SecureGenerator()
                        let result = base[k].train(model: model, config: local, workspace: ws, using: &rng)
                        update = result.update
                        norm = result.updateNorm
                        privatizer?.privatizeClientUpdate(&update, using: &rng)
                    }
                    let dense = update.denseVector()
                    results.withLock { $0[j] = (dense, norm) }
                }
            }
        }
        return results.withLock { $0 }
    }

    /// The users' embeddings by client id, as kept on disk.
    private struct StoredUserState: Codable {
        var embeddings: [String: UserEmbedding]
    }

    /// Loads embeddings saved by an earlier run of this process (none on a first start).
    /// - Throws: `ServerError.ioFailure` for a file that exists but cannot be read as user state.
    static func loadUserState(_ path: String, into clients: inout [Client]) throws(ServerError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let stored: StoredUserState
        do { stored = try JSONDecoder().decode(StoredUserState.self, from: Data(try AtomicFile.read(path))) } catch {
            throw ServerError(.ioFailure, "the user state file \(path) is damaged (\(error)); move it away to start the users afresh")
        }
        for k in clients.indices { clients[k].restoreUserState(stored.embeddings[String(clients[k].id)]) }
    }

    /// Writes every user's embedding atomically, readable by this user only.
    static func saveUserState(_ clients: [Client], to path: String) throws(ServerError) {
        var stored = StoredUserState(embeddings: [:])
        for c in clients { if let e = c.userEmbedding { stored.embeddings[String(c.id)] = e } }
        let data: Data
        do { data = try JSONEncoder().encode(stored) } catch { throw ServerError(.ioFailure, "cannot encode the user state: \(error)") }
        try ServerError.bridging(AtomicFile.write([UInt8](data), to: path, permissions: 0o600))
    }

    /// Runs `body`, retrying connection failures with exponential backoff for up to ``maxOutage``.
    private func retrying<T>(_ body: () throws(ServerError) -> T) throws(ServerError) -> T {
        let clock = ContinuousClock()
        let start = clock.now
        var delay = 0.05
        while true {
            do { return try body() } catch {
                guard [.socketFailure, .timedOut, .unavailable, .badResponse].contains(error.code), clock.now - start < maxOutage else { throw error }
                log("server unreachable (\(error.code)); retrying in \(String(format: "%.2f", delay)) s")
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 2)
            }
        }
    }
}

/// Worker threads train disjoint clients (each index is claimed once), and the owner waits for
/// all of them inside `withUnsafeMutableBufferPointer`: safe to share.
private struct SharedClients: @unchecked Sendable {
    let base: UnsafeMutablePointer<Client>
    subscript(i: Int) -> Client {
        unsafeAddress { UnsafePointer(base + i) }
        nonmutating unsafeMutableAddress { base + i }
    }
}

extension ClientRunner.Outcome {
    private enum CodingKeys: String, CodingKey {
        case roundsJoined, updatesSubmitted, updatesRefused, evaluation, ranking, endState, stopReason
    }

    /// The held-out sums as `fedrec client --json` has always written them (`squared_error`,
    /// `absolute_error`, `count`), kept stable although the type is now ``ErrorMetrics``.
    private struct WireEvaluation: Codable {
        var squaredError: Double
        var absoluteError: Double
        var count: Int
    }

    /// Decodes an outcome line (`fedrec client --json`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        roundsJoined = try c.decode(Int.self, forKey: .roundsJoined)
        updatesSubmitted = try c.decode(Int.self, forKey: .updatesSubmitted)
        updatesRefused = try c.decode(Int.self, forKey: .updatesRefused)
        evaluation = try c.decodeIfPresent(WireEvaluation.self, forKey: .evaluation).map {
            ErrorMetrics(count: $0.count, sumSquaredError: $0.squaredError, sumAbsoluteError: $0.absoluteError)
        }
        ranking = try c.decodeIfPresent([RankingMetrics].self, forKey: .ranking)
        endState = try c.decode(String.self, forKey: .endState)
        stopReason = try c.decodeIfPresent(String.self, forKey: .stopReason)
    }

    /// Encodes the outcome line; absent optionals are left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(roundsJoined, forKey: .roundsJoined)
        try c.encode(updatesSubmitted, forKey: .updatesSubmitted)
        try c.encode(updatesRefused, forKey: .updatesRefused)
        try c.encodeIfPresent(evaluation.map { WireEvaluation(squaredError: $0.sumSquaredError, absoluteError: $0.sumAbsoluteError, count: $0.count) },
                              forKey: .evaluation)
        try c.encodeIfPresent(ranking, forKey: .ranking)
        try c.encode(endState, forKey: .endState)
        try c.encodeIfPresent(stopReason, forKey: .stopReason)
    }
}
