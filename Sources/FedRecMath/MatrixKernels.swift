/// Batched dense-layer kernels over row-major float matrices: the forward and backward passes
/// of a fully connected layer applied to a whole mini-batch at once.
///
/// Conventions: a weight matrix W has `outputCount` rows and `inputCount` columns, stored
/// row-major (`W[o, k]` at `o * inputCount + k`), so a layer computes y = W·x + b as in the
/// usual notation. A batch of vectors is a row-major matrix with one vector per row
/// (`X[b, k]` at `b * inputCount + k`).
///
/// Every kernel works in place on caller-owned buffers, allocates nothing and accumulates in a
/// fixed order, so equal inputs give equal bits. The inner loops run over `SIMD8<Float>` with
/// separate multiply and add (no fused multiply-add: on a baseline x86-64 build `addProduct`
/// would become a library call per lane), with register tiles chosen so each loaded weight or
/// input chunk feeds several accumulators.
public enum MatrixKernels {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var k = 0
        while k + 8 <= n {
            acc += load8(a + k) * load8(b + k)
            k += 8
        }
        var s = acc.sum()
        while k < n {
            s += a[k] * b[k]
            k += 1
        }
        return s
    }

    /// Batched affine map Y = X·Wᵀ + 1·bᵀ: for every row b of the batch, y_b = W·x_b + bias.
    ///
    /// - Parameters:
    ///   - input: X, `batch × inputCount`.
    ///   - weights: W, `outputCount × inputCount`.
    ///   - bias: b, `outputCount` values.
    ///   - output: Y, `batch × outputCount`, overwritten.
    /// - Complexity: O(batch · inputCount · outputCount); no allocation.
    public static func affine(
        input: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>,
        output: UnsafeMutableBufferPointer<Float>, batch: Int, inputCount n: Int, outputCount m: Int
    ) {
        precondition(batch >= 0 && n > 0 && m > 0, "MatrixKernels.affine: invalid shape")
        precondition(input.count >= batch * n && weights.count >= m * n && bias.count >= m
                     && output.count >= batch * m, "MatrixKernels.affine: buffer too small")
        guard batch > 0 else { return }
        let x = input.baseAddress!, w = weights.baseAddress!, bp = bias.baseAddress!, y = output.baseAddress!
        for b in 0..<batch {
            let xb = x + b * n
            let yb = y + b * m
            var o = 0
            // Tile of four outputs: each input chunk is loaded once for four weight rows.
            while o + 4 <= m {
                let w0 = w + o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                var k = 0
                while k + 8 <= n {
                    let xv = load8(xb + k)
                    a0 += xv * load8(w0 + k)
                    a1 += xv * load8(w1 + k)
                    a2 += xv * load8(w2 + k)
                    a3 += xv * load8(w3 + k)
                    k += 8
                }
                var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
                while k < n {
                    let xv = xb[k]
                    s0 += xv * w0[k]
                    s1 += xv * w1[k]
                    s2 += xv * w2[k]
                    s3 += xv * w3[k]
                    k += 1
                }
                yb[o] = s0 + bp[o]
                yb[o + 1] = s1 + bp[o + 1]
                yb[o + 2] = s2 + bp[o + 2]
                yb[o + 3] = s3 + bp[o + 3]
                o += 4
            }
            while o < m {
                yb[o] = dot(xb, w + o * n, n) + bp[o]
                o += 1
            }
        }
    }

    /// Batched transposed product G_x = G_y·W: for every row b, g_x,b = Wᵀ·g_y,b — the gradient
    /// of a layer's loss with respect to its input, given the gradient at its output.
    ///
    /// - Parameters:
    ///   - outputGradient: G_y, `batch × outputCount`.
    ///   - weights: W, `outputCount × inputCount`.
    ///   - inputGradient: G_x, `batch × inputCount`, overwritten.
    /// - Complexity: O(batch · inputCount · outputCount); no allocation.
    public static func transposedProduct(
        outputGradient: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
        inputGradient: UnsafeMutableBufferPointer<Float>, batch: Int, inputCount n: Int, outputCount m: Int
    ) {
        precondition(batch >= 0 && n > 0 && m > 0, "MatrixKernels.transposedProduct: invalid shape")
        precondition(outputGradient.count >= batch * m && weights.count >= m * n
                     && inputGradient.count >= batch * n, "MatrixKernels.transposedProduct: buffer too small")
        guard batch > 0 else { return }
        let g = outputGradient.baseAddress!, w = weights.baseAddress!, dx = inputGradient.baseAddress!
        for b in 0..<batch {
            let gb = g + b * m
            let xb = dx + b * n
            var k = 0
            // A 32-wide strip of the input gradient stays in registers across all outputs.
            while k + 32 <= n {
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                for o in 0..<m {
                    let s = SIMD8<Float>(repeating: gb[o])
                    let wr = w + o * n + k
                    a0 += s * load8(wr)
                    a1 += s * load8(wr + 8)
                    a2 += s * load8(wr + 16)
                    a3 += s * load8(wr + 24)
                }
                store8(a0, xb + k)
                store8(a1, xb + k + 8)
                store8(a2, xb + k + 16)
                store8(a3, xb + k + 24)
                k += 32
            }
            while k + 8 <= n {
                var a0 = SIMD8<Float>()
                for o in 0..<m { a0 += SIMD8<Float>(repeating: gb[o]) * load8(w + o * n + k) }
                store8(a0, xb + k)
                k += 8
            }
            while k < n {
                var s: Float = 0
                for o in 0..<m { s += gb[o] * w[o * n + k] }
                xb[k] = s
                k += 1
            }
        }
    }

    /// Accumulates the parameter gradients of a batched affine layer:
    /// G_W += G_yᵀ·X (a sum of outer products g_y,b · x_bᵀ over the batch) and, when given,
    /// g_b += Σ_b g_y,b.
    ///
    /// - Parameters:
    ///   - outputGradient: G_y, `batch × outputCount`.
    ///   - input: X, `batch × inputCount`.
    ///   - weightGradient: G_W, `outputCount × inputCount`, added to.
    ///   - biasGradient: g_b, `outputCount` values, added to; `nil` to skip.
    /// - Complexity: O(batch · inputCount · outputCount); no allocation.
    public static func accumulateOuterProducts(
        outputGradient: UnsafeBufferPointer<Float>, input: UnsafeBufferPointer<Float>,
        weightGradient: UnsafeMutableBufferPointer<Float>, biasGradient: UnsafeMutableBufferPointer<Float>?,
        batch: Int, inputCount n: Int, outputCount m: Int
    ) {
        precondition(batch >= 0 && n > 0 && m > 0, "MatrixKernels.accumulateOuterProducts: invalid shape")
        precondition(outputGradient.count >= batch * m && input.count >= batch * n && weightGradient.count >= m * n
                     && (biasGradient?.count ?? m) >= m, "MatrixKernels.accumulateOuterProducts: buffer too small")
        guard batch > 0 else { return }
        let g = outputGradient.baseAddress!, x = input.baseAddress!, dw = weightGradient.baseAddress!
        // Batch rows in blocks so the block of X stays in the L1 cache across all outputs.
        let block = max(1, 4096 / n)
        var b0 = 0
        while b0 < batch {
            let b1 = min(batch, b0 + block)
            var o = 0
            // Tile of two weight rows × 16 columns: each input chunk feeds two accumulators.
            while o + 2 <= m {
                let r0 = dw + o * n, r1 = r0 + n
                var k = 0
                while k + 16 <= n {
                    var a0 = load8(r0 + k), a1 = load8(r0 + k + 8)
                    var c0 = load8(r1 + k), c1 = load8(r1 + k + 8)
                    for b in b0..<b1 {
                        let s = SIMD8<Float>(repeating: g[b * m + o])
                        let t = SIMD8<Float>(repeating: g[b * m + o + 1])
                        let xr = x + b * n + k
                        let x0 = load8(xr), x1 = load8(xr + 8)
                        a0 += s * x0
                        a1 += s * x1
                        c0 += t * x0
                        c1 += t * x1
                    }
                    store8(a0, r0 + k)
                    store8(a1, r0 + k + 8)
                    store8(c0, r1 + k)
                    store8(c1, r1 + k + 8)
                    k += 16
                }
                while k < n {
                    var s0 = r0[k], s1 = r1[k]
                    for b in b0..<b1 {
                        let xv = x[b * n + k]
                        s0 += g[b * m + o] * xv
                        s1 += g[b * m + o + 1] * xv
                    }
                    r0[k] = s0
                    r1[k] = s1
                    k += 1
                }
                o += 2
            }
            if o < m {
                let r0 = dw + o * n
                var k = 0
                while k + 8 <= n {
                    var a0 = load8(r0 + k)
                    for b in b0..<b1 { a0 += SIMD8<Float>(repeating: g[b * m + o]) * load8(x + b * n + k) }
                    store8(a0, r0 + k)
                    k += 8
                }
                while k < n {
                    var s0 = r0[k]
                    for b in b0..<b1 { s0 += g[b * m + o] * x[b * n + k] }
                    r0[k] = s0
                    k += 1
                }
            }
            b0 = b1
        }
        if let biasGradient {
            let db = biasGradient.baseAddress!
            for b in 0..<batch {
                let gb = g + b * m
                for o in 0..<m { db[o] += gb[o] }
            }
        }
    }

    /// Rectified linear unit in place: xᵢ ← max(xᵢ, 0).
    /// - Complexity: O(n); no allocation.
    public static func relu(_ x: UnsafeMutableBufferPointer<Float>) {
        guard let p = x.baseAddress else { return }
        let n = x.count
        var i = 0
        let zero = SIMD8<Float>()
        while i + 8 <= n {
            var v = load8(p + i)
            v.replace(with: zero, where: v .< zero)
            store8(v, p + i)
            i += 8
        }
        while i < n {
            p[i] = max(p[i], 0)
            i += 1
        }
    }

    /// Backward pass of the ReLU in place: gᵢ ← gᵢ where the unit was active (aᵢ > 0), else 0.
    /// `activations` may be the ReLU's output or its input: both are positive exactly where
    /// the unit is active. At aᵢ = 0 the subgradient 0 is used.
    /// - Complexity: O(n); no allocation.
    public static func reluBackward(activations: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>) {
        precondition(activations.count >= gradient.count, "MatrixKernels.reluBackward: buffer too small")
        guard let g = gradient.baseAddress, let a = activations.baseAddress else { return }
        let n = gradient.count
        var i = 0
        let zero = SIMD8<Float>()
        while i + 8 <= n {
            var gv = load8(g + i)
            gv.replace(with: zero, where: .!(load8(a + i) .> zero))
            store8(gv, g + i)
            i += 8
        }
        while i < n {
            if !(a[i] > 0) { g[i] = 0 }
            i += 1
        }
    }
}
