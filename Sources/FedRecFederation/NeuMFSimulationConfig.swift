import FedRecModels

/// Everything that defines an in-process federated simulation of NeuMF on implicit feedback
/// (``NeuMFSimulation``), validated before any training.
///
/// The global model is NeuMF's flat global vector (item embeddings of both branches, MLP
/// weights, fusion layer: ``NeuMFArchitecture``); each client's user embedding row stays on
/// the client. Defaults: q = 0.1, FedAvg at server η = 1 (the plain average of the client
/// deltas, McMahan et al. 2017), local training as ``NeuMFLocalOptions``' defaults (2 Adam
/// epochs at 0.01, 4 negatives per positive), persistent user state, evaluation that fits a
/// held-out client's user row for 5 epochs on its training history.
public struct NeuMFSimulationConfig: Sendable, Hashable, Codable {
    /// Number of training rounds T (≥ 1).
    public var rounds: Int
    /// How clients are picked each round (Poisson for private runs).
    public var sampling: ClientSampling
    /// The model's shape (must use the implicit objective).
    public var model: NeuMFConfig
    /// Each client's local training in a round.
    public var local: NeuMFLocalOptions
    /// How an evaluation client fits its user embedding from its training history, global frozen
    /// (all its epochs update the user row only).
    public var evaluationFit: NeuMFLocalOptions
    /// True: a client keeps its user embedding between the rounds it joins (and evaluation
    /// starts from it). False: it reconstructs the row from a fresh draw each time, running
    /// ``NeuMFLocalOptions/userOnlyEpochs`` first (set them ≥ 1), so nothing persists on the client.
    public var persistentUserState: Bool
    /// The server optimizer, over the flat global vector.
    public var serverOptimizer: ServerOptimizer
    /// Evaluate every k rounds (0: only after the last round).
    public var evaluateEvery: Int
    /// The cutoffs K of the ranking metrics (HR@K, NDCG@K, …).
    public var cutoffs: [Int]
    /// Master seed: the initial model, the sampling and every client stream derive from it.
    public var seed: UInt64
    /// Worker threads (≥ 1); does not change the results.
    public var threads: Int
    /// Fixed chunks of a round's participants for the deterministic parallel reduction
    /// (1…4096); memory grows by one global-sized buffer per chunk.
    public var reductionChunks: Int

    /// Creates and validates a configuration.
    /// - Throws: ``FederationError`` (or `ModelError` for the model and local options)
    ///   naming the first option out of range.
    public init(
        rounds: Int = 100,
        sampling: ClientSampling = .poisson(rate: 0.1),
        model: NeuMFConfig = NeuMFConfig(),
        local: NeuMFLocalOptions = NeuMFLocalOptions(),
        evaluationFit: NeuMFLocalOptions = NeuMFLocalOptions(epochs: 5),
        persistentUserState: Bool = true,
        serverOptimizer: ServerOptimizer = .fedAvg(learningRate: 1),
        evaluateEvery: Int = 0,
        cutoffs: [Int] = [10],
        seed: UInt64 = 42,
        threads: Int = SimulationConfig.defaultThreads,
        reductionChunks: Int = 16
    ) throws {
        self.rounds = rounds
        self.sampling = sampling
        self.model = model
        self.local = local
        self.evaluationFit = evaluationFit
        self.persistentUserState = persistentUserState
        self.serverOptimizer = serverOptimizer
        self.evaluateEvery = evaluateEvery
        self.cutoffs = cutoffs
        self.seed = seed
        self.threads = threads
        self.reductionChunks = reductionChunks
        try validate()
    }

    /// Checks every option's range.
    /// - Throws: ``FederationError`` naming the option, or `ModelError` for the model and
    ///   local-training options.
    public func validate() throws {
        if rounds < 1 {
            throw FederationError(.invalidParameter, "--rounds is \(rounds); it must be at least 1")
        }
        try sampling.validate()
        try model.validate()
        if model.objective != .implicit {
            throw FederationError(.invalidParameter, "the federated NeuMF simulation trains the implicit objective (sigmoid + cross-entropy); the model configuration asks for \(model.objective.rawValue)")
        }
        try local.validate()
        try evaluationFit.validate()
        try serverOptimizer.validate()
        if evaluateEvery < 0 {
            throw FederationError(.invalidParameter, "--eval-every is \(evaluateEvery); it must be ≥ 0 (0: evaluate only at the end)")
        }
        if cutoffs.isEmpty || cutoffs.contains(where: { $0 < 1 }) {
            throw FederationError(.invalidParameter, "the ranking cutoffs are \(cutoffs); give at least one, all ≥ 1 (e.g. [10])")
        }
        if threads < 1 {
            throw FederationError(.invalidParameter, "--threads is \(threads); it must be at least 1")
        }
        if !(1...4096).contains(reductionChunks) {
            throw FederationError(.invalidParameter, "--reduction-chunks is \(reductionChunks); it must be in 1…4096")
        }
    }
}
