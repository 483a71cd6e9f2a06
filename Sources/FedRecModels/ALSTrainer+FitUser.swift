import FedRecMath

extension ALSTrainer {
    /// Fits one user's [p_u, b_u] by the same ridge regression as ``solveUsers(_:ratings:)``
    /// with the item side of `model` (μ, b_i, q_i) fixed: what a federated client does with
    /// its own history before training or evaluating, without the server seeing the ratings.
    ///
    /// - Parameters:
    ///   - items: the user's rated items (indices into `model`'s items).
    ///   - ratings: the ratings, parallel to `items`.
    ///   - model: supplies the item side; only `itemCount`, `dim`, μ, b_i and q_i are read.
    /// - Returns: the user factors (`model.dim` floats) and bias; zeros for an empty history.
    /// - Precondition: `items.count == ratings.count`, indices in range, `model.dim == config.dim`.
    /// - Complexity: O(n·(dim+1)²/2 + (dim+1)³/3); allocates its scratch once per call.
    public func fitUser(items: [Int32], ratings: [Float], model: BiasedMF) -> (factors: [Float], bias: Float) {
        precondition(items.count == ratings.count, "ALSTrainer.fitUser: items and ratings differ in length")
        precondition(model.dim == config.dim, "ALSTrainer.fitUser: model dim \(model.dim) ≠ config dim \(config.dim)")
        precondition(items.allSatisfy { $0 >= 0 && Int($0) < model.itemCount }, "ALSTrainer.fitUser: item index out of range")
        let d = model.dim
        var factors = [Float](repeating: 0, count: d)
        var bias: [Float] = [0]
        let offsets = [0, items.count]
        let scratch = RidgeScratch(dim: d)
        defer { scratch.deallocate() }
        offsets.withUnsafeBufferPointer { off in
        items.withUnsafeBufferPointer { cols in
        ratings.withUnsafeBufferPointer { rs in
        factors.withUnsafeMutableBufferPointer { pf in
        bias.withUnsafeMutableBufferPointer { bu in
        model.itemFactors.withUnsafeBufferPointer { qf in
        model.itemBias.withUnsafeBufferPointer { bi in
            scratch.solveRow(0, csr: CSRBuffers(offsets: off, cols: cols, ratings: rs),
                             side: SideBuffers(rowFactors: pf, rowBias: bu, colFactors: qf, colBias: bi),
                             mu: model.globalMean, config: config)
        }}}}}}}
        return (factors, bias[0])
    }
}
