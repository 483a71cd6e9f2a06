/// Batched dense-layer kernels: the forward and backward passes of a fully connected layer
/// applied to a whole mini-batch at once, as small matrix–matrix products.
///
/// **Layout.** A weight matrix W has `outputCount` rows and `inputCount` columns, row-major
/// (`W[o, k]` at `o * inputCount + k`), so a layer computes y = W·x + b in the usual notation.
/// A mini-batch is stored **feature-major**: X is `inputCount × batch`, row-major, one row per
/// feature and one column per example (`X[k, b]` at `k * batch + b`). With the batch as the
/// contiguous dimension every kernel streams 256-long rows through `SIMD8` accumulators, with
/// no horizontal reductions in the forward and input-gradient products, however narrow the
/// layer (the default NeuMF tower narrows to 8 units).
///
/// Every kernel works in place on caller-owned buffers, allocates nothing and accumulates in a
/// fixed order, so equal inputs give equal bits. Multiply and add are kept separate (no fused
/// multiply-add: on a baseline x86-64 build `addProduct` would become a library call per lane).
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
    static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
    }

    /// C[r, b] = init(r) + Σ_j A(r, j)·X[j, b] for r in 0..<rows, b in 0..<batch, where
    /// A(r, j) = a[r·rowStride + j·columnStride] and X is `inner × batch`. `init(r)` is
    /// `bias[r]` or 0. The shared core of the forward product (A = W) and the input-gradient
    /// product (A = Wᵀ, read through strides).
    @inline(__always)
    static func broadcastProduct(
        a: UnsafePointer<Float>, rowStride: Int, columnStride: Int, bias: UnsafePointer<Float>?,
        x: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, rows: Int, inner: Int, batch: Int
    ) {
        var r = 0
        // Tiles of two rows × 16 examples: four SIMD8 accumulators, each x chunk used twice.
        while r < rows {
            let two = r + 1 < rows
            let a0 = a + r * rowStride, a1 = two ? a0 + rowStride : a0
            let init0 = bias.map { $0[r] } ?? 0, init1 = two ? (bias.map { $0[r + 1] } ?? 0) : 0
            let c0 = c + r * batch, c1 = c0 + batch
            var b = 0
            while b + 16 <= batch {
                var s00 = SIMD8<Float>(repeating: init0), s01 = s00
                var s10 = SIMD8<Float>(repeating: init1), s11 = s10
                var xp = x + b
                for j in 0..<inner {
                    let x0 = load8(xp), x1 = load8(xp + 8)
                    let w0 = SIMD8<Float>(repeating: a0[j * columnStride])
                    let w1 = SIMD8<Float>(repeating: a1[j * columnStride])
                    s00 += w0 * x0
                    s01 += w0 * x1
                    s10 += w1 * x0
                    s11 += w1 * x1
                    xp += batch
                }
                store8(s00, c0 + b)
                store8(s01, c0 + b + 8)
                if two {
                    store8(s10, c1 + b)
                    store8(s11, c1 + b + 8)
                }
                b += 16
            }
            while b + 8 <= batch {
                var s0 = SIMD8<Float>(repeating: init0), s1 = SIMD8<Float>(repeating: init1)
                for j in 0..<inner {
                    let xv = load8(x + j * batch + b)
                    s0 += SIMD8<Float>(repeating: a0[j * columnStride]) * xv
                    s1 += SIMD8<Float>(repeating: a1[j * columnStride]) * xv
                }
                store8(s0, c0 + b)
                if two { store8(s1, c1 + b) }
                b += 8
            }
            while b < batch {
                var s0 = init0, s1 = init1
                for j in 0..<inner {
                    let xv = x[j * batch + b]
                    s0 += a0[j * columnStride] * xv
                    s1 += a1[j * columnStride] * xv
                }
                c0[b] = s0
                if two { c1[b] = s1 }
                b += 1
            }
            r += 2
        }
    }

    /// Batched affine map Y = W·X + b·1ᵀ: column b of Y is W·x_b + b for every example.
    ///
    /// - Parameters:
    ///   - input: X, `inputCount × batch` (feature-major).
    ///   - weights: W, `outputCount × inputCount`.
    ///   - bias: b, `outputCount` values.
    ///   - output: Y, `outputCount × batch`, overwritten.
    /// - Complexity: O(batch · inputCount · outputCount); no allocation.
    public static func affine(
        input: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>,
        output: UnsafeMutableBufferPointer<Float>, batch: Int, inputCount n: Int, outputCount m: Int
    ) {
        precondition(batch >= 0 && n > 0 && m > 0, "MatrixKernels.affine: invalid shape")
        precondition(input.count >= batch * n && weights.count >= m * n && bias.count >= m
                     && output.count >= batch * m, "MatrixKernels.affine: buffer too small")
        guard batch > 0 else { return }
        broadcastProduct(a: weights.baseAddress!, rowStride: n, columnStride: 1, bias: bias.baseAddress!,
                         x: input.baseAddress!, c: output.baseAddress!, rows: m, inner: n, batch: batch)
    }

    /// Batched transposed product G_X = Wᵀ·G_Y: the gradient of a loss with respect to a
    /// layer's input, given the gradient at its output.
    ///
    /// - Parameters:
    ///   - outputGradient: G_Y, `outputCount × batch`.
    ///   - weights: W, `outputCount × inputCount`.
    ///   - inputGradient: G_X, `inputCount × batch`, overwritten.
    /// - Complexity: O(batch · inputCount · outputCount); no allocation.
    public static func transposedProduct(
        outputGradient: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
        inputGradient: UnsafeMutableBufferPointer<Float>, batch: Int, inputCount n: Int, outputCount m: Int
    ) {
        precondition(batch >= 0 && n > 0 && m > 0, "MatrixKernels.transposedProduct: invalid shape")
        precondition(outputGradient.count >= batch * m && weights.count >= m * n
                     && inputGradient.count >= batch * n, "MatrixKernels.transposedProduct: buffer too small")
        guard batch > 0 else { return }
        broadcastProduct(a: weights.baseAddress!, rowStride: 1, columnStride: n, bias: nil,
                         x: outputGradient.baseAddress!, c: inputGradient.baseAddress!, rows: n, inner: m, batch: batch)
    }

    /// Accumulates the parameter gradients of a batched affine layer: G_W += G_Y·Xᵀ (the sum
    /// over the batch of the outer products g_y,b · x_bᵀ) and, when given, g_b += G_Y·1.
    ///
    /// - Parameters:
    ///   - outputGradient: G_Y, `outputCount × batch`.
    ///   - input: X, `inputCount × batch`.
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
        let body = batch & ~3
        var o = 0
        // Tiles of two outputs × four inputs: eight SIMD4 dot-product accumulators over the batch.
        while o < m {
            let two = o + 1 < m
            let g0 = g + o * batch, g1 = two ? g0 + batch : g0
            var k = 0
            while k < n {
                let kc = min(4, n - k)
                let x0 = x + k * batch
                let x1 = kc > 1 ? x0 + batch : x0, x2 = kc > 2 ? x0 + 2 * batch : x0, x3 = kc > 3 ? x0 + 3 * batch : x0
                var s00 = SIMD4<Float>(), s01 = s00, s02 = s00, s03 = s00
                var s10 = s00, s11 = s00, s12 = s00, s13 = s00
                var b = 0
                while b < body {
                    let a = load4(g0 + b), c = load4(g1 + b)
                    let v0 = load4(x0 + b), v1 = load4(x1 + b), v2 = load4(x2 + b), v3 = load4(x3 + b)
                    s00 += a * v0; s01 += a * v1; s02 += a * v2; s03 += a * v3
                    s10 += c * v0; s11 += c * v1; s12 += c * v2; s13 += c * v3
                    b += 4
                }
                var t00 = s00.sum(), t01 = s01.sum(), t02 = s02.sum(), t03 = s03.sum()
                var t10 = s10.sum(), t11 = s11.sum(), t12 = s12.sum(), t13 = s13.sum()
                while b < batch {
                    let a = g0[b], c = g1[b]
                    t00 += a * x0[b]; t01 += a * x1[b]; t02 += a * x2[b]; t03 += a * x3[b]
                    t10 += c * x0[b]; t11 += c * x1[b]; t12 += c * x2[b]; t13 += c * x3[b]
                    b += 1
                }
                let r0 = dw + o * n + k, r1 = r0 + n
                r0[0] += t00
                if kc > 1 { r0[1] += t01 }
                if kc > 2 { r0[2] += t02 }
                if kc > 3 { r0[3] += t03 }
                if two {
                    r1[0] += t10
                    if kc > 1 { r1[1] += t11 }
                    if kc > 2 { r1[2] += t12 }
                    if kc > 3 { r1[3] += t13 }
                }
                k += 4
            }
            o += 2
        }
        if let biasGradient {
            let db = biasGradient.baseAddress!
            for o in 0..<m {
                let row = g + o * batch
                var acc = SIMD4<Float>()
                var b = 0
                while b < body {
                    acc += load4(row + b)
                    b += 4
                }
                var s = acc.sum()
                while b < batch {
                    s += row[b]
                    b += 1
                }
                db[o] += s
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
