import FedRecMath

/// The parameter layout of a NeuMF model over a fixed item catalogue, independent of how many
/// users there are: what a federation's server and clients agree on.
///
/// **User side** (stays with each client): one embedding row of ``embeddingDim`` floats,
/// `[gmf (gmfDim) ; mlp (mlpEmbeddingDim)]`.
///
/// **Global side** (the server's model, clipped, noised and averaged as one dense vector),
/// a flat `[Float]` of ``globalCount`` values in this fixed order:
///
/// 1. the item embedding table, `itemCount` rows of ``embeddingDim``: row i at
///    `i·embeddingDim`, laid out `[gmf ; mlp]` like a user row (``itemEmbeddingRange(_:)``);
/// 2. from ``denseOffset``, the **dense block**: for each MLP layer l in order, its weights
///    W_l (`out × in`, row-major) then bias b_l (``layers``; offsets relative to
///    ``denseOffset``);
/// 3. the fusion layer h (`1 × (gmfDim + last MLP width)`, the GMF part first) and its bias
///    (``fusion``; offsets relative to ``denseOffset``).
///
/// The flat vector *is* the storage, so flattening is the identity and unflattening is a length
/// check: no copies between training and aggregation.
public struct NeuMFArchitecture: Sendable, Hashable {
    /// The model's shape.
    public let config: NeuMFConfig
    /// Number of items in the catalogue.
    public let itemCount: Int
    /// The ReLU layers of the MLP tower, input first; offsets are relative to ``denseOffset``.
    public let layers: [DenseLayer]
    /// The final linear layer over [gmf ; mlp output] → logit; offset relative to ``denseOffset``.
    public let fusion: DenseLayer

    /// Creates the layout for `itemCount` items.
    /// - Throws: ``ModelError`` when the configuration is invalid or `itemCount` < 1.
    public init(config: NeuMFConfig, itemCount: Int) throws {
        try config.validate()
        try ModelError.requireConfiguration(itemCount >= 1, "itemCount", itemCount, "at least 1")
        self.config = config
        self.itemCount = itemCount
        var layers: [DenseLayer] = []
        var offset = 0
        for l in 1..<config.mlpLayers.count {
            let layer = DenseLayer(inputCount: config.mlpLayers[l - 1], outputCount: config.mlpLayers[l], offset: offset)
            layers.append(layer)
            offset = layer.end
        }
        self.layers = layers
        fusion = DenseLayer(inputCount: config.gmfDim + config.mlpLayers.last!, outputCount: 1, offset: offset)
    }

    /// Width of the GMF embeddings.
    @inlinable public var gmfDim: Int { config.gmfDim }
    /// Width of the MLP embeddings (half the MLP input).
    @inlinable public var mlpEmbeddingDim: Int { config.mlpEmbeddingDim }
    /// Width of one user or item embedding row: gmfDim + mlpEmbeddingDim.
    @inlinable public var embeddingDim: Int { config.gmfDim + config.mlpEmbeddingDim }
    /// Number of floats in the item embedding table.
    @inlinable public var itemTableCount: Int { itemCount * embeddingDim }
    /// Index of the first dense (MLP and fusion) parameter in the global vector.
    @inlinable public var denseOffset: Int { itemTableCount }
    /// Number of dense (MLP and fusion) parameters.
    @inlinable public var denseCount: Int { fusion.end }
    /// Length of the flat global parameter vector.
    @inlinable public var globalCount: Int { itemTableCount + denseCount }

    /// Where item `i`'s embedding row sits in the global vector.
    @inlinable
    public func itemEmbeddingRange(_ item: Int) -> Range<Int> {
        precondition(item >= 0 && item < itemCount, "NeuMFArchitecture: item \(item) out of range")
        return (item * embeddingDim)..<((item + 1) * embeddingDim)
    }

    /// A named run of the global vector (for documentation, wire-format descriptions and per-part diagnostics).
    public struct Segment: Sendable, Hashable {
        /// What the run holds, e.g. "item embeddings", "mlp.1.weight", "fusion.bias".
        public var name: String
        /// Where it sits in the global vector.
        public var range: Range<Int>
    }

    /// The global vector's layout as consecutive named segments that tile `0..<globalCount`:
    /// "item embeddings", then "mlp.l.weight" and "mlp.l.bias" for l = 1…L, then "fusion.weight"
    /// (GMF part first) and "fusion.bias".
    public var globalSegments: [Segment] {
        func shifted(_ r: Range<Int>) -> Range<Int> { (denseOffset + r.lowerBound)..<(denseOffset + r.upperBound) }
        var out = [Segment(name: "item embeddings", range: 0..<itemTableCount)]
        for (l, layer) in layers.enumerated() {
            out.append(Segment(name: "mlp.\(l + 1).weight", range: shifted(layer.weightRange)))
            out.append(Segment(name: "mlp.\(l + 1).bias", range: shifted(layer.biasRange)))
        }
        out.append(Segment(name: "fusion.weight", range: shifted(fusion.weightRange)))
        out.append(Segment(name: "fusion.bias", range: shifted(fusion.biasRange)))
        return out
    }

    /// Fresh global parameters: item embeddings from N(0, σ²) with σ = ``NeuMFConfig/embeddingInitStddev``
    /// (the paper: 0.01), MLP weights by He initialisation (ReLU layers), the fusion weights by
    /// Glorot initialisation, biases zero except the fusion bias, which is `outputBias`
    /// (the mean rating for explicit data, so training starts at the baseline predictor).
    public func initialGlobalParameters(outputBias: Float = 0, using rng: inout some RandomNumberGenerator) -> [Float] {
        var g = [Float](repeating: 0, count: globalCount)
        let sd = Double(config.embeddingInitStddev)
        for k in 0..<itemTableCount { g[k] = Float(Gaussian.sample(using: &rng) * sd) }
        g.withUnsafeMutableBufferPointer { all in
            let dense = UnsafeMutableBufferPointer(rebasing: all[denseOffset...])
            for layer in layers { layer.initialize(dense, scheme: .he, using: &rng) }
            fusion.initialize(dense, scheme: .glorot, using: &rng)
            dense[fusion.biasRange.lowerBound] = outputBias
        }
        return g
    }

    /// A fresh user embedding row drawn from N(0, σ²), σ = ``NeuMFConfig/embeddingInitStddev``.
    public func initialUserEmbedding(using rng: inout some RandomNumberGenerator) -> [Float] {
        let sd = Double(config.embeddingInitStddev)
        return (0..<embeddingDim).map { _ in Float(Gaussian.sample(using: &rng) * sd) }
    }

    /// Throws ``ModelError/Code/invalidInput`` unless `global` has ``globalCount``
    /// values, all finite: the check to run on a vector that arrives over the network.
    public func validateGlobal(_ global: [Float]) throws {
        guard global.count == globalCount else {
            throw ModelError(.invalidInput, "global NeuMF parameters have \(global.count) values; this architecture needs \(globalCount)")
        }
        guard global.withUnsafeBufferPointer({ Kernels.allFinite($0) }) else {
            throw ModelError(.invalidInput, "global NeuMF parameters contain NaN or infinite values")
        }
    }
}
