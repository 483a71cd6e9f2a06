/// Standard normal sampling.
///
/// The Marsaglia polar method: exact in distribution given uniform inputs (no table
/// approximation), and it yields two independent N(0, 1) values per accepted pair.
public enum Gaussian {
    /// One N(0, 1) draw.
    @inlinable
    public static func sample(using rng: inout some RandomNumberGenerator) -> Double {
        while true {
            let u = 2 * rng.nextUnitDouble() - 1
            let v = 2 * rng.nextUnitDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * _log(s) / s).squareRoot()
            }
        }
    }

    /// Adds independent N(0, stddev²) noise to every element of `buffer`.
    /// - Complexity: O(n), about 1.27 pairs of uniforms per pair of outputs.
    public static func addNoise(
        to buffer: UnsafeMutableBufferPointer<Float>, stddev: Double,
        using rng: inout some RandomNumberGenerator
    ) {
        var i = 0
        let n = buffer.count
        while i < n {
            let u = 2 * rng.nextUnitDouble() - 1
            let v = 2 * rng.nextUnitDouble() - 1
            let s = u * u + v * v
            guard s > 0 && s < 1 else { continue }
            let f = (-2 * _log(s) / s).squareRoot() * stddev
            buffer[i] += Float(u * f)
            if i + 1 < n { buffer[i + 1] += Float(v * f) }
            i += 2
        }
    }

    /// Adds independent N(0, stddev²) noise to every element of `values`.
    public static func addNoise(
        to values: inout [Float], stddev: Double, using rng: inout some RandomNumberGenerator
    ) {
        values.withUnsafeMutableBufferPointer { addNoise(to: $0, stddev: stddev, using: &rng) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Natural logarithm, exposed for inlinable callers.
@inlinable
public func _log(_ x: Double) -> Double { log(x) }
