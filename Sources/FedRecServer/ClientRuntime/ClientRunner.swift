import Dispatch
import FedRecFederation
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
/// C, add N(0, σ²) under distributed or local trust, as published), submit the dense update. When
/// the server is unreachable the loop retries with exponential backoff (up to ``maxOutage``);
/// after a server restart (a new `instance`) the re-opened round is joined again. At the end each
/// user scores its held-out data against the final model — MF: rating errors; NeuMF: the ranking
/// of its held-out items (HR@K, NDCG@K under ``rankingProtocols``) — and only the sums are returned.
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
        public var evaluation: EvaluationSums?
        /// NeuMF: the ranking-metric sums of this process's users, one per ``ClientRunner/rankingProtocols``
        /// entry (nil if evaluation was off, or MF).
        public var ranking: [RankingMetrics]? = nil
        /// How the run ended (`finished`, `budget_exhausted`, …).
        public var endState: String

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

    /// Runs until the server reports the run finished (or the budget exhausted).
    /// - Throws: `ServerError` when the server stays unreachable longer than ``maxOutage``, refuses
    ///   the tokens, or publishes a plan the shard does not fit.
    public func run() throws(ServerError) -> Outcome {
        precondition(!shard.users.isEmpty, "a client process needs at least one user")
        let http = try HTTPClient(url: serverURL, configuration: .init(requestTimeout: .seconds(60), retry: .none))
        let apis = shard.users.map { FederationClient(http: http, token: $0.token) }
        let first = apis[0]
        let plan = try retrying { () throws(ServerError) in try first.plan() }
        let maxItem = shard.users.lazy.flatMap { $0.trainItems + $0.heldOutItems }.max() ?? -1
        guard Int(maxItem) < plan.itemCount else {
            throw ServerError(.badRequest, "the data holds item index \(maxItem) but the server's model has \(plan.itemCount) items; shard the data with the server's item indices")
        }
        let mechanism = try plan.mechanism()
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
        loop: while true {
            let status = try retrying { () throws(ServerError) in
                if let h = handled { return try first.status(afterRound: h.round, instance: h.instance, wait: 20) }
                return try first.status()
            }
            switch status.state {
            case .finished, .budgetExhausted:
                outcome.endState = status.state.rawValue
                break loop
            case .stopping, .aggregating:
                Thread.sleep(forTimeInterval: 0.05)
                continue loop
            case .open:
                break
            }
            if let h = handled, h.round == status.round, h.instance == status.instance { continue loop }
            let round = status.round
            var selected: [Int] = []
            do {
                for (k, api) in apis.enumerated() {
                    let ticket = try retrying { () throws(ServerError) in try api.checkIn() }
                    guard ticket.round == round else { continue loop }
                    if ticket.selected { selected.append(k) }
                }
            } catch let e where [.staleRound, .roundsComplete, .budgetExhausted, .unavailable].contains(e.code) {
                continue loop
            }
            if !selected.isEmpty {
                let message: TensorMessage
                do { message = try retrying { () throws(ServerError) in try apis[selected[0]].fetchModel() } } catch { continue loop }
                guard message.round == round, message.layout == layout else { continue loop }
                let updates: [[Float]]
                if neumf != nil {
                    updates = trainNeuMF(&neumf!, selected: selected, global: message.values, round: round, plan: plan, mechanism: mechanism)
                    if let path = keepsState { try saveNeuMFUserState(neumf!, to: path) }
                } else {
                    let model = ItemModel(flattened: message.values, itemCount: plan.itemCount, dim: plan.dim)
                    updates = train(&clients, selected: selected, model: model, round: round, plan: plan, mechanism: mechanism)
                    if let path = keepsState { try Self.saveUserState(clients, to: path) }
                }
                outcome.roundsJoined += 1
                for (j, k) in selected.enumerated() {
                    do {
                        let api = apis[k]
                        let body = TensorMessage(round: round, layout: layout, values: updates[j])
                        _ = try retrying { () throws(ServerError) in try api.submit(body) }
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
            var sums = EvaluationSums()
            for client in clients where !client.heldOutItems.isEmpty {
                sums += client.evaluate(model: model, userRegularization: plan.local.userRegularization, scale: plan.scale, workspace: ws)
            }
            outcome.evaluation = sums
        }
        http.close()
        return outcome
    }

    /// Trains the selected users (in parallel, in fixed chunks) and returns their dense, privatized updates.
    private func train(_ clients: inout [Client], selected: [Int], model: ItemModel, round: UInt64, plan: TrainingPlan,
                       mechanism: GaussianMechanism?) -> [[Float]] {
        let results = Mutex([[Float]](repeating: [], count: selected.count))
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
                    if let seed {
                        var rng = SeededGenerator(seed: seed, stream: [UInt64(base[k].id), round])
                        update = base[k].train(model: model, config: local, workspace: ws, using: &rng).update
                        privatizer?.privatizeClientUpdate(&update, using: &rng)
                    } else {
                        var rng = SecureGenerator()
                        update = base[k].train(model: model, config: local, workspace: ws, using: &rng).update
                        privatizer?.privatizeClientUpdate(&update, using: &rng)
                    }
                    let dense = update.denseVector()
                    results.withLock { $0[j] = dense }
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
        try AtomicFile.write([UInt8](data), to: path, permissions: 0o600)
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
