/// Internal dot and axpy kernels for the training loops.
///
/// `FedRecMath.Kernels` accumulates with `SIMD.addProduct`, a correctly rounded fused
/// multiply-add. Without an FMA target flag the compiler lowers it to one `fmaf` library call
/// per lane, which made an SGD epoch ~20× slower; these use a separate multiply and add,
/// which vectorises on every x86-64 and arm64 target. The accumulation order is fixed, so the
/// results are deterministic.
enum VectorOps {
    /// Σ aᵢ·bᵢ over `count` floats, 8 lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += x * y
            i += 8
        }
        // Tree reduction (3 dependent adds instead of 7): the sum is on SGD's critical path.
        let half = acc.lowHalf + acc.highHalf
        let quarter = half.lowHalf + half.highHalf
        var sum = quarter[0] + quarter[1]
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// y ← y + α·x over `count` floats.
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= count {
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv + a * xv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }
}
