#if canImport(Foundation)
import Foundation
#endif

/// Everything that defines an in-process federated simulation of biased MF, validated at
/// construction so that a run that cannot work is refused before any training.
///
/// Defaults were chosen by sweeps on MovieLens-100K and on the built-in ML-100K-like
/// synthetic data (`SyntheticConfig.movieLens100K`), both with a 10% per-user random holdout,
/// simulation seeds 42, 1, 2: T = 300 rounds at q = 0.1 (≈ 94 clients a round); FedAdam with
/// η = 0.01, β₁ = 0.9, β₂ = 0.99, τ = 1e-3; three local epochs of joint SGD on the user
/// embedding and the touched item rows at η_local = 0.05 with L2 0.12; ridge λ = 5 for the
/// user fit; reconstructed user state; d = 16. Held-out RMSE with `fedrec simulate --no-dp`
/// (same split as its centralized baseline, SGD d = 128): ML-100K seeds 1, 2: 0.897 and 0.907
/// against 0.888 and 0.897 centralized (+1.1%); the synthetic set, seed 1: 0.624 against 0.626.
/// (λ = 3.5, the first choice: +1.7–2.0% on ML-100K.)
///
/// What mattered: training p_u jointly in the local epochs (0.638 → 0.620 on the synthetic
/// set); FedAdam over FedAvg at equal rounds (FedAvg at η = 1: 0.668 on the synthetic set);
/// τ (1e-2 is too damped); and above all the strength of the user prior (ridge λ, L2), which
/// is data dependent: noisy ML-100K prefers λ ≈ 5–10 (0.908 at λ = 10 with a ridge-only user
/// and one local epoch), the synthetic set λ ≈ 2–3, low-noise data (σ = 0.25) λ ≈ 1. Set
/// `local.userRegularization` for such data. FedYogi matches FedAdam; persistent user state, 5 local epochs and d = 32
/// change RMSE by < 0.005.
public struct SimulationConfig: Sendable, Hashable, Codable {
    /// Number of training rounds T (≥ 1).
    public var rounds: Int
    /// How clients are picked each round (Poisson by default).
    public var sampling: ClientSampling
    /// Latent dimension d (≥ 1).
    public var dim: Int
    /// Standard deviation of the initial item factors (≥ 0).
    public var initScale: Float
    /// The initial μ; `nil` uses the midpoint of the data's rating scale, which depends on no
    /// user's data (unlike the training mean, which would leak an aggregate).
    public var initialGlobalMean: Float?
    /// The clients' local step.
    public var local: LocalTrainingConfig
    /// The server optimizer and its hyperparameters.
    public var serverOptimizer: ServerOptimizer
    /// Evaluate on the held-out clients every k rounds (0: only after the last round).
    public var evaluateEvery: Int
    /// Master seed: the initial model, the sampling and every client stream derive from it.
    public var seed: UInt64
    /// Worker threads for the clients of a round (≥ 1). Does not change the results.
    public var threads: Int
    /// Number of fixed chunks a round's participants are split into for the parallel
    /// reduction (1…4096). Part of what determines the bits of the result (threads are not);
    /// memory grows by one model-sized buffer per chunk.
    public var reductionChunks: Int

    /// Creates and validates a configuration.
    /// - Throws: ``FederationError`` naming the first option out of range.
    public init(
        rounds: Int = 300,
        sampling: ClientSampling = .poisson(rate: 0.1),
        dim: Int = 16,
        initScale: Float = 0.1,
        initialGlobalMean: Float? = nil,
        local: LocalTrainingConfig = LocalTrainingConfig(),
        serverOptimizer: ServerOptimizer = .fedAdam(learningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3),
        evaluateEvery: Int = 10,
        seed: UInt64 = 42,
        threads: Int = SimulationConfig.defaultThreads,
        reductionChunks: Int = 16
    ) throws {
        self.rounds = rounds
        self.sampling = sampling
        self.dim = dim
        self.initScale = initScale
        self.initialGlobalMean = initialGlobalMean
        self.local = local
        self.serverOptimizer = serverOptimizer
        self.evaluateEvery = evaluateEvery
        self.seed = seed
        self.threads = threads
        self.reductionChunks = reductionChunks
        try validate()
    }

    /// The number of active processors (the default for ``threads``).
    public static var defaultThreads: Int {
        #if canImport(Foundation)
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
        #else
        return 1
        #endif
    }

    /// Checks every option's range (fields are public, so a simulation re-checks them).
    /// - Throws: ``FederationError`` naming the option.
    public func validate() throws {
        if rounds < 1 {
            throw FederationError(.invalidParameter, "--rounds is \(rounds); it must be at least 1")
        }
        try sampling.validate()
        if dim < 1 {
            throw FederationError(.invalidParameter, "--dim is \(dim); the latent dimension must be at least 1")
        }
        if !(initScale >= 0) || !initScale.isFinite {
            throw FederationError(.invalidParameter, "--init-scale is \(initScale); it must be a finite number ≥ 0")
        }
        if let mu = initialGlobalMean, !mu.isFinite {
            throw FederationError(.invalidParameter, "the initial global mean is \(mu); it must be finite")
        }
        try local.validate()
        try serverOptimizer.validate()
        if evaluateEvery < 0 {
            throw FederationError(.invalidParameter, "--eval-every is \(evaluateEvery); it must be ≥ 0 (0: evaluate only at the end)")
        }
        if threads < 1 {
            throw FederationError(.invalidParameter, "--threads is \(threads); it must be at least 1")
        }
        if !(1...4096).contains(reductionChunks) {
            throw FederationError(.invalidParameter, "--reduction-chunks is \(reductionChunks); it must be in 1…4096")
        }
    }
}
