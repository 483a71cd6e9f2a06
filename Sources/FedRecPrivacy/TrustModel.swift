/// Who is trusted to see an unnoised update, and therefore where the Gaussian noise is added
/// (DESIGN §3).
public enum TrustModel: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Clients clip; a trusted server adds N(0, z²C²) to the sum. Nothing protects an update from the server.
    case central
    /// Each client adds N(0, z²C²/m) and the server releases an aggregate only from at least m updates,
    /// so every released sum carries at least N(0, z²C²). The server sees each update with noise
    /// multiplier z/√m. The default.
    case distributed
    /// Each client adds N(0, z²C²): every update is private on its own, even against the server.
    case local

    /// `"central"`, `"distributed"` or `"local"`.
    public var description: String { rawValue }
}

/// Where the random bits of the noise come from.
public enum NoiseSource: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The operating system's CSPRNG (``FedRecMath/SecureGenerator``): the only choice that protects people.
    case secure
    /// A seeded pseudo-random generator: reproducible simulations only. Anyone who knows the seed can
    /// subtract the noise, so results computed with it are **not private**.
    case seeded(UInt64)

    /// True only for ``secure``.
    public var isPrivate: Bool { self == .secure }

    /// A label for reports: `"secure (system CSPRNG)"` or `"seeded (simulation only, not private)"`.
    public var description: String {
        switch self {
        case .secure: "secure (system CSPRNG)"
        case .seeded: "seeded (simulation only, not private)"
        }
    }
}

/// Where a simulation draws the noise of the trust model.
public enum NoisePlacement: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Each party adds its own noise where the trust model puts it (clients for `distributed` and
    /// `local`, the server for `central`). The default, and the only behaviour of a real deployment.
    case perParty = "per-party"
    /// Simulation fast path (`--noise aggregate`): clients add no noise and the aggregator adds, in one
    /// draw, the noise the n clients would have added in total. The sum of n independent N(0, σ²)
    /// vectors is exactly N(0, nσ²) (the Gaussian is closed under convolution), so the released sum
    /// has the same distribution; only individual updates lose their noise, which a simulation never
    /// releases.
    case aggregate

    /// `"per-party"` or `"aggregate"`.
    public var description: String { rawValue }
}
