import FedRecMath

extension UpdatePrivatizer {
    /// Runs the client hook ``UpdatePrivatizer/privatizeClientUpdate(_:using:)`` on a flat dense
    /// update of any model — NeuMF's global delta — so NeuMF goes through exactly the clipping
    /// and noise of MF.
    ///
    /// The vector is viewed as a dense ``ModelUpdate`` of `count − 1` items of dimension 0
    /// (1 + I·(d + 1) = count); the privatizers treat an update as one vector (L2 norm, scale,
    /// noise on every coordinate), so the view changes nothing. A vector with a NaN or infinite
    /// entry (a diverged client) is zeroed first, so the clip bound holds for every input.
    /// - Complexity: O(count); no copy of the vector.
    public func privatizeFlatUpdate(_ values: inout [Float], using rng: inout some RandomNumberGenerator) {
        guard !values.isEmpty else { return }
        if !values.withUnsafeBufferPointer({ Kernels.allFinite($0) }) {
            for k in values.indices { values[k] = 0 }
        }
        var update = ModelUpdate(itemCount: values.count - 1, dim: 0, dense: values)
        values = []  // the update now holds the only reference: no copy on write below
        privatizeClientUpdate(&update, using: &rng)
        values = update.values
    }
}
