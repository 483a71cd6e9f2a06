/// An immutable description of something that spent privacy, for an accountant to compose.
///
/// Events describe *what was released*, not how it was computed (the mechanism lives in
/// ``GaussianMechanism``), following the design of Google's `dp_accounting` `DpEvent`s. Neighbouring
/// datasets differ by adding or removing one user's whole history (add/remove adjacency); the
/// sensitivity of every Gaussian event is 1 after dividing by the clip bound, so an event is fully
/// described by its noise multiplier z = σ / C.
public indirect enum PrivacyEvent: Hashable, Sendable, Codable, CustomStringConvertible {
    /// One release of a sensitivity-1 query plus N(0, z²).
    case gaussian(noiseMultiplier: Double)
    /// `event` run on a Poisson sample of the users: each joins independently with probability `rate`.
    case poissonSampled(rate: Double, event: PrivacyEvent)
    /// `event` repeated `count` times, each on fresh randomness.
    case selfComposed(event: PrivacyEvent, count: Int)
    /// The events run one after another, each on fresh randomness.
    case composed([PrivacyEvent])

    /// The event of `steps` rounds of the Poisson-subsampled Gaussian mechanism (DP-FedAvg, DP-SGD);
    /// a sampling rate of 1 gives plain Gaussian rounds.
    /// - Throws: `PrivacyError.invalidParameter` for z ≤ 0, q ∉ (0, 1] or T < 1.
    public static func sampledGaussian(noiseMultiplier z: Double, samplingRate q: Double, steps: Int) throws -> PrivacyEvent {
        try PrivacyError.checkNoiseMultiplier(z)
        try PrivacyError.checkSamplingRate(q)
        try PrivacyError.checkCount(steps)
        let one: PrivacyEvent = q == 1 ? .gaussian(noiseMultiplier: z) : .poissonSampled(rate: q, event: .gaussian(noiseMultiplier: z))
        return steps == 1 ? one : .selfComposed(event: one, count: steps)
    }

    /// Throws `PrivacyError.invalidParameter` if any parameter inside the event is out of range.
    public func validate() throws {
        switch self {
        case .gaussian(let z): try PrivacyError.checkNoiseMultiplier(z)
        case .poissonSampled(let q, let event):
            try PrivacyError.checkSamplingRate(q)
            try event.validate()
        case .selfComposed(let event, let count):
            try PrivacyError.checkCount(count, name: "composition count")
            try event.validate()
        case .composed(let events):
            for event in events { try event.validate() }
        }
    }

    /// A short human-readable form, e.g. `PoissonSampled(q=0.01, Gaussian(z=1.1)) × 1000`.
    public var description: String {
        switch self {
        case .gaussian(let z): "Gaussian(z=\(z))"
        case .poissonSampled(let q, let event): "PoissonSampled(q=\(q), \(event))"
        case .selfComposed(let event, let count): "\(event) × \(count)"
        case .composed(let events): "Composed[" + events.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// Calls `body` with each leaf event (a Gaussian, possibly Poisson-sampled) and the number of
    /// times it is composed, in order.
    func forEachLeaf(count: Int = 1, _ body: (PrivacyEvent, Int) throws -> Void) throws {
        switch self {
        case .gaussian, .poissonSampled: try body(self, count)
        case .selfComposed(let event, let n):
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else {
                throw PrivacyError(.invalidParameter, "composition count \(count) × \(n) overflows")
            }
            try event.forEachLeaf(count: product, body)
        case .composed(let events):
            for event in events { try event.forEachLeaf(count: count, body) }
        }
    }
}
