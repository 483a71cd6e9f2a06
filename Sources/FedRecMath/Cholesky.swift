/// Small symmetric positive-definite linear solves by Cholesky factorisation: the ridge
/// regressions of ALS and of a client's local user-embedding fit.
public enum Cholesky {
    /// Solves A·x = b in place for a symmetric positive-definite `n`×`n` matrix `a`
    /// (row-major; only the lower triangle is read). On return `b` holds x and `a` holds
    /// the Cholesky factor L in its lower triangle.
    ///
    /// - Returns: `false` if `a` is not numerically positive definite (a pivot ≤ 0);
    ///   `b` is then unspecified.
    /// - Complexity: O(n³/3) for the factorisation, O(n²) for the solves. No allocation.
    @discardableResult
    public static func solve(
        _ a: UnsafeMutableBufferPointer<Double>, _ b: UnsafeMutableBufferPointer<Double>, n: Int
    ) -> Bool {
        precondition(a.count >= n * n && b.count >= n, "Cholesky.solve: buffers too small for n = \(n)")
        // Factor: A = L·Lᵀ, L stored in the lower triangle.
        for j in 0..<n {
            var d = a[j * n + j]
            for k in 0..<j { d -= a[j * n + k] * a[j * n + k] }
            guard d > 0, d.isFinite else { return false }
            let ljj = d.squareRoot()
            a[j * n + j] = ljj
            for i in (j + 1)..<max(j + 1, n) {
                var s = a[i * n + j]
                for k in 0..<j { s -= a[i * n + k] * a[j * n + k] }
                a[i * n + j] = s / ljj
            }
        }
        // Forward: L·y = b.
        for i in 0..<n {
            var s = b[i]
            for k in 0..<i { s -= a[i * n + k] * b[k] }
            b[i] = s / a[i * n + i]
        }
        // Backward: Lᵀ·x = y.
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = b[i]
            for k in (i + 1)..<max(i + 1, n) { s -= a[k * n + i] * b[k] }
            b[i] = s / a[i * n + i]
        }
        return true
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
