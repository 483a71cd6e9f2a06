/// Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with bias
/// correction, for one flat parameter vector.
///
/// At step t with gradient g:
///
///     m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
///     m̂ = m / (1 − β₁ᵗ)              v̂ = v / (1 − β₂ᵗ)
///     θ ← θ − η · m̂ / (√v̂ + ε)
///
/// The **lazy (sparse-row) variant** for embedding tables uses ``updateRows(_:gradient:firstMoment:secondMoment:step:)``:
/// only the rows a mini-batch touched are updated, their moments decay only when touched, and
/// the bias correction uses the global step t (as TensorFlow's LazyAdam and PyTorch's
/// SparseAdam do). Untouched rows, and their moments, stay exactly as they were.
public struct AdamOptimizer: Sendable {
    /// The constants of Adam.
    public struct Hyperparameters: Sendable, Hashable, Codable {
        /// Step size η.
        public var learningRate: Float
        /// Decay rate β₁ of the first-moment estimate.
        public var beta1: Float
        /// Decay rate β₂ of the second-moment estimate.
        public var beta2: Float
        /// ε added to √v̂ for numerical stability.
        public var epsilon: Float

        /// Creates hyperparameters; the defaults are the paper's (η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸).
        public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
        }

        /// Throws ``ModelError`` when a constant is out of range.
        public func validate() throws {
            try ModelError.requireConfiguration(learningRate > 0 && learningRate.isFinite, "Adam learning rate", learningRate, "positive")
            try ModelError.requireConfiguration(beta1 >= 0 && beta1 < 1, "Adam beta1", beta1, "in [0, 1)")
            try ModelError.requireConfiguration(beta2 >= 0 && beta2 < 1, "Adam beta2", beta2, "in [0, 1)")
            try ModelError.requireConfiguration(epsilon > 0, "Adam epsilon", epsilon, "positive")
        }
    }

    /// The constants in use.
    public var hyperparameters: Hyperparameters
    /// Number of steps taken so far (t after the last step).
    public private(set) var step: Int = 0
    /// First-moment estimates m, one per parameter.
    public private(set) var firstMoment: [Float]
    /// Second-moment estimates v, one per parameter.
    public private(set) var secondMoment: [Float]

    /// Creates an optimizer for `parameterCount` parameters with zero moments.
    public init(parameterCount: Int, hyperparameters: Hyperparameters = .init()) {
        precondition(parameterCount >= 0, "AdamOptimizer: negative parameter count")
        self.hyperparameters = hyperparameters
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = [Float](repeating: 0, count: parameterCount)
    }

    /// Takes one dense step: t ← t + 1, then every parameter is updated from its gradient.
    /// - Precondition: both buffers have `parameterCount` elements.
    /// - Complexity: O(n); no allocation.
    public mutating func update(_ parameters: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>) {
        precondition(parameters.count == firstMoment.count && gradient.count == firstMoment.count,
                     "AdamOptimizer.update: expected \(firstMoment.count) parameters")
        step += 1
        let t = step, h = hyperparameters
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                Self.updateRows(parameters, gradient: gradient, firstMoment: m, secondMoment: v, step: t, hyperparameters: h)
            }
        }
    }

    /// Takes one dense step on an array.
    public mutating func update(_ parameters: inout [Float], gradient: [Float]) {
        parameters.withUnsafeMutableBufferPointer { p in gradient.withUnsafeBufferPointer { update(p, gradient: $0) } }
    }

    /// The Adam update of one contiguous run of parameters (a row of an embedding table, or
    /// a whole dense vector) at global step `step` ≥ 1, moments stored alongside.
    ///
    /// This is the lazy-Adam building block: call it for the rows a batch touched, with the
    /// batch's step number, and leave the other rows alone.
    /// - Complexity: O(n); no allocation.
    @inlinable
    public static func updateRows(
        _ parameters: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
        firstMoment m: UnsafeMutableBufferPointer<Float>, secondMoment v: UnsafeMutableBufferPointer<Float>,
        step: Int, hyperparameters h: Hyperparameters
    ) {
        precondition(step >= 1, "AdamOptimizer: step numbers start at 1")
        let corrections = Self.biasCorrections(step: step, hyperparameters: h)
        updateRows(parameters, gradient: gradient, firstMoment: m, secondMoment: v, corrections: corrections, hyperparameters: h)
    }

    /// The bias corrections (1/(1 − β₁ᵗ), 1/(1 − β₂ᵗ)) of step t, computed in double precision
    /// (1 − βᵗ loses digits in float for small t). Compute them once per step, not once per row.
    @inlinable
    public static func biasCorrections(step: Int, hyperparameters h: Hyperparameters) -> (first: Float, second: Float) {
        precondition(step >= 1, "AdamOptimizer: step numbers start at 1")
        return (Float(1 / (1 - pow(Double(h.beta1), step))), Float(1 / (1 - pow(Double(h.beta2), step))))
    }

    /// The Adam update of one contiguous run of parameters with precomputed bias `corrections`
    /// (from ``biasCorrections(step:hyperparameters:)``): the lazy-Adam inner loop.
    /// - Complexity: O(n); no allocation.
    @inlinable
    public static func updateRows(
        _ parameters: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
        firstMoment m: UnsafeMutableBufferPointer<Float>, secondMoment v: UnsafeMutableBufferPointer<Float>,
        corrections: (first: Float, second: Float), hyperparameters h: Hyperparameters
    ) {
        precondition(gradient.count >= parameters.count && m.count >= parameters.count && v.count >= parameters.count,
                     "AdamOptimizer.updateRows: buffer too small")
        guard !parameters.isEmpty else { return }
        let b1 = h.beta1, b2 = h.beta2
        let c1 = corrections.first, c2 = corrections.second
        let lr = h.learningRate, eps = h.epsilon
        let n = parameters.count
        let p = parameters.baseAddress!, g = gradient.baseAddress!, mp = m.baseAddress!, vp = v.baseAddress!
        let lrc1 = lr * c1
        var i = 0
        // Four lanes at a time (one SSE register each: the constants stay in registers); the
        // square root is taken per lane, which compiles to sqrtss.
        let vb1 = SIMD4<Float>(repeating: b1), vb2 = SIMD4<Float>(repeating: b2)
        let va1 = SIMD4<Float>(repeating: 1 - b1), va2 = SIMD4<Float>(repeating: 1 - b2)
        while i + 4 <= n {
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD4<Float>.self)
            let mv = vb1 * UnsafeRawPointer(mp + i).loadUnaligned(as: SIMD4<Float>.self) + va1 * gv
            let vv = vb2 * UnsafeRawPointer(vp + i).loadUnaligned(as: SIMD4<Float>.self) + va2 * (gv * gv)
            UnsafeMutableRawPointer(mp + i).storeBytes(of: mv, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(vp + i).storeBytes(of: vv, as: SIMD4<Float>.self)
            let s = vv * c2
            let denominator = SIMD4<Float>(s[0].squareRoot(), s[1].squareRoot(), s[2].squareRoot(), s[3].squareRoot()) + eps
            let pv = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(p + i).storeBytes(of: pv - lrc1 * mv / denominator, as: SIMD4<Float>.self)
            i += 4
        }
        while i < n {
            let gi = g[i]
            let mi = b1 * mp[i] + (1 - b1) * gi
            let vi = b2 * vp[i] + (1 - b2) * gi * gi
            mp[i] = mi
            vp[i] = vi
            p[i] -= lrc1 * mi / ((vi * c2).squareRoot() + eps)
            i += 1
        }
    }

    @usableFromInline
    static func pow(_ x: Double, _ n: Int) -> Double {
        var result = 1.0, base = x, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}
