import FedRecMath
import FedRecModels

/// The global model the server owns for biased matrix factorisation: the **item side**
/// (global offset μ, item biases b_i, item factors q_i) of r̂(u, i) = μ + b_u + b_i + p_u·q_i.
/// User factors p_u and biases b_u never leave the clients.
///
/// Stored as one dense parameter vector with a fixed layout, which is also the layout of a
/// dense update, of the aggregate, of the server optimizer's state and of the wire format:
///
/// | range                                   | meaning                                  |
/// |-----------------------------------------|------------------------------------------|
/// | `[0]`                                   | μ, the global offset                     |
/// | `[1 ..< 1 + I]`                         | b_i, item bias of item i at `1 + i`      |
/// | `[1 + I ..< 1 + I + I·d]`               | q_i, row-major: item i at `1 + I + i·d`  |
///
/// with I = `itemCount`, d = `dim`; `parameterCount` = 1 + I·(d + 1).
public struct ItemModel: Sendable, Hashable, Codable {
    /// Number of items I.
    public let itemCount: Int
    /// Latent dimension d.
    public let dim: Int
    /// All parameters in the documented layout (``ItemModel``).
    public var parameters: [Float]

    /// Number of parameters of an item model with these sizes: 1 + I·(d + 1).
    @inlinable
    public static func parameterCount(itemCount: Int, dim: Int) -> Int { 1 + itemCount * (dim + 1) }

    /// Number of parameters, 1 + I·(d + 1).
    @inlinable public var parameterCount: Int { parameters.count }
    /// Index of b_0 in ``parameters``.
    @inlinable public var biasOffset: Int { 1 }
    /// Index of q_0[0] in ``parameters``.
    @inlinable public var factorOffset: Int { 1 + itemCount }

    /// Creates a model with biases at zero, μ = `globalMean` and factors drawn from N(0, initScale²).
    public init(
        itemCount: Int, dim: Int, globalMean: Float, initScale: Float,
        using rng: inout some RandomNumberGenerator
    ) {
        precondition(itemCount >= 0 && dim > 0, "ItemModel: invalid shape \(itemCount)×\(dim)")
        self.itemCount = itemCount
        self.dim = dim
        var p = [Float](repeating: 0, count: Self.parameterCount(itemCount: itemCount, dim: dim))
        p[0] = globalMean
        for k in (1 + itemCount)..<p.count { p[k] = Float(Gaussian.sample(using: &rng)) * initScale }
        parameters = p
    }

    /// Creates a model from its three parts; `itemFactors` is row-major `itemBias.count × dim`.
    public init(globalMean: Float, itemBias: [Float], itemFactors: [Float], dim: Int) {
        precondition(dim > 0 && itemFactors.count == itemBias.count * dim, "ItemModel: factor shape mismatch")
        itemCount = itemBias.count
        self.dim = dim
        parameters = [globalMean] + itemBias + itemFactors
    }

    /// Rebuilds a model from its flattened parameter vector (inverse of ``flattened``).
    /// - Precondition: `flattened.count == 1 + itemCount·(dim + 1)`.
    public init(flattened: [Float], itemCount: Int, dim: Int) {
        precondition(dim > 0 && flattened.count == Self.parameterCount(itemCount: itemCount, dim: dim),
                     "ItemModel: flattened vector has \(flattened.count) values, expected 1 + \(itemCount)·(\(dim) + 1)")
        self.itemCount = itemCount
        self.dim = dim
        parameters = flattened
    }

    /// The item side of a centralized model (to start federated training from it, or compare).
    public init(_ mf: BiasedMF) {
        self.init(globalMean: mf.globalMean, itemBias: mf.itemBias, itemFactors: mf.itemFactors, dim: mf.dim)
    }

    /// The dense parameter vector in the documented layout. O(1): shares storage.
    @inlinable public var flattened: [Float] { parameters }

    /// The global offset μ.
    @inlinable public var globalMean: Float {
        get { parameters[0] }
        set { parameters[0] = newValue }
    }

    /// A copy of the item biases b_i. O(I).
    public var itemBias: [Float] { Array(parameters[1..<(1 + itemCount)]) }

    /// A copy of the item factors, row-major I × d. O(I·d).
    public var itemFactors: [Float] { Array(parameters[(1 + itemCount)...]) }

    /// The bias b_i of item `i`.
    @inlinable public func bias(of i: Int) -> Float { parameters[1 + i] }

    /// The index range of q_i in ``parameters``.
    @inlinable public func factorRange(of i: Int) -> Range<Int> {
        let start = 1 + itemCount + i * dim
        return start..<(start + dim)
    }
}
