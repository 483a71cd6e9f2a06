import FedRecMath
import FedRecModels

/// What one federated NeuMF client computes — in a round and at evaluation — shared by the
/// in-process ``NeuMFSimulation`` and the client processes of `fedrec client`, so both produce
/// the same bits for the same seed.
///
/// **A round (``train(storedUserEmbedding:history:global:privatizer:using:)``).** The client
/// starts from its user embedding (its kept row under ``persistentUserState``, otherwise a fresh
/// draw from N(0, σ²) taken from the round's generator first), trains locally on its own
/// distinct positives with negatives it samples itself from the items it never interacted with
/// (``NeuMFArchitecture/trainLocally(userEmbedding:items:ratings:global:options:using:)``),
/// forms Δ = local − global over the whole flat global vector, and privatizes it
/// (``UpdatePrivatizer/privatizeFlatUpdate(_:using:)``: clip to ‖Δ‖₂ ≤ C, add its share of
/// noise; a non-finite Δ is zeroed first, so a diverged client never sends NaN). A client with
/// no history, or whose training fails, sends a privatized zero vector (it still joins the round:
/// its absence would reveal something).
///
/// **Streams.** With a master seed s, client c uses `SeededGenerator(seed: s, stream:)` with
/// ``trainingStream(client:round:)`` `[c, t]` in round t, ``initialUserStream(client:)``
/// `[c, 2⁶⁴−4]` for its first user row, and ``evaluationStream(client:)`` `[c, 2⁶⁴−5]` for its
/// evaluation fit; the server's streams are the ``NeuMFSimulation``'s.
public struct NeuMFClientStep: Sendable {
    /// The model layout shared by server and clients.
    public let architecture: NeuMFArchitecture
    /// The local training of a round.
    public let local: NeuMFLocalOptions
    /// How an evaluation client fits its user row with the global model frozen.
    public let evaluationFit: NeuMFLocalOptions
    /// True: the client keeps its user row between rounds (and evaluation starts from it).
    public let persistentUserState: Bool

    /// Creates the step of a federation.
    public init(architecture: NeuMFArchitecture, local: NeuMFLocalOptions, evaluationFit: NeuMFLocalOptions,
                persistentUserState: Bool) {
        self.architecture = architecture
        self.local = local
        self.evaluationFit = evaluationFit
        self.persistentUserState = persistentUserState
    }

    /// What one client's round produced.
    public struct Update: Sendable {
        /// The privatized global delta (``NeuMFArchitecture/globalCount`` values): what is sent.
        public var delta: [Float]
        /// The user row to keep, when state persists and training produced a finite row; nil
        /// otherwise (keep the old row).
        public var userEmbedding: [Float]?
        /// L2 norm of Δ before privatization (0 for a client that sent zeros).
        public var normBeforePrivatization: Double
        /// Sum of the per-example losses of the last local epoch (mean loss × examples).
        public var lossSum: Double
        /// Examples in the last local epoch.
        public var exampleCount: Int
        /// True when local training threw (no negatives possible, a non-finite loss).
        public var failed: Bool
    }

    /// Client `client`'s stream in round `round`: `[c, t]`.
    public static func trainingStream(client: Int, round: UInt64) -> [UInt64] { [UInt64(client), round] }
    /// Client `client`'s stream for its initial user row: `[c, 2⁶⁴−4]`.
    public static func initialUserStream(client: Int) -> [UInt64] { [UInt64(client), UInt64.max - 3] }
    /// Client `client`'s stream for its evaluation fit: `[c, 2⁶⁴−5]`.
    public static func evaluationStream(client: Int) -> [UInt64] { [UInt64(client), UInt64.max - 4] }

    /// Client `client`'s first user row under master seed `seed`.
    public func initialUserEmbedding(client: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed, stream: Self.initialUserStream(client: client))
        return architecture.initialUserEmbedding(using: &rng)
    }

    /// One client's round: local training from the downloaded `global`, then the delta,
    /// privatized.
    /// - Parameters:
    ///   - storedUserEmbedding: the client's kept row (read only under persistent user state).
    ///   - history: the client's distinct training items (its positives).
    ///   - global: the downloaded global vector (``NeuMFArchitecture/globalCount`` values).
    ///   - privatizer: the client side of the privacy mechanism.
    ///   - rng: the client's generator for this round (``trainingStream(client:round:)`` when seeded).
    /// - Complexity: the local training, plus O(globalCount) for the delta and its noise.
    public func train(
        storedUserEmbedding: [Float], history: [Int32], global: [Float], privatizer: some UpdatePrivatizer,
        using rng: inout some RandomNumberGenerator
    ) -> Update {
        precondition(global.count == architecture.globalCount, "NeuMFClientStep: the global vector has the wrong length")
        let user = persistentUserState ? storedUserEmbedding : architecture.initialUserEmbedding(using: &rng)
        var result = Update(delta: [], userEmbedding: nil, normBeforePrivatization: 0, lossSum: 0, exampleCount: 0, failed: false)
        if history.isEmpty {
            result.delta = [Float](repeating: 0, count: global.count)
        } else {
            do {
                let update = try architecture.trainLocally(userEmbedding: user, items: history, global: global,
                                                           options: local, using: &rng)
                result.delta = update.globalDelta
                result.lossSum = update.meanLoss * Double(update.exampleCount)
                result.exampleCount = update.exampleCount
                if persistentUserState, update.userEmbedding.allSatisfy({ $0.isFinite }) {
                    result.userEmbedding = update.userEmbedding
                }
            } catch {
                result.failed = true
                result.delta = [Float](repeating: 0, count: global.count)
            }
        }
        result.normBeforePrivatization = result.delta.withUnsafeBufferPointer { Double(Kernels.norm2($0)) }
        privatizer.privatizeFlatUpdate(&result.delta, using: &rng)
        return result
    }

    /// The user row an evaluation client ranks with: its kept row (persistent state) or a fresh
    /// draw, fitted on its training history with the global model frozen (unchanged if the fit
    /// fails or the history is empty). Nothing leaves the client.
    /// - Parameter rng: the client's evaluation generator (``evaluationStream(client:)`` when seeded).
    public func evaluationEmbedding(
        storedUserEmbedding: [Float], history: [Int32], global: [Float], using rng: inout some RandomNumberGenerator
    ) -> [Float] {
        var user = persistentUserState ? storedUserEmbedding : architecture.initialUserEmbedding(using: &rng)
        if !history.isEmpty, let fitted = try? architecture.fitUserEmbedding(
            userEmbedding: user, items: history, global: global, options: evaluationFit, using: &rng) {
            user = fitted
        }
        return user
    }

    /// Ranks one client's held-out items under each evaluator with its own user row; only these
    /// metric sums ever leave the client.
    /// - Parameters:
    ///   - user: the client's index (keys the sampled protocol's negatives).
    ///   - embedding: from ``evaluationEmbedding(storedUserEmbedding:history:global:using:)``.
    public static func evaluate(
        scorer: NeuMFScorer, embedding: [Float], user: Int, history: some Collection<Int32>,
        heldOut: some Collection<Int32>, evaluators: [RankingEvaluator]
    ) -> [RankingMetrics] {
        let local = NeuMFClientScorer(scorer: scorer, embedding: embedding)
        return evaluators.map { $0.evaluateUser(local, user: user, trainItems: history, testItems: heldOut) }
    }
}
