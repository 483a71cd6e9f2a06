/// A fast, seedable pseudo-random generator (xoshiro256**, Blackman & Vigna 2018) for
/// reproducible simulations.
///
/// Not cryptographically secure: never use it for noise that protects real people.
/// Use ``SecureGenerator`` for that. Streams for independent consumers (a client in a
/// round, say) are derived with ``init(seed:stream:)`` so results do not depend on the
/// order in which threads run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Creates a generator whose whole output is determined by `seed`.
    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// Creates the generator of an independent stream identified by `stream` under `seed`,
    /// e.g. `[clientIndex, round]`. Different stream paths give statistically independent outputs.
    public init(seed: UInt64, stream: [UInt64]) {
        var h = SplitMix64(state: seed ^ 0xD1B5_4A32_D192_ED03)
        var mixed = h.next()
        for part in stream {
            var m = SplitMix64(state: mixed ^ (part &* 0x9E37_79B9_7F4A_7C15))
            mixed = m.next() ^ m.next().rotated(by: 17)
        }
        self.init(seed: mixed)
    }

    /// Returns the next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotated(by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotated(by: 45)
        return result
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): used to expand seeds into generator state.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state.
    public var state: UInt64

    /// Creates a generator starting from `state`.
    public init(state: UInt64) { self.state = state }

    /// Returns the next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    /// Rotates the bits left by `k`.
    @inlinable @inline(__always)
    func rotated(by k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}

extension RandomNumberGenerator {
    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in (0, 1): never zero, so its logarithm is finite.
    @inlinable
    public mutating func nextOpenUnitDouble() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire 2019).
    @inlinable
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(next(upperBound: UInt64(bound)))
    }
}
