#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard normal sampling: the noise of the Gaussian mechanism and of model initialisation.
///
/// The sampler is the ziggurat method of Marsaglia & Tsang ("The Ziggurat Method for Generating
/// Random Variables", J. Stat. Softw. 5(8), 2000) with 256 layers, in the corrected form of
/// Doornik ("An Improved Ziggurat Method to Generate Normal Random Samples", 2005): the layer
/// index, the sign and the 53-bit uniform come from disjoint bits of one 64-bit draw, so they are
/// independent (the original shares bits between index and value, which biases the output).
///
/// It is **exact in distribution** given exact uniforms: every path is an accept/reject step
/// against the true density `exp(-x²/2)` (no table approximation is accepted without the exact
/// test), and the tail beyond `r ≈ 3.654` is sampled exactly by Marsaglia's tail method (1964).
/// The layer table is built once per process from `r`, itself solved to double precision so the
/// 256 layers have equal area. About 98.9% of draws take the fast path: one 64-bit draw, one
/// multiply and one compare, with no logarithm.
public enum Gaussian {
    /// One N(0, 1) draw.
    /// - Complexity: O(1) expected; on average 1.02 calls to `rng.next()`.
    @inlinable
    public static func sample(using rng: inout some RandomNumberGenerator) -> Double {
        ZigguratTable.shared.withTables { x, f in draw(x, f, &rng) }
    }

    /// Adds independent N(0, stddev²) noise to every element of `buffer`.
    ///
    /// Each element gets its own exact N(0, 1) draw scaled by `stddev`, computed in double
    /// precision and rounded once to `Float` when added.
    /// - Precondition: `stddev` is finite and non-negative.
    /// - Complexity: O(n); about 1.02 64-bit draws per element.
    @inlinable
    public static func addNoise(
        to buffer: UnsafeMutableBufferPointer<Float>, stddev: Double,
        using rng: inout some RandomNumberGenerator
    ) {
        precondition(stddev >= 0 && stddev.isFinite, "noise standard deviation must be finite and >= 0")
        ZigguratTable.shared.withTables { x, f in
            for i in buffer.indices {
                buffer[i] += Float(draw(x, f, &rng) * stddev)
            }
        }
    }

    /// Adds independent N(0, stddev²) noise to every element of `values`.
    /// - Precondition: `stddev` is finite and non-negative.
    @inlinable
    public static func addNoise(
        to values: inout [Float], stddev: Double, using rng: inout some RandomNumberGenerator
    ) {
        values.withUnsafeMutableBufferPointer { addNoise(to: $0, stddev: stddev, using: &rng) }
    }

    /// The ziggurat draw over the table `x` (layer edges, 257 entries, decreasing from the
    /// virtual base width to 0) and `f` (the unnormalised density `exp(-x²/2)` at those edges).
    /// The fast path (a point inside a rectangle wholly under the curve) is inlined; the rest of
    /// the accept/reject step lives in ``slowDraw(_:_:_:_:)``.
    @inlinable @inline(__always)
    static func draw(
        _ x: UnsafeBufferPointer<Double>, _ f: UnsafeBufferPointer<Double>,
        _ rng: inout some RandomNumberGenerator
    ) -> Double {
        let bits = rng.next()
        let layer = Int(truncatingIfNeeded: bits & 0xFF)  // bits 0–7: layer
        let u = Double(Int64(bitPattern: bits >> 11)) * 0x1.0p-53  // bits 11–63: uniform in [0, 1)
        let candidate = u * x[layer]
        if candidate < x[layer + 1] {  // inside the rectangle wholly under the curve
            return bits & 0x100 != 0 ? -candidate : candidate  // bit 8: sign
        }
        return slowDraw(x, f, bits, &rng)
    }

    /// The rare remainder of a ziggurat draw (about 1.1% of draws): the wedge test against the
    /// exact density, the exact tail, or a fresh attempt.
    @inlinable @inline(never)
    static func slowDraw(
        _ x: UnsafeBufferPointer<Double>, _ f: UnsafeBufferPointer<Double>, _ firstBits: UInt64,
        _ rng: inout some RandomNumberGenerator
    ) -> Double {
        var bits = firstBits
        while true {
            let layer = Int(truncatingIfNeeded: bits & 0xFF)
            let negative = bits & 0x100 != 0
            let u = Double(Int64(bitPattern: bits >> 11)) * 0x1.0p-53
            let candidate = u * x[layer]
            if candidate < x[layer + 1] {
                return negative ? -candidate : candidate
            }
            if layer == 0 {  // the base layer beyond r: sample the tail exactly
                let tail = sampleTail(from: x[1], using: &rng)
                return negative ? -tail : tail
            }
            // A wedge: accept (candidate, y) if it lies under the exact density.
            let y = f[layer] + rng.nextUnitDouble() * (f[layer + 1] - f[layer])
            if y < _exp(-0.5 * candidate * candidate) {
                return negative ? -candidate : candidate
            }
            bits = rng.next()
        }
    }

    /// Marsaglia's exact method for the normal tail beyond `r`: with `a = -log(U₁)/r` and
    /// `b = -log(U₂)`, accept `r + a` when `2b ≥ a²`.
    @inlinable
    static func sampleTail(from r: Double, using rng: inout some RandomNumberGenerator) -> Double {
        while true {
            let a = -_log(rng.nextOpenUnitDouble()) / r
            let b = -_log(rng.nextOpenUnitDouble())
            if b + b >= a * a { return r + a }
        }
    }
}

/// The immutable layer table of the 256-layer normal ziggurat, built once per process.
@usableFromInline
final class ZigguratTable: Sendable {
    /// The process-wide table (immutable after construction, so sharing it is safe).
    @usableFromInline static let shared = ZigguratTable()

    /// Layer edges: `x[0] = v / f(r)` (the base layer's virtual width), `x[1] = r`, …, `x[256] = 0`.
    @usableFromInline let x: [Double]
    /// `exp(-x²/2)` at each edge (with `f[0] = f(r)` for the base layer's top).
    @usableFromInline let f: [Double]

    init() {
        let layers = 256
        func density(_ t: Double) -> Double { exp(-0.5 * t * t) }
        // For a start r, build the layers of equal area v and report how far the top layer misses
        // the peak f(0) = 1; solve that miss to zero by bisection on r.
        func build(_ r: Double) -> (x: [Double], miss: Double) {
            let v = r * density(r) + (Double.pi / 2).squareRoot() * erfc(r / 2.0.squareRoot())
            var x = [Double](repeating: 0, count: layers + 1)
            x[0] = v / density(r)
            x[1] = r
            for i in 2..<layers {
                let level = density(x[i - 1]) + v / x[i - 1]
                if level >= 1 { return (x, level - 1 + Double(layers - i)) }  // r too small
                x[i] = (-2 * log(level)).squareRoot()
            }
            x[layers] = 0
            return (x, density(x[layers - 1]) + v / x[layers - 1] - 1)
        }
        var lo = 3.5
        var hi = 3.8
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if build(mid).miss > 0 { lo = mid } else { hi = mid }
        }
        let table = build(hi).x
        x = table
        var f = table.map(density)
        f[0] = density(table[1])
        f[layers] = 1
        self.f = f
    }

    /// Calls `body` with the edge and density tables.
    @inlinable
    func withTables<R>(
        _ body: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try x.withUnsafeBufferPointer { xs in try f.withUnsafeBufferPointer { fs in try body(xs, fs) } }
    }
}

/// Natural logarithm, exposed for inlinable callers.
@inlinable
public func _log(_ x: Double) -> Double { log(x) }

/// Exponential, exposed for inlinable callers.
@inlinable
public func _exp(_ x: Double) -> Double { exp(x) }
