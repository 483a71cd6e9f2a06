/// Small dense vector kernels over contiguous float buffers: the inner loops of training,
/// clipping and aggregation.
///
/// Every kernel takes unsafe buffer pointers so callers can run them over slices of a large
/// parameter array (one row of an embedding table) without copying or allocating.
/// Reductions accumulate in a fixed order, so a given input always gives the same bits.
public enum Kernels {
    /// Σ aᵢ·bᵢ over the first `count` elements.
    /// - Precondition: both buffers hold at least `count` elements.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += x * y
            i += 8
        }
        var sum = acc.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// Σ aᵢ·bᵢ over two equally long buffers.
    @inlinable
    public static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        precondition(a.count == b.count, "dot: length mismatch")
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        return dot(pa, pb, count: a.count)
    }

    /// y ← y + α·x over the first `count` elements.
    @inlinable
    public static func axpy(
        _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
    ) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= count {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            var yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            yv += a * xv
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// y ← y + α·x over two equally long buffers.
    @inlinable
    public static func axpy(_ alpha: Float, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == y.count, "axpy: length mismatch")
        guard let px = x.baseAddress, let py = y.baseAddress else { return }
        axpy(alpha, px, py, count: x.count)
    }

    /// Σ xᵢ², accumulated in double precision so norms of 100k-element updates stay exact
    /// enough for clipping decisions.
    @inlinable
    public static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
        var acc = SIMD4<Double>()
        var i = 0
        let n = x.count
        while i + 4 <= n {
            let v = SIMD4<Double>(Double(x[i]), Double(x[i + 1]), Double(x[i + 2]), Double(x[i + 3]))
            acc += v * v
            i += 4
        }
        var sum = acc.sum()
        while i < n {
            sum += Double(x[i]) * Double(x[i])
            i += 1
        }
        return sum
    }

    /// The Euclidean (L2) norm of `x`.
    @inlinable
    public static func norm2(_ x: UnsafeBufferPointer<Float>) -> Double {
        sumOfSquares(x).squareRoot()
    }

    /// x ← α·x.
    @inlinable
    public static func scale(_ x: UnsafeMutableBufferPointer<Float>, by alpha: Float) {
        for i in x.indices { x[i] *= alpha }
    }

    /// True when every element is finite (no NaN, no ±Inf).
    @inlinable
    public static func allFinite(_ x: UnsafeBufferPointer<Float>) -> Bool {
        for v in x where !v.isFinite { return false }
        return true
    }
}
