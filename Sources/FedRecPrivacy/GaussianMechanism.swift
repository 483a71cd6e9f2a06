import FedRecMath

/// The Gaussian mechanism of DP federated averaging under a trust model: clip each update to L2 ≤ C,
/// add N(0, σ²) noise where the trust model puts it, so that every released sum carries noise of
/// standard deviation at least z·C (Abadi et al. 2016; McMahan et al. 2018).
///
/// The mechanism is kept apart from the accounting: ``roundEvent(samplingRate:)`` describes what one
/// round releases for an accountant, and ``serverViewEvent`` what the server itself sees of one update.
public struct GaussianMechanism: Sendable, Hashable, Codable {
    /// z: the noise standard deviation of a released sum divided by the clip bound.
    public let noiseMultiplier: Double
    /// C: the L2 bound every update is clipped to (the sensitivity of the sum).
    public let clipBound: Double
    /// Where the noise is added.
    public let trust: TrustModel
    /// m: the fewest updates from which a `distributed` aggregator releases a sum (1 for the other models).
    public let minimumUpdates: Int

    /// Creates the mechanism.
    /// - Throws: `PrivacyError.invalidParameter` for z ≤ 0, C ≤ 0, or m < 1 (m must be 1 unless `distributed`).
    public init(noiseMultiplier: Double, clipBound: Double, trust: TrustModel = .distributed, minimumUpdates: Int = 1) throws {
        try PrivacyError.checkNoiseMultiplier(noiseMultiplier)
        try PrivacyError.checkClip(clipBound)
        try PrivacyError.checkCount(minimumUpdates, name: "minimum updates m")
        if trust != .distributed && minimumUpdates != 1 {
            throw PrivacyError(.invalidParameter, "minimum updates m = \(minimumUpdates) applies only to distributed trust; use 1 for \(trust)")
        }
        self.noiseMultiplier = noiseMultiplier
        self.clipBound = clipBound
        self.trust = trust
        self.minimumUpdates = minimumUpdates
    }

    /// The standard deviation each client adds to its clipped update: 0 (central), zC/√m
    /// (distributed) or zC (local).
    public var clientNoiseStddev: Double {
        switch trust {
        case .central: 0
        case .distributed: noiseMultiplier * clipBound / Double(minimumUpdates).squareRoot()
        case .local: noiseMultiplier * clipBound
        }
    }

    /// The standard deviation the server adds to the sum itself: zC (central) or 0.
    public var serverNoiseStddev: Double { trust == .central ? noiseMultiplier * clipBound : 0 }

    /// The standard deviation of the noise in a sum released from `updates` updates:
    /// zC (central), zC·√(n/m) (distributed) or zC·√n (local); always ≥ zC when n ≥ m.
    public func releasedNoiseStddev(updates n: Int) -> Double {
        (serverNoiseStddev * serverNoiseStddev + Double(n) * clientNoiseStddev * clientNoiseStddev).squareRoot()
    }

    /// The client's side: clips `update` to L2 ≤ C and, under `perParty` placement, adds the client's
    /// noise. Returns the norm before clipping (for adaptive clipping and diagnostics).
    /// - Complexity: O(n).
    @discardableResult
    public func privatizeClientUpdate(
        _ update: inout [Float], placement: NoisePlacement = .perParty, using rng: inout some RandomNumberGenerator
    ) -> Double {
        let norm = Clipping.clipL2(&update, to: clipBound)
        if placement == .perParty && clientNoiseStddev > 0 {
            Gaussian.addNoise(to: &update, stddev: clientNoiseStddev, using: &rng)
        }
        return norm
    }

    /// The aggregator's side, on the sum of `updates` privatized client updates: refuses to release a
    /// `distributed` sum of fewer than m updates, then adds the server's noise (central) or, under
    /// `aggregate` placement, the clients' total noise N(0, n·σ_client²) in one draw.
    /// - Throws: `PrivacyError.tooFewUpdates` if a distributed round has fewer than m updates.
    public func noiseAggregate(
        _ sum: inout [Float], updates n: Int, placement: NoisePlacement = .perParty,
        using rng: inout some RandomNumberGenerator
    ) throws {
        if trust == .distributed && n < minimumUpdates {
            throw PrivacyError(.tooFewUpdates, "a distributed-trust aggregate needs at least m = \(minimumUpdates) updates to carry N(0, z²C²) noise, but only \(n) arrived; discard this round")
        }
        var variance = serverNoiseStddev * serverNoiseStddev
        if placement == .aggregate { variance += Double(n) * clientNoiseStddev * clientNoiseStddev }
        if variance > 0 { Gaussian.addNoise(to: &sum, stddev: variance.squareRoot(), using: &rng) }
    }

    /// What one round releases to whoever sees the model: the Poisson-subsampled Gaussian with
    /// multiplier z (a plain Gaussian when q = 1).
    /// - Throws: `PrivacyError.invalidParameter` unless 0 < q ≤ 1.
    public func roundEvent(samplingRate q: Double) throws -> PrivacyEvent {
        try PrivacyEvent.sampledGaussian(noiseMultiplier: noiseMultiplier, samplingRate: q, steps: 1)
    }

    /// What the server sees of one client's update (no amplification by sampling or aggregation: the
    /// server knows who participated): Gaussian(z/√m) for distributed, Gaussian(z) for local, nil for
    /// central (the server sees the clipped update in the clear: no guarantee against it).
    public var serverViewEvent: PrivacyEvent? {
        switch trust {
        case .central: nil
        case .distributed: .gaussian(noiseMultiplier: noiseMultiplier / Double(minimumUpdates).squareRoot())
        case .local: .gaussian(noiseMultiplier: noiseMultiplier)
        }
    }
}
