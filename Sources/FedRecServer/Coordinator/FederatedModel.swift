import FedRecFederation
import FedRecMath
import FedRecModels

/// Which model a federation trains, published in the plan (`GET /v1/plan`) so a client knows what
/// to train, and part of the setup's fingerprint.
///
/// Either way the server's model is one flat `[Float]` vector, aggregated by the same chunked,
/// ordered reduction, privacy hook, fixed denominator q·N and server optimizer; only its layout
/// and the client's step differ:
/// - ``matrixFactorization``: biased MF (``ItemModel``: μ, item biases, item factors) of dimension
///   ``FederationSetup/simulation``'s `dim`, clients running ``Client/train(model:config:workspace:using:)``
///   on explicit ratings with its `local` recipe.
/// - ``neumf(_:)``: NeuMF on implicit feedback (He et al. 2017), the global vector in the
///   ``NeuMFArchitecture`` layout, clients running ``NeuMFClientStep``.
public enum FederatedModel: Sendable, Codable, Hashable {
    /// Biased matrix factorization (shape and local recipe in the setup's `simulation`).
    case matrixFactorization
    /// NeuMF with its shape, local training and evaluation fit.
    case neumf(NeuMFPlan)

    enum CodingKeys: String, CodingKey { case kind, neumf }

    /// Encodes as `{"kind": "mf"}` or `{"kind": "neumf", "neumf": {…plan…}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .kind)
        if case .neumf(let p) = self { try c.encode(p, forKey: .neumf) }
    }

    /// Decodes `{"kind": "mf"}` or `{"kind": "neumf", "neumf": {…}}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "mf": self = .matrixFactorization
        case "neumf": self = .neumf(try c.decode(NeuMFPlan.self, forKey: .neumf))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown model kind '\(other)' (this client knows mf and neumf; update it)")
        }
    }

    /// The name the command line uses: `mf` or `neumf`.
    public var name: String {
        switch self {
        case .matrixFactorization: "mf"
        case .neumf: "neumf"
        }
    }

    /// The NeuMF plan, or nil for MF.
    public var neumfPlan: NeuMFPlan? {
        if case .neumf(let p) = self { return p }
        return nil
    }

    /// The wire layout of the model and of every update, for `itemCount` items (`dim` is MF's).
    /// - MF: `global_mean [1]`, `item_bias [I]`, `item_factors [I, d]`.
    /// - NeuMF: `item_embeddings [I, gmf + mlp/2]`, then per MLP layer l `mlp.l.weight [out, in]`
    ///   and `mlp.l.bias [out]`, then `fusion.weight [1, gmf + last]`, `fusion.bias [1]`: the
    ///   blocks of ``NeuMFArchitecture/globalSegments`` in order.
    /// - Precondition: the NeuMF configuration is valid (the setup validated it).
    public func layout(itemCount: Int, dim: Int) -> [TensorSpec] {
        switch self {
        case .matrixFactorization:
            return FederatedRoundCoordinator.layout(itemCount: itemCount, dim: dim)
        case .neumf(let plan):
            let arch = plan.architecture(itemCount: itemCount)
            var specs = [TensorSpec(name: "item_embeddings", shape: [itemCount, arch.embeddingDim])]
            for (l, layer) in arch.layers.enumerated() {
                specs.append(TensorSpec(name: "mlp.\(l + 1).weight", shape: [layer.outputCount, layer.inputCount]))
                specs.append(TensorSpec(name: "mlp.\(l + 1).bias", shape: [layer.outputCount]))
            }
            specs.append(TensorSpec(name: "fusion.weight", shape: [1, arch.fusion.inputCount]))
            specs.append(TensorSpec(name: "fusion.bias", shape: [1]))
            return specs
        }
    }
}

/// What the clients of a NeuMF federation train, and how they evaluate: the model's shape, the
/// local step, the evaluation fit, whether user rows persist, and the ranking cutoffs.
public struct NeuMFPlan: Sendable, Codable, Hashable {
    /// The model's shape (implicit objective).
    public var config: NeuMFConfig
    /// Each client's local training in a round.
    public var local: NeuMFLocalOptions
    /// How an evaluation client fits its user row, global frozen.
    public var evaluationFit: NeuMFLocalOptions
    /// True: clients keep their user rows between rounds (on their own disk).
    public var persistentUserState: Bool
    /// The K of the ranking metrics the clients report (HR@K, NDCG@K).
    public var cutoffs: [Int]

    /// Creates a plan.
    public init(config: NeuMFConfig = NeuMFConfig(), local: NeuMFLocalOptions = NeuMFLocalOptions(),
                evaluationFit: NeuMFLocalOptions = NeuMFLocalOptions(epochs: 5), persistentUserState: Bool = true,
                cutoffs: [Int] = [10]) {
        self.config = config
        self.local = local
        self.evaluationFit = evaluationFit
        self.persistentUserState = persistentUserState
        self.cutoffs = cutoffs
    }

    /// The plan of an in-process configuration (its model, local step, evaluation fit, user state, cutoffs).
    public init(_ config: NeuMFSimulationConfig) {
        self.init(config: config.model, local: config.local, evaluationFit: config.evaluationFit,
                  persistentUserState: config.persistentUserState, cutoffs: config.cutoffs)
    }

    /// The layout for `itemCount` items. - Precondition: the plan is valid.
    public func architecture(itemCount: Int) -> NeuMFArchitecture {
        do { return try NeuMFArchitecture(config: config, itemCount: itemCount) } catch {
            preconditionFailure("NeuMFPlan: invalid model configuration: \(error)")
        }
    }

    /// The client step of this plan for `itemCount` items.
    public func clientStep(itemCount: Int) -> NeuMFClientStep {
        NeuMFClientStep(architecture: architecture(itemCount: itemCount), local: local, evaluationFit: evaluationFit,
                        persistentUserState: persistentUserState)
    }

    /// Checks the shape (implicit objective), the local options and the cutoffs.
    /// - Throws: `ServerError(.badRequest)` naming what to fix.
    public func validate() throws(ServerError) {
        do {
            try config.validate()
            try local.validate()
            try evaluationFit.validate()
        } catch { throw ServerError(.badRequest, "\(error)") }
        guard config.objective == .implicit else {
            throw ServerError(.badRequest, "federated NeuMF trains the implicit objective; the model configuration asks for \(config.objective.rawValue)")
        }
        guard !cutoffs.isEmpty, cutoffs.allSatisfy({ $0 >= 1 }) else {
            throw ServerError(.badRequest, "the ranking cutoffs are \(cutoffs); give at least one, all ≥ 1 (e.g. [10])")
        }
    }
}
