#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An in-place iterative radix-2 complex FFT (Cooley & Tukey 1965) on split real/imaginary
/// arrays, used to convolve privacy loss distributions.
///
/// Twiddle factors come from a table computed once per size with `cos`/`sin` of 2πk/n (not by
/// recurrence), so the error stays at O(ε log n) of the largest magnitude.
struct FFT {
    /// The transform length, a power of two.
    let size: Int
    private let cosTable: [Double]
    private let sinTable: [Double]

    /// Prepares a transform of length `size`.
    /// - Precondition: `size` is a power of two ≥ 1.
    init(size: Int) {
        precondition(size >= 1 && size & (size - 1) == 0, "FFT size must be a power of two")
        self.size = size
        let half = max(size / 2, 1)
        var c = [Double](repeating: 1, count: half)
        var s = [Double](repeating: 0, count: half)
        for k in 0..<half {
            let angle = 2 * Double.pi * Double(k) / Double(size)
            c[k] = cos(angle)
            s[k] = sin(angle)
        }
        cosTable = c
        sinTable = s
    }

    /// The smallest power of two ≥ `n`.
    static func length(atLeast n: Int) -> Int {
        var m = 1
        while m < n { m <<= 1 }
        return m
    }

    /// Transforms (re, im) in place: forward X_k = Σ x_j e^(−2πijk/n), or the inverse with the
    /// 1/n factor.
    /// - Complexity: O(n log n).
    func transform(re: UnsafeMutableBufferPointer<Double>, im: UnsafeMutableBufferPointer<Double>, inverse: Bool) {
        let n = size
        precondition(re.count == n && im.count == n, "FFT buffer length mismatch")
        if n == 1 { return }
        // Bit-reversal permutation.
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 {
                j ^= bit
                bit >>= 1
            }
            j |= bit
            if i < j {
                re.swapAt(i, j)
                im.swapAt(i, j)
            }
        }
        let sign: Double = inverse ? 1 : -1
        cosTable.withUnsafeBufferPointer { cosT in
            sinTable.withUnsafeBufferPointer { sinT in
                var length = 2
                while length <= n {
                    let half = length / 2
                    let stride = n / length
                    var start = 0
                    while start < n {
                        var k = 0
                        for offset in 0..<half {
                            let wr = cosT[k]
                            let wi = sign * sinT[k]
                            let a = start + offset
                            let b = a + half
                            let xr = re[b] * wr - im[b] * wi
                            let xi = re[b] * wi + im[b] * wr
                            re[b] = re[a] - xr
                            im[b] = im[a] - xi
                            re[a] += xr
                            im[a] += xi
                            k += stride
                        }
                        start += length
                    }
                    length <<= 1
                }
            }
        }
        if inverse {
            let scale = 1 / Double(n)
            for i in 0..<n {
                re[i] *= scale
                im[i] *= scale
            }
        }
    }
}
