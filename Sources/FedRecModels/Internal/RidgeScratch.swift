import FedRecMath

/// Pointers into the model's arrays for one half-sweep. Each parallel chunk writes only its
/// own rows of `rowFactors`/`rowBias` and only reads the column side, so sharing is race-free.
struct SideBuffers: @unchecked Sendable {
    let rowFactors: UnsafeMutableBufferPointer<Float>
    let rowBias: UnsafeMutableBufferPointer<Float>
    let colFactors: UnsafeBufferPointer<Float>
    let colBias: UnsafeBufferPointer<Float>
}

/// Read-only pointers into a CSR rating view; safe to share because nothing writes to it.
struct CSRBuffers: @unchecked Sendable {
    let offsets: UnsafeBufferPointer<Int>
    let cols: UnsafeBufferPointer<Int32>
    let ratings: UnsafeBufferPointer<Float>
}

/// Per-chunk workspace of one ridge solve: four padded feature rows, the Float Gram
/// accumulator (rows padded to a multiple of 8 for SIMD), the right-hand side and the Double
/// Cholesky system.
struct RidgeScratch {
    let dim: Int
    let n: Int
    let stride: Int
    /// Four feature rows [q, 1, 0…] of `stride` floats each.
    let x: UnsafeMutablePointer<Float>
    let gram: UnsafeMutablePointer<Float>
    let rhs: UnsafeMutablePointer<Float>
    let a: UnsafeMutableBufferPointer<Double>
    let b: UnsafeMutableBufferPointer<Double>

    init(dim: Int) {
        self.dim = dim
        n = dim + 1
        stride = (n + 7) / 8 * 8
        x = .allocate(capacity: 4 * stride)
        x.initialize(repeating: 0, count: 4 * stride)
        gram = .allocate(capacity: n * stride)
        rhs = .allocate(capacity: stride)
        a = .allocate(capacity: n * n)
        b = .allocate(capacity: n)
    }

    func deallocate() {
        x.deallocate(); gram.deallocate(); rhs.deallocate(); a.deallocate(); b.deallocate()
    }

    /// Solves row `r`: accumulates Σ x xᵀ (lower triangle) and Σ t·x over its ratings, four
    /// ratings per pass so each Gram row is loaded and stored once per four rank-1 updates,
    /// adds the ridge penalties to the diagonal and writes the solution into the row's
    /// factors and bias.
    func solveRow(_ r: Int, csr: CSRBuffers, side: SideBuffers, mu: Float, config: ALSConfig) {
        let d = dim
        let start = csr.offsets[r]
        let end = csr.offsets[r + 1]
        let out = side.rowFactors.baseAddress! + r * d
        guard end > start else {
            out.update(repeating: 0, count: d)
            side.rowBias[r] = 0
            return
        }
        gram.update(repeating: 0, count: n * stride)
        rhs.update(repeating: 0, count: stride)
        let cf = side.colFactors.baseAddress!
        let x0 = x, x1 = x + stride, x2 = x + 2 * stride, x3 = x + 3 * stride
        var k = start
        while k < end {
            var t = SIMD4<Float>()
            for lane in 0..<4 {
                let row = x + lane * stride
                if k + lane < end {
                    let c = Int(csr.cols[k + lane])
                    let q = cf + c * d
                    for f in 0..<d { row[f] = q[f] }
                    row[d] = 1
                    t[lane] = csr.ratings[k + lane] - mu - side.colBias[c]
                } else {
                    row.update(repeating: 0, count: n)
                }
            }
            k += 4
            for a in 0..<n {
                let w0 = SIMD8<Float>(repeating: x0[a]), w1 = SIMD8<Float>(repeating: x1[a])
                let w2 = SIMD8<Float>(repeating: x2[a]), w3 = SIMD8<Float>(repeating: x3[a])
                let g = gram + a * stride
                var c = 0
                while c <= a {
                    var acc = UnsafeRawPointer(g + c).loadUnaligned(as: SIMD8<Float>.self)
                    acc += w0 * UnsafeRawPointer(x0 + c).loadUnaligned(as: SIMD8<Float>.self)
                    acc += w1 * UnsafeRawPointer(x1 + c).loadUnaligned(as: SIMD8<Float>.self)
                    acc += w2 * UnsafeRawPointer(x2 + c).loadUnaligned(as: SIMD8<Float>.self)
                    acc += w3 * UnsafeRawPointer(x3 + c).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(g + c).storeBytes(of: acc, as: SIMD8<Float>.self)
                    c += 8
                }
            }
            var c = 0
            while c < stride {
                var acc = UnsafeRawPointer(rhs + c).loadUnaligned(as: SIMD8<Float>.self)
                acc += SIMD8(repeating: t[0]) * UnsafeRawPointer(x0 + c).loadUnaligned(as: SIMD8<Float>.self)
                acc += SIMD8(repeating: t[1]) * UnsafeRawPointer(x1 + c).loadUnaligned(as: SIMD8<Float>.self)
                acc += SIMD8(repeating: t[2]) * UnsafeRawPointer(x2 + c).loadUnaligned(as: SIMD8<Float>.self)
                acc += SIMD8(repeating: t[3]) * UnsafeRawPointer(x3 + c).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(rhs + c).storeBytes(of: acc, as: SIMD8<Float>.self)
                c += 8
            }
        }
        let w = config.weightedRegularization ? Double(end - start) : 1
        let lf = Double(config.regularization) * w
        let lb = Double(config.biasRegularization) * w
        for i in 0..<n {
            for j in 0...i { a[i * n + j] = Double(gram[i * stride + j]) }
            a[i * n + i] += i < d ? lf : lb
            b[i] = Double(rhs[i])
        }
        guard Cholesky.solve(a, b, n: n) else { return }  // unreachable with positive penalties
        for j in 0..<d { out[j] = Float(b[j]) }
        side.rowBias[r] = Float(b[d])
    }
}
