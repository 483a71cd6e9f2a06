import FedRecMath

/// One client's update Δ = local − global over the **whole** item model.
///
/// Semantically Δ is always dense (``ItemModel`` layout): which items a user touched is
/// private, so what a private client *sends* is the dense, clipped and noised vector. Inside
/// an in-process simulation a non-private update is kept **sparse** — the global-offset delta
/// plus one row `[Δb_i, Δq_i]` per touched item, all other entries exactly zero — so a round
/// costs time proportional to the ratings involved, not to clients × model size. A privacy
/// transform that adds noise calls ``makeDense()`` (or ``withDenseValues(_:)``) first.
public struct ModelUpdate: Sendable, Equatable {
    /// Number of items of the model the update applies to.
    public let itemCount: Int
    /// Latent dimension of the model the update applies to.
    public let dim: Int
    /// Whether ``values`` holds the full dense vector (true) or sparse rows (false).
    public private(set) var isDense: Bool
    /// Sparse form: the touched items, strictly increasing. Empty when dense.
    public private(set) var touchedItems: [Int32]
    /// Sparse form: Δμ. Dense form: unused (Δμ is `values[0]`).
    public private(set) var globalMeanDelta: Float
    /// Sparse form: `touchedItems.count` rows of `dim + 1` values `[Δb_i, Δq_i[0..<dim]]`.
    /// Dense form: the full vector in the ``ItemModel`` layout.
    public private(set) var values: [Float]

    /// A sparse update. `rows` holds `[Δb_i, Δq_i]` for each of `touchedItems` (strictly increasing).
    public init(itemCount: Int, dim: Int, touchedItems: [Int32], globalMeanDelta: Float, rows: [Float]) {
        precondition(rows.count == touchedItems.count * (dim + 1), "ModelUpdate: rows do not match touched items")
        self.itemCount = itemCount
        self.dim = dim
        isDense = false
        self.touchedItems = touchedItems
        self.globalMeanDelta = globalMeanDelta
        values = rows
    }

    /// A dense update in the ``ItemModel`` layout.
    public init(itemCount: Int, dim: Int, dense: [Float]) {
        precondition(dense.count == ItemModel.parameterCount(itemCount: itemCount, dim: dim),
                     "ModelUpdate: dense vector has the wrong length")
        self.itemCount = itemCount
        self.dim = dim
        isDense = true
        touchedItems = []
        globalMeanDelta = 0
        values = dense
    }

    /// The all-zero (empty sparse) update.
    public static func zero(itemCount: Int, dim: Int) -> ModelUpdate {
        ModelUpdate(itemCount: itemCount, dim: dim, touchedItems: [], globalMeanDelta: 0, rows: [])
    }

    /// Number of entries of the dense vector, 1 + I·(d + 1).
    @inlinable public var parameterCount: Int { ItemModel.parameterCount(itemCount: itemCount, dim: dim) }

    /// ‖Δ‖², accumulated in double precision. Equal for the sparse and dense forms up to
    /// summation order. - Complexity: O(stored values).
    public func squaredNorm() -> Double {
        let s = values.withUnsafeBufferPointer { Kernels.sumOfSquares($0) }
        return isDense ? s : s + Double(globalMeanDelta) * Double(globalMeanDelta)
    }

    /// ‖Δ‖₂, the L2 norm a clipping transform bounds.
    public func norm() -> Double { squaredNorm().squareRoot() }

    /// Δ ← α·Δ (clipping). Keeps the current form. - Complexity: O(stored values).
    public mutating func scale(by alpha: Float) {
        values.withUnsafeMutableBufferPointer { Kernels.scale($0, by: alpha) }
        if !isDense { globalMeanDelta *= alpha }
    }

    /// The dense vector in the ``ItemModel`` layout (a copy for a sparse update).
    public func denseVector() -> [Float] {
        if isDense { return values }
        var dense = [Float](repeating: 0, count: parameterCount)
        dense[0] = globalMeanDelta
        let d = dim, stride = d + 1, factorBase = 1 + itemCount
        for (k, item) in touchedItems.enumerated() {
            let i = Int(item)
            dense[1 + i] = values[k * stride]
            for a in 0..<d { dense[factorBase + i * d + a] = values[k * stride + 1 + a] }
        }
        return dense
    }

    /// Converts to the dense form (before adding noise). - Complexity: O(I·d) once.
    public mutating func makeDense() {
        guard !isDense else { return }
        values = denseVector()
        touchedItems = []
        globalMeanDelta = 0
        isDense = true
    }

    /// Makes the update dense and passes its values (``ItemModel`` layout) to `body` for in-place
    /// changes, e.g. adding Gaussian noise.
    public mutating func withDenseValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeDense()
        return try values.withUnsafeMutableBufferPointer { try body($0) }
    }
}

extension ModelUpdate {
    /// target ← target + Δ, with `target` a dense vector in the ``ItemModel`` layout.
    /// - Complexity: O(stored values).
    public func add(to target: UnsafeMutableBufferPointer<Float>) {
        precondition(target.count == parameterCount, "ModelUpdate.add: target has the wrong length")
        values.withUnsafeBufferPointer { v in
            if isDense {
                _add(v.baseAddress!, into: target.baseAddress!, count: v.count)
                return
            }
            let d = dim, stride = d + 1, factorBase = 1 + itemCount
            target[0] += globalMeanDelta
            for (k, item) in touchedItems.enumerated() {
                let i = Int(item)
                target[1 + i] += v[k * stride]
                _add(v.baseAddress! + k * stride + 1, into: target.baseAddress! + factorBase + i * d, count: d)
            }
        }
    }
}
