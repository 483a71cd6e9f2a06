/// Local SIMD kernels over **padded** rows (lengths a multiple of 8).
///
/// They use `a * b + c` rather than `addProduct`: without an FMA target feature the latter
/// lowers to one libm `fmaf` call per lane, which made the Gram matrix ten times slower.

/// Σ aᵢ·bᵢ over `count` elements, `count` a multiple of 8.
@inline(__always)
func _dot8(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i < count {
        acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    return acc.sum()
}

/// y ← y + α·x over `count` elements, `count` a multiple of 8.
@inline(__always)
func _axpy8(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let a = SIMD8<Float>(repeating: alpha)
    var i = 0
    while i < count {
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: yv + a * xv, as: SIMD8<Float>.self)
        i += 8
    }
}

/// Lower triangle of the weighted Gram matrix G = Σₖ cₖ·qₖ·qₖᵀ (cₖ = 1 when `weights` is nil) over `n` padded rows
/// `rows[k·P ..< k·P + P]` (P a multiple of 8), written to `gram` (P × P, row-major). Writes
/// the 4×8 tiles that meet the lower triangle; entries above it may hold garbage and are
/// never read.
///
/// Register-blocked for SSE (the package builds for baseline x86-64, 16 × 128-bit
/// registers): each 4-row × 8-column tile keeps eight SIMD4 accumulators in registers while
/// it streams over the rows, so it is stored once instead of once per rating.
@inline(__always)
func _weightedGram(
    rows: UnsafePointer<Float>, weights: UnsafePointer<Float>?, n: Int, stride P: Int,
    gram: UnsafeMutablePointer<Float>
) {
    if let weights {
        _gramTiles(rows: rows, n: n, stride: P, gram: gram) { k, y in y * weights[k] }
    } else {
        _gramTiles(rows: rows, n: n, stride: P, gram: gram) { _, y in y }
    }
}

@inline(__always)
private func _gramTiles(
    rows: UnsafePointer<Float>, n: Int, stride P: Int, gram: UnsafeMutablePointer<Float>,
    weigh: (Int, SIMD4<Float>) -> SIMD4<Float>
) {
    var r0 = 0
    while r0 < P {
        var c0 = 0
        while c0 <= r0 + 3 {
            var a0 = SIMD4<Float>(), a1 = SIMD4<Float>(), b0 = SIMD4<Float>(), b1 = SIMD4<Float>()
            var c0v = SIMD4<Float>(), c1v = SIMD4<Float>(), d0 = SIMD4<Float>(), d1 = SIMD4<Float>()
            var row = rows
            for k in 0..<n {
                let x0 = UnsafeRawPointer(row + c0).loadUnaligned(as: SIMD4<Float>.self)
                let x1 = UnsafeRawPointer(row + c0 + 4).loadUnaligned(as: SIMD4<Float>.self)
                let y = weigh(k, UnsafeRawPointer(row + r0).loadUnaligned(as: SIMD4<Float>.self))
                let y0 = SIMD4(repeating: y[0]), y1 = SIMD4(repeating: y[1])
                let y2 = SIMD4(repeating: y[2]), y3 = SIMD4(repeating: y[3])
                a0 += y0 * x0; a1 += y0 * x1
                b0 += y1 * x0; b1 += y1 * x1
                c0v += y2 * x0; c1v += y2 * x1
                d0 += y3 * x0; d1 += y3 * x1
                row += P
            }
            let out = gram + r0 * P + c0
            UnsafeMutableRawPointer(out).storeBytes(of: a0, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(out + 4).storeBytes(of: a1, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(out + P).storeBytes(of: b0, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(out + P + 4).storeBytes(of: b1, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(out + 2 * P).storeBytes(of: c0v, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(out + 2 * P + 4).storeBytes(of: c1v, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(out + 3 * P).storeBytes(of: d0, as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(out + 3 * P + 4).storeBytes(of: d1, as: SIMD4<Float>.self)
            c0 += 8
        }
        r0 += 4
    }
}

/// y ← y + x over `count` elements (SIMD4 body, scalar tail).
@inline(__always)
func _add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 4 <= count {
        let s = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD4<Float>.self)
            + UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: s, as: SIMD4<Float>.self)
        i += 4
    }
    while i < count {
        y[i] += x[i]
        i += 1
    }
}

/// out ← a − b over `count` elements (SIMD4 body, scalar tail).
@inline(__always)
func _subtract(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 4 <= count {
        let s = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<Float>.self)
            - UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<Float>.self)
        UnsafeMutableRawPointer(out + i).storeBytes(of: s, as: SIMD4<Float>.self)
        i += 4
    }
    while i < count {
        out[i] = a[i] - b[i]
        i += 1
    }
}
