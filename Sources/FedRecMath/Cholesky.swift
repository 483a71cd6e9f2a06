/// Small symmetric positive-definite linear solves by Cholesky factorisation: the ridge
/// regressions of ALS and of a client's local user-embedding fit.
public enum Cholesky {
    /// Solves A·x = b in place for a symmetric positive-definite `n`×`n` matrix `a`
    /// (row-major; only the lower triangle is read). On return `b` holds x and `a` holds
    /// the Cholesky factor L in its lower triangle.
    ///
    /// - Returns: `false` if `a` is not numerically positive definite (a pivot ≤ 0);
    ///   `b` is then unspecified.
    /// - Complexity: O(n³/3) for the factorisation, O(n²) for the solves; inner products run
    ///   four lanes wide, which matters for the (d+1)-sized ridge solves of every client. No allocation.
    @discardableResult
    public static func solve(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        // Factor: A = L·Lᵀ, L stored in the lower triangle.
        for j in 0..<n {
            let rj = a + j * n
            let d = rj[j] - dot(rj, rj, count: j)
            guard d > 0, d.isFinite else { return false }
            let ljj = d.squareRoot()
            rj[j] = ljj
            let inv = 1 / ljj
            var i = j + 1
            while i < n {
                let ri = a + i * n
                ri[j] = (ri[j] - dot(ri, rj, count: j)) * inv
                i += 1
            }
        }
        // Forward: L·y = b.
        for i in 0..<n {
            b[i] = (b[i] - dot(a + i * n, b, count: i)) / a[i * n + i]
        }
        // Backward: Lᵀ·x = y.
        var i = n - 1
        while i >= 0 {
            var s = b[i]
            var k = i + 1
            while k < n {
                s -= a[k * n + i] * b[k]
                k += 1
            }
            b[i] = s / a[i * n + i]
            i -= 1
        }
        return true
    }

    /// Solves A·x = b in place over buffers (see ``solve(_:_:n:)-pointers``).
    @discardableResult
    public static func solve(
        _ a: UnsafeMutableBufferPointer<Double>, _ b: UnsafeMutableBufferPointer<Double>, n: Int
    ) -> Bool {
        precondition(a.count >= n * n && b.count >= n, "Cholesky.solve: buffers too small for n = \(n)")
        guard n > 0 else { return true }
        return solve(a.baseAddress!, b.baseAddress!, n: n)
    }

    /// Σ aᵢ·bᵢ in double precision (four lanes, scalar tail, fixed order).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        var acc = SIMD4<Double>()
        var i = 0
        while i + 4 <= count {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<Double>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<Double>.self)
            i += 4
        }
        var s = acc.sum()
        while i < count {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// Solves A·x = b for a symmetric positive-definite matrix given as a row-major array.
    /// - Returns: x, or `nil` when `a` is not positive definite.
    public static func solve(_ a: [Double], _ b: [Double]) -> [Double]? {
        let n = b.count
        precondition(a.count == n * n, "Cholesky.solve: matrix is not \(n)×\(n)")
        var a = a
        var b = b
        let ok = a.withUnsafeMutableBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in solve(pa, pb, n: n) }
        }
        return ok ? b : nil
    }
}
