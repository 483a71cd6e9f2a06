import Dispatch
import FedRecFederation
import FedRecHTTP
import FedRecMath
import FedRecModels
import FedRecPrivacy
import Foundation
import Synchronization

extension ClientRunner {
    /// The NeuMF users of this process: their distinct training items (positives), held-out items
    /// and user embedding rows, all kept on this client.
    struct NeuMFUsers {
        /// The step the server's plan defines.
        let step: NeuMFClientStep
        /// Population indices (the users' streams), in shard order.
        let indices: [Int]
        /// Distinct training items of each user, sorted.
        let histories: [[Int32]]
        /// Held-out items of each user.
        let heldOut: [[Int32]]
        /// Each user's embedding row (``NeuMFArchitecture/embeddingDim`` values).
        var rows: [[Float]]
    }

    /// The users' NeuMF state: rows from `userStatePath` when they persist and the file exists,
    /// otherwise first rows drawn from each user's stream `[u, 2⁶⁴−4]` (seeded) or the system
    /// generator.
    func neumfUsers(plan: NeuMFPlan, itemCount: Int, statePath: String?) throws(ServerError) -> NeuMFUsers {
        let step = plan.clientStep(itemCount: itemCount)
        let users = shard.users
        var rows: [[Float]] = users.map { user in
            if let seed { return step.initialUserEmbedding(client: user.userIndex, seed: seed) }
            var rng = SecureGenerator()
            return step.architecture.initialUserEmbedding(using: &rng)
        }
        if let path = statePath, FileManager.default.fileExists(atPath: path) {
            let stored: StoredNeuMFUserState
            do { stored = try JSONDecoder().decode(StoredNeuMFUserState.self, from: Data(try AtomicFile.read(path))) } catch {
                throw ServerError(.ioFailure, "the user state file \(path) is not NeuMF user state (\(error)); move it away to start the users afresh")
            }
            for (k, user) in users.enumerated() {
                if let row = stored.neumfRows[user.clientID], row.count == step.architecture.embeddingDim { rows[k] = row }
            }
        }
        return NeuMFUsers(step: step, indices: users.map(\.userIndex), histories: users.map { Array(Set($0.trainItems)).sorted() },
                          heldOut: users.map(\.heldOutItems), rows: rows)
    }

    /// Runs the selected users' NeuMF step (in parallel; each user's result depends only on its
    /// own stream) and returns their privatized deltas with each delta's norm before privatization;
    /// kept user rows are updated in place.
    func trainNeuMF(_ users: inout NeuMFUsers, selected: [Int], global: [Float], round: UInt64, plan: TrainingPlan,
                    mechanism: GaussianMechanism?) -> [(values: [Float], norm: Double)] {
        let results = Mutex([NeuMFClientStep.Update?](repeating: nil, count: selected.count))
        let privatizer: any UpdatePrivatizer = mechanism.map {
            GaussianPrivatizer(mechanism: $0, placement: plan.placement ?? .perParty, noise: seededNoise ? .seeded(self.seed ?? 0) : .secure)
        } ?? IdentityPrivatizer()
        let next = Atomic<Int>(0)
        let seed = self.seed, snapshot = users
        DispatchQueue.concurrentPerform(iterations: min(threads, selected.count)) { _ in
            while true {
                let j = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard j < selected.count else { break }
                let k = selected[j]
                let update: NeuMFClientStep.Update
                if let seed {
                    var rng = SeededGenerator(seed: seed, stream: NeuMFClientStep.trainingStream(client: snapshot.indices[k], round: round))
                    update = snapshot.step.train(storedUserEmbedding: snapshot.rows[k], history: snapshot.histories[k], global: global,
                                                 privatizer: privatizer, using: &rng)
                } else {
                    var rng = SecureGenerator()
                    update = snapshot.step.train(storedUserEmbedding: snapshot.rows[k], history: snapshot.histories[k], global: global,
                                                 privatizer: privatizer, using: &rng)
                }
                results.withLock { $0[j] = update }
            }
        }
        let updates = results.withLock { $0 }.map { $0! }
        for (j, k) in selected.enumerated() { if let row = updates[j].userEmbedding { users.rows[k] = row } }
        return updates.map { ($0.delta, $0.normBeforePrivatization) }
    }

    /// Each user with held-out items fits its row on its history (global frozen, stream
    /// `[u, 2⁶⁴−5]` when seeded) and ranks its held-out items under each of `protocols`; the
    /// returned sums (in user order) are all that leaves the process.
    /// - Throws: `ServerError(.badResponse)` when the final model is not finite.
    func evaluateNeuMF(_ users: NeuMFUsers, global: [Float], cutoffs: [Int], protocols: [CandidateSet]) throws(ServerError) -> [RankingMetrics] {
        let scorer: NeuMFScorer
        let evaluators: [RankingEvaluator]
        do {
            scorer = try NeuMFScorer(architecture: users.step.architecture, global: global)
            evaluators = try protocols.map { try RankingEvaluator(cutoffs: cutoffs, candidates: $0) }
        } catch { throw ServerError(.badResponse, "the final NeuMF model cannot be evaluated: \(error)") }
        let evaluated = users.heldOut.indices.filter { !users.heldOut[$0].isEmpty }
        let results = Mutex([[RankingMetrics]](repeating: [], count: evaluated.count))
        let next = Atomic<Int>(0)
        let seed = self.seed
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, evaluated.count))) { _ in
            while true {
                let j = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard j < evaluated.count else { break }
                let k = evaluated[j], u = users.indices[k]
                let row: [Float]
                if let seed {
                    var rng = SeededGenerator(seed: seed, stream: NeuMFClientStep.evaluationStream(client: u))
                    row = users.step.evaluationEmbedding(storedUserEmbedding: users.rows[k], history: users.histories[k], global: global, using: &rng)
                } else {
                    var rng = SecureGenerator()
                    row = users.step.evaluationEmbedding(storedUserEmbedding: users.rows[k], history: users.histories[k], global: global, using: &rng)
                }
                let metrics = NeuMFClientStep.evaluate(scorer: scorer, embedding: row, user: u, history: users.histories[k],
                                                       heldOut: users.heldOut[k], evaluators: evaluators)
                results.withLock { $0[j] = metrics }
            }
        }
        var total = protocols.map { RankingMetrics(candidates: $0, cutoffs: cutoffs) }
        for metrics in results.withLock({ $0 }) { for p in protocols.indices { total[p] = total[p] + metrics[p] } }
        return total
    }

    /// The users' NeuMF rows by client id, as kept on disk.
    struct StoredNeuMFUserState: Codable {
        var neumfRows: [String: [Float]]
    }

    /// Writes every user's NeuMF row atomically, readable by this user only.
    func saveNeuMFUserState(_ users: NeuMFUsers, to path: String) throws(ServerError) {
        var stored = StoredNeuMFUserState(neumfRows: [:])
        for (k, user) in shard.users.enumerated() { stored.neumfRows[user.clientID] = users.rows[k] }
        let data: Data
        do { data = try JSONEncoder().encode(stored) } catch { throw ServerError(.ioFailure, "cannot encode the user state: \(error)") }
        try ServerError.bridging(AtomicFile.write([UInt8](data), to: path, permissions: 0o600))
    }

    /// The protocols a NeuMF client reports by default: the full ranking and the NCF paper's
    /// sampled protocol (``CandidateSet/ncfSampled``), as `fedrec simulate --model neumf` reports them.
    public static let defaultRankingProtocols: [CandidateSet] = [.full, .ncfSampled]
}
