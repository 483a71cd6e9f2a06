import FedRecData
import FedRecFederation
import FedRecPrivacy

/// Everything a `fedrec serve` run is defined by: the federated configuration, the model kind
/// (MF or NeuMF), the resolved privacy plan (nil for a non-private run), the model's shape and the
/// registered clients.
///
/// The setup is written to the state directory on the first start; a restart must present the same
/// ``fingerprint`` (privacy-relevant settings cannot change mid-run) or the server refuses to start.
public struct FederationSetup: Sendable, Codable, Hashable {
    /// Rounds, sampling (Poisson rate q), server optimizer, seed and reduction chunks; for MF also
    /// the model dimension, initialization and local recipe (ignored for NeuMF). `threads` and
    /// `evaluateEvery` are ignored.
    public var simulation: SimulationConfig
    /// The model kind: MF (shape in ``simulation``) or NeuMF (its ``NeuMFPlan``).
    public var model: FederatedModel
    /// The resolved privacy plan; nil for a non-private run.
    public var privacy: ResolvedPrivacy?
    /// Number of items I of the global model.
    public var itemCount: Int
    /// The rating scale (the initial μ is its midpoint unless the config gives one; clients clamp to it).
    public var scale: RatingScale
    /// The registered clients in population order: client k is user k of a simulation, and N = count.
    public var clientIDs: [String]
    /// Seconds a round stays open before it closes with the updates received so far.
    public var roundDeadlineSeconds: Double
    /// True: round t's participants come from `SeededGenerator(seed:stream: [2⁶⁴−1, t])`, exactly as
    /// the in-process ``Simulation`` draws them (reproducible, **not secret**: simulations only).
    /// False: from the system CSPRNG, so nobody can predict or recompute who was selected.
    public var seededSelection: Bool
    /// Adaptive clipping (Andrew et al. 2021): the clip bound starts at the plan's C and tracks the
    /// γ-quantile of the update norms, from the clients' unclipped bits (docs/protocol.md §5); the
    /// update noise uses z_Δ so the accounted z is unchanged. Nil (and absent from a `setup.json`
    /// written before it existed): a fixed C. Requires ``privacy``.
    public var adaptiveClipping: AdaptiveClippingSettings?

    /// Creates a setup.
    public init(simulation: SimulationConfig, model: FederatedModel = .matrixFactorization, privacy: ResolvedPrivacy?,
                itemCount: Int, scale: RatingScale, clientIDs: [String], roundDeadlineSeconds: Double = 60,
                seededSelection: Bool = false, adaptiveClipping: AdaptiveClippingSettings? = nil) {
        self.simulation = simulation
        self.model = model
        self.privacy = privacy
        self.itemCount = itemCount
        self.scale = scale
        self.clientIDs = clientIDs
        self.roundDeadlineSeconds = roundDeadlineSeconds
        self.seededSelection = seededSelection
        self.adaptiveClipping = adaptiveClipping
    }

    /// The setup of a NeuMF federation run as the in-process ``NeuMFSimulation`` with `neumf` runs:
    /// its rounds, sampling, server optimizer, seed and reduction chunks drive the server; its
    /// model, local step, evaluation fit, user state and cutoffs form the published ``NeuMFPlan``.
    /// - Throws: `ServerError(.badRequest)` if the schedule cannot be expressed (it was validated).
    public init(neumf: NeuMFSimulationConfig, privacy: ResolvedPrivacy?, itemCount: Int, scale: RatingScale = RatingScale(min: 0, max: 1),
                clientIDs: [String], roundDeadlineSeconds: Double = 60, seededSelection: Bool = false,
                adaptiveClipping: AdaptiveClippingSettings? = nil) throws(ServerError) {
        let schedule: SimulationConfig
        do {
            schedule = try SimulationConfig(rounds: neumf.rounds, sampling: neumf.sampling, serverOptimizer: neumf.serverOptimizer,
                                            evaluateEvery: 0, seed: neumf.seed, threads: 1, reductionChunks: neumf.reductionChunks)
        } catch { throw ServerError(.badRequest, "\(error)") }
        self.init(simulation: schedule, model: .neumf(NeuMFPlan(neumf)), privacy: privacy, itemCount: itemCount, scale: scale,
                  clientIDs: clientIDs, roundDeadlineSeconds: roundDeadlineSeconds, seededSelection: seededSelection,
                  adaptiveClipping: adaptiveClipping)
    }

    enum CodingKeys: String, CodingKey {
        case simulation, model, privacy, itemCount, scale, clientIDs, roundDeadlineSeconds, seededSelection, adaptiveClipping
    }

    /// Decodes a stored setup; one written before model kinds existed is MF, one written before
    /// adaptive clipping existed keeps a fixed C.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        simulation = try c.decode(SimulationConfig.self, forKey: .simulation)
        model = try c.decodeIfPresent(FederatedModel.self, forKey: .model) ?? .matrixFactorization
        privacy = try c.decodeIfPresent(ResolvedPrivacy.self, forKey: .privacy)
        itemCount = try c.decode(Int.self, forKey: .itemCount)
        scale = try c.decode(RatingScale.self, forKey: .scale)
        clientIDs = try c.decode([String].self, forKey: .clientIDs)
        roundDeadlineSeconds = try c.decode(Double.self, forKey: .roundDeadlineSeconds)
        seededSelection = try c.decode(Bool.self, forKey: .seededSelection)
        adaptiveClipping = try c.decodeIfPresent(AdaptiveClippingSettings.self, forKey: .adaptiveClipping)
    }

    /// The in-process configuration this NeuMF setup corresponds to (nil for MF), e.g. to evaluate
    /// or reproduce a served run.
    public var neumfSimulationConfig: NeuMFSimulationConfig? {
        guard case .neumf(let p) = model else { return nil }
        return try? NeuMFSimulationConfig(
            rounds: simulation.rounds, sampling: simulation.sampling, model: p.config, local: p.local, evaluationFit: p.evaluationFit,
            persistentUserState: p.persistentUserState, serverOptimizer: simulation.serverOptimizer, evaluateEvery: 0,
            cutoffs: p.cutoffs, seed: simulation.seed, threads: 1, reductionChunks: simulation.reductionChunks)
    }

    /// The model's wire layout (``FederatedModel/layout(itemCount:dim:)``).
    public var layout: [TensorSpec] { model.layout(itemCount: itemCount, dim: simulation.dim) }

    /// The length of the flat global vector (the sum of the layout's counts).
    public var parameterCount: Int { layout.reduce(0) { $0 + $1.count } }

    /// N: the number of registered clients (the population of the fixed denominator q·N).
    public var population: Int { clientIDs.count }

    /// The Poisson rate q (1 for fixed-size sampling, which only non-private runs allow).
    public var samplingRate: Double {
        if case .poisson(let q) = simulation.sampling { return q }
        return 1
    }

    /// Checks the parts against each other.
    /// - Throws: `ServerError(.badRequest)` naming what to fix.
    public func validate() throws(ServerError) {
        do { try simulation.validate() } catch { throw ServerError(.badRequest, "\(error)") }
        guard itemCount >= 1 else { throw ServerError(.badRequest, "the model needs at least one item (got \(itemCount))") }
        guard !clientIDs.isEmpty else { throw ServerError(.badRequest, "no clients are registered; create tokens with `fedrec tokens`") }
        guard Set(clientIDs).count == clientIDs.count else { throw ServerError(.badRequest, "client ids must be distinct") }
        guard roundDeadlineSeconds > 0, roundDeadlineSeconds.isFinite else {
            throw ServerError(.badRequest, "the round deadline is \(roundDeadlineSeconds) s; it must be a positive number of seconds")
        }
        if let plan = model.neumfPlan { try plan.validate() }
        if case .fixedSize = simulation.sampling {
            throw ServerError(.badRequest, "the server samples clients by Poisson coins; use --sampling-rate q instead of --clients-per-round")
        }
        if adaptiveClipping != nil {
            guard privacy != nil else { throw ServerError(.badRequest, "--adaptive-clip needs differential privacy; drop --no-dp or --adaptive-clip") }
            _ = try privatizer()
        }
    }

    /// The server's privacy seam: clip and noise as planned, or under ``adaptiveClipping`` a
    /// ``GaussianPrivatizer`` whose bound starts at `clipBound` (the plan's C when nil: a fresh
    /// run; the checkpointed C on resume) with the update noise at z_Δ — the same privatizer the
    /// in-process simulations build (``ResolvedPrivacy/privatizer(adaptive:population:startingClipBound:)``).
    /// Nil for a non-private run.
    /// - Throws: `ServerError(.badRequest)` for adaptive settings out of range or a z no z_Δ can meet.
    public func privatizer(clipBound: Double? = nil) throws(ServerError) -> GaussianPrivatizer? {
        guard let p = privacy else { return nil }
        do {
            return try p.privatizer(adaptive: adaptiveClipping, population: population, startingClipBound: clipBound)
        } catch { throw ServerError(.badRequest, "\(error)") }
    }

    /// What must not change across restarts: everything but the deadline (privacy, schedule, model
    /// kind and shape, clients, seed mode, adaptive clipping settings). `threads` and `evaluateEvery`
    /// are excluded: they change nothing. An MF setup's fingerprint is the one it had before model
    /// kinds existed, and a fixed-C setup's the one it had before adaptive clipping existed.
    public var fingerprint: String {
        var s = simulation
        s.threads = 1
        s.evaluateEvery = 0
        var z = "nodp"
        if let p = privacy {
            let m = p.mechanism
            z = "z=\(m.noiseMultiplier);C=\(m.clipBound);trust=\(m.trust);m=\(m.minimumUpdates);q=\(p.samplingRate);delta=\(p.delta);budget=\(p.epsilonBudget);noise=\(p.noise);placement=\(p.placement)"
        }
        var kind = ""
        if case .neumf(let p) = model { kind = ";model=neumf:\(p)" }
        var adaptive = ""
        if let a = adaptiveClipping {
            adaptive = ";adaptive=gamma=\(a.targetQuantile),eta=\(a.learningRate),sigma_b=\(a.countNoiseStddev.map { "\($0)" } ?? "auto")"
        }
        return "\(s);\(z);items=\(itemCount);scale=\(scale.min)..\(scale.max);clients=\(clientIDs.count):\(FNV.hash(clientIDs.joined(separator: ",")));seeded=\(seededSelection)\(kind)\(adaptive)"
    }

    /// What clients need to train: published by `GET /v1/plan`. Under adaptive clipping the noise
    /// multiplier is the update's z_Δ (what clients noise with), the clip bound is the initial C
    /// (each round's C_t comes with the check-in), and ``TrainingPlan/adaptiveClipping`` is true.
    public var trainingPlan: TrainingPlan {
        var z = privacy?.mechanism.noiseMultiplier
        if adaptiveClipping != nil, let p = try? privatizer() { z = p.mechanism.noiseMultiplier }
        var plan = TrainingPlan(itemCount: itemCount, dim: simulation.dim, local: simulation.local, scale: scale,
                                rounds: simulation.rounds, clipBound: privacy?.mechanism.clipBound,
                                noiseMultiplier: z, trust: privacy?.mechanism.trust,
                                minimumUpdates: privacy?.mechanism.minimumUpdates, placement: privacy?.placement, model: model)
        if adaptiveClipping != nil && privacy != nil, let p = try? privatizer() {
            plan.adaptiveClipping = true
            plan.countNoiseStddev = p.adaptive?.countNoiseStddev
        }
        return plan
    }
}

/// The recipe the server publishes to clients (`GET /v1/plan`, docs/protocol.md): the model kind
/// (``model``: MF, or NeuMF with its shape, local step and evaluation fit), MF's shape and local
/// training step, and the client side of the privacy mechanism (clip bound, noise
/// multiplier, trust model, m). The privacy fields are nil for a non-private run.
public struct TrainingPlan: Sendable, Codable, Hashable {
    /// Items I.
    public var itemCount: Int
    /// Latent dimension d (MF).
    public var dim: Int
    /// The clients' local step (MF).
    public var local: LocalTrainingConfig
    /// The rating scale predictions are clamped to.
    public var scale: RatingScale
    /// Planned rounds.
    public var rounds: Int
    /// C, the L2 bound of a whole update.
    public var clipBound: Double?
    /// z.
    public var noiseMultiplier: Double?
    /// Who adds noise.
    public var trust: TrustModel?
    /// m of distributed trust.
    public var minimumUpdates: Int?
    /// Per-party (real deployments) or aggregate (simulation shortcut: the server adds all noise).
    public var placement: NoisePlacement?
    /// The model kind; absent (nil) from servers that predate NeuMF, which train MF.
    public var model: FederatedModel?
    /// True when the clip bound adapts (Andrew et al. 2021): each round's C_t comes in the check-in
    /// answer (``CheckInResult/clipBound``), ``clipBound`` is only the first round's, and every
    /// update carries the client's bit 1[‖Δ‖ ≤ C_t]. Nil (absent) or false: a fixed C.
    public var adaptiveClipping: Bool?
    /// Under adaptive clipping, σ_b: the noise the server adds to the count of unclipped bits, so a
    /// client can recover the accounted z = (z_Δ⁻² + (2σ_b)⁻²)^(−1/2) its floor is checked against.
    public var countNoiseStddev: Double?

    /// Creates a plan.
    public init(itemCount: Int, dim: Int, local: LocalTrainingConfig, scale: RatingScale, rounds: Int,
                clipBound: Double?, noiseMultiplier: Double?, trust: TrustModel?, minimumUpdates: Int?, placement: NoisePlacement?,
                model: FederatedModel = .matrixFactorization) {
        self.model = model
        self.itemCount = itemCount
        self.dim = dim
        self.local = local
        self.scale = scale
        self.rounds = rounds
        self.clipBound = clipBound
        self.noiseMultiplier = noiseMultiplier
        self.trust = trust
        self.minimumUpdates = minimumUpdates
        self.placement = placement
    }

    /// The mechanism the client applies, or nil for a non-private run.
    /// - Throws: `ServerError(.badResponse)` if the published parameters are invalid.
    public func mechanism() throws(ServerError) -> GaussianMechanism? {
        guard let c = clipBound, let z = noiseMultiplier, let trust else { return nil }
        do {
            return try GaussianMechanism(noiseMultiplier: z, clipBound: c, trust: trust, minimumUpdates: minimumUpdates ?? 1)
        } catch {
            throw ServerError(.badResponse, "the server's privacy plan is invalid: \(error)")
        }
    }

    /// The mechanism the accountant composes: the published one under a fixed C; under adaptive
    /// clipping the same C with z = (z_Δ⁻² + (2σ_b)⁻²)^(−1/2), the multiplier of update and count
    /// together (Andrew et al. 2021, §3.1), below the z_Δ clients noise with.
    /// - Throws: `ServerError(.badResponse)` if the published parameters are invalid or an adaptive
    ///   plan has no σ_b.
    public func accountedMechanism() throws(ServerError) -> GaussianMechanism? {
        guard let m = try mechanism() else { return nil }
        guard adaptiveClipping == true else { return m }
        guard let sigma = countNoiseStddev, sigma > 0, sigma.isFinite else {
            throw ServerError(.badResponse, "the server adapts its clip bound but publishes no valid count noise σ_b")
        }
        let z = AdaptiveClipping.accountedNoiseMultiplier(updateMultiplier: m.noiseMultiplier, countNoiseStddev: sigma)
        do {
            return try GaussianMechanism(noiseMultiplier: z, clipBound: m.clipBound, trust: m.trust, minimumUpdates: m.minimumUpdates)
        } catch {
            throw ServerError(.badResponse, "the server's privacy plan is invalid: \(error)")
        }
    }

    /// The model kind (MF when the server did not say).
    public var modelKind: FederatedModel { model ?? .matrixFactorization }

    /// The layout of the model and of every update (``FederatedModel/layout(itemCount:dim:)``).
    public var layout: [TensorSpec] { modelKind.layout(itemCount: itemCount, dim: dim) }
}

/// FNV-1a 64, for short fingerprints.
enum FNV {
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }
}
