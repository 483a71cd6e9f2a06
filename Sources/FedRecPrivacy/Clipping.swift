import FedRecMath

/// L2 clipping of a client's whole update (all global parameters together), the step that bounds
/// one user's influence to the sensitivity C of the Gaussian mechanism (Abadi et al. 2016;
/// McMahan et al., "Learning Differentially Private Recurrent Language Models", 2018).
public enum Clipping {
    /// The scale factor safety margin: clipped updates are scaled by C/‖Δ‖·(1 − 2⁻²⁰) so that
    /// the rounding of the `Float` elements can never leave the norm above C.
    @usableFromInline static let margin = 1 - 0x1.0p-20

    /// Clips `update` in place to L2 norm at most `bound` and returns the norm before clipping.
    ///
    /// Updates already within the bound are left untouched; longer ones are scaled down
    /// (direction preserved); an update containing NaN or ±∞ is zeroed (its returned norm is not
    /// finite, so callers can log or reject it). The norm is accumulated in double precision.
    /// - Precondition: `bound` is positive and finite.
    /// - Complexity: O(n), one pass to measure and one to scale.
    @discardableResult
    public static func clipL2(_ update: UnsafeMutableBufferPointer<Float>, to bound: Double) -> Double {
        precondition(bound > 0 && bound.isFinite, "clip bound must be positive and finite")
        let norm = Kernels.norm2(UnsafeBufferPointer(update))
        if !norm.isFinite {
            // NaN or ∞ anywhere: no scaling can bound it, so the update is dropped (zeroed). The
            // sensitivity bound must hold for every input, including broken ones.
            update.update(repeating: 0)
            return norm
        }
        if let factor = scaleFactor(norm: norm, bound: bound) {
            Kernels.scale(update, by: factor)
        }
        return norm
    }

    /// The factor every clip in FedRec scales by: C/‖Δ‖·(1 − 2⁻²⁰) as a `Float` when ‖Δ‖ > C, or nil
    /// when the update is already within the bound. The margin absorbs the rounding of the factor and
    /// of each scaled element (≤ 2⁻²⁴ relative each), so the scaled update's norm is ≤ C.
    /// - Precondition: `norm` is finite and `bound` is positive and finite.
    @inlinable
    public static func scaleFactor(norm: Double, bound: Double) -> Float? {
        norm > bound ? Float(bound / norm * margin) : nil
    }

    /// Clips `update` in place to L2 norm at most `bound` and returns the norm before clipping.
    /// - Precondition: `bound` is positive and finite.
    @discardableResult
    public static func clipL2(_ update: inout [Float], to bound: Double) -> Double {
        update.withUnsafeMutableBufferPointer { clipL2($0, to: bound) }
    }
}
