#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A radix-2 complex FFT (Cooley & Tukey 1965) on split real/imaginary arrays, used to convolve
/// privacy loss distributions.
///
/// Convolution only needs forward transform → pointwise product → inverse transform, so the forward
/// transform is decimation-in-frequency with its output left in bit-reversed order and the inverse is
/// decimation-in-time taking bit-reversed input: no bit-reversal permutation at all. Both recurse
/// depth-first until a block fits in cache (then finish it iteratively), so a 2²³-point transform
/// streams through memory a few times instead of 23 times. Twiddle factors come from a table of
/// `cos`/`sin` of 2πk/n (not a recurrence), so the error stays at O(ε log n) of the largest magnitude.
struct FFT {
    /// The transform length, a power of two.
    let size: Int
    private let cosTable: [Double]
    private let sinTable: [Double]
    /// Blocks of at most this many points are transformed iteratively (they fit in L2 cache).
    private static let blockSize = 2048

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

    /// Forward transform X_k = Σ x_j e^(−2πijk/n) in place; the output is in **bit-reversed** order.
    /// - Complexity: O(n log n).
    func forward(re: UnsafeMutableBufferPointer<Double>, im: UnsafeMutableBufferPointer<Double>) {
        precondition(re.count == size && im.count == size, "FFT buffer length mismatch")
        cosTable.withUnsafeBufferPointer { c in
            sinTable.withUnsafeBufferPointer { s in
                forwardDIF(re.baseAddress!, im.baseAddress!, count: size, c.baseAddress!, s.baseAddress!)
            }
        }
    }

    /// Inverse transform (with the 1/n factor) in place, from **bit-reversed** input (as ``forward(re:im:)``
    /// leaves it) to natural order.
    /// - Complexity: O(n log n).
    func inverse(re: UnsafeMutableBufferPointer<Double>, im: UnsafeMutableBufferPointer<Double>) {
        precondition(re.count == size && im.count == size, "FFT buffer length mismatch")
        cosTable.withUnsafeBufferPointer { c in
            sinTable.withUnsafeBufferPointer { s in
                inverseDIT(re.baseAddress!, im.baseAddress!, count: size, c.baseAddress!, s.baseAddress!)
            }
        }
        let scale = 1 / Double(size)
        for i in 0..<size {
            re[i] *= scale
            im[i] *= scale
        }
    }

    /// One decimation-in-frequency stage over a span of `n` points at `re`, `im` (four butterflies at
    /// a time in SIMD registers).
    @inline(__always)
    private func difStage(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, span n: Int,
                          _ c: UnsafePointer<Double>, _ s: UnsafePointer<Double>) {
        let half = n / 2
        let stride = size / n
        var j = 0
        if half >= 4 {
            while j < half {
                let k = j * stride
                let wr = SIMD4(c[k], c[k + stride], c[k + 2 * stride], c[k + 3 * stride])
                let wi = -SIMD4(s[k], s[k + stride], s[k + 2 * stride], s[k + 3 * stride])
                let ar = Self.load(re + j), ai = Self.load(im + j)
                let br = Self.load(re + j + half), bi = Self.load(im + j + half)
                Self.store(ar + br, re + j)
                Self.store(ai + bi, im + j)
                let dr = ar - br, di = ai - bi
                Self.store(dr * wr - di * wi, re + j + half)
                Self.store(dr * wi + di * wr, im + j + half)
                j += 4
            }
            return
        }
        var k = 0
        for j in 0..<half {
            let wr = c[k], wi = -s[k]
            let ar = re[j], ai = im[j]
            let br = re[j + half], bi = im[j + half]
            re[j] = ar + br
            im[j] = ai + bi
            let dr = ar - br, di = ai - bi
            re[j + half] = dr * wr - di * wi
            im[j + half] = dr * wi + di * wr
            k += stride
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always)
    private static func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
    }

    /// One decimation-in-time stage (inverse direction) over a span of `n` points.
    @inline(__always)
    private func ditStage(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, span n: Int,
                          _ c: UnsafePointer<Double>, _ s: UnsafePointer<Double>) {
        let half = n / 2
        let stride = size / n
        if half >= 4 {
            var j = 0
            while j < half {
                let k = j * stride
                let wr = SIMD4(c[k], c[k + stride], c[k + 2 * stride], c[k + 3 * stride])
                let wi = SIMD4(s[k], s[k + stride], s[k + 2 * stride], s[k + 3 * stride])
                let br0 = Self.load(re + j + half), bi0 = Self.load(im + j + half)
                let br = br0 * wr - bi0 * wi
                let bi = br0 * wi + bi0 * wr
                let ar = Self.load(re + j), ai = Self.load(im + j)
                Self.store(ar + br, re + j)
                Self.store(ai + bi, im + j)
                Self.store(ar - br, re + j + half)
                Self.store(ai - bi, im + j + half)
                j += 4
            }
            return
        }
        var k = 0
        for j in 0..<half {
            let wr = c[k], wi = s[k]
            let br0 = re[j + half], bi0 = im[j + half]
            let br = br0 * wr - bi0 * wi
            let bi = br0 * wi + bi0 * wr
            let ar = re[j], ai = im[j]
            re[j] = ar + br
            im[j] = ai + bi
            re[j + half] = ar - br
            im[j + half] = ai - bi
            k += stride
        }
    }

    private func forwardDIF(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, count n: Int,
                            _ c: UnsafePointer<Double>, _ s: UnsafePointer<Double>) {
        if n <= 1 { return }
        if n <= Self.blockSize {
            var span = n
            while span >= 2 {
                var start = 0
                while start < n {
                    difStage(re + start, im + start, span: span, c, s)
                    start += span
                }
                span >>= 1
            }
            return
        }
        difStage(re, im, span: n, c, s)
        forwardDIF(re, im, count: n / 2, c, s)
        forwardDIF(re + n / 2, im + n / 2, count: n / 2, c, s)
    }

    private func inverseDIT(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, count n: Int,
                            _ c: UnsafePointer<Double>, _ s: UnsafePointer<Double>) {
        if n <= 1 { return }
        if n <= Self.blockSize {
            var span = 2
            while span <= n {
                var start = 0
                while start < n {
                    ditStage(re + start, im + start, span: span, c, s)
                    start += span
                }
                span <<= 1
            }
            return
        }
        inverseDIT(re, im, count: n / 2, c, s)
        inverseDIT(re + n / 2, im + n / 2, count: n / 2, c, s)
        ditStage(re, im, span: n, c, s)
    }
}
