/// A privacy-loss-distribution accountant for (Poisson-subsampled) Gaussian events: the tight one.
///
/// Each subsampled Gaussian step is discretized pessimistically by connect-the-dots (Doroshenko,
/// Ghazi, Kamath, Kumar & Manurangsi, "Connect the Dots: Tighter Discrete Approximations of Privacy
/// Loss Distributions", PETS 2022) on a grid of spacing Δ (default 1e-4, as `dp_accounting`'s
/// `value_discretization_interval`), separately for the *remove* and *add* directions of add/remove
/// adjacency; compositions convolve the PLDs by FFT (Koskela, Jälkö & Honkela 2020) and ε is the worse
/// of the two directions. Every step rounds towards more privacy loss, so ε is an upper bound.
///
/// Un-sampled Gaussian events are composed exactly instead (T Gaussians with multipliers zᵢ are one
/// Gaussian with μ = √(Σ 1/zᵢ²)); if nothing else was composed, ε comes from the closed form of
/// ``ExactGaussianPrivacy``, otherwise that Gaussian is discretized once at query time.
///
/// If a composition would need an FFT longer than `maximumGridSize`, the grid is coarsened by
/// powers of two (rounding losses up, so the bound stays valid but looser); ``discretizationInterval``
/// reports the spacing actually used.
public struct PLDAccountant: PrivacyAccountant, Hashable {
    /// `dp_accounting`'s default grid spacing.
    public static let defaultInterval = 1e-4
    /// The default cap on FFT length (2²³ points: 128 MiB of complex doubles per transform).
    public static let defaultMaximumGridSize = 1 << 23
    /// The probability mass that may be cut from the tails of each composition (added to δ).
    static let tailMass = 1e-15

    /// The grid spacing currently in use (≥ the requested one; larger only after coarsening).
    public private(set) var discretizationInterval: Double
    /// The largest FFT length the accountant may use before coarsening its grid.
    public let maximumGridSize: Int
    /// Σ count/z² over the un-sampled Gaussian events (composed in closed form).
    public private(set) var gaussianPrecision: Double = 0
    var remove: DiscretePLD
    var add: DiscretePLD

    /// Which accountant this is: `.pld`.
    public var kind: AccountantKind { .pld }

    /// Creates an empty accountant with grid spacing `valueDiscretizationInterval`.
    /// - Precondition: the interval is positive and the maximum grid size at least 1024.
    public init(valueDiscretizationInterval: Double = PLDAccountant.defaultInterval,
                maximumGridSize: Int = PLDAccountant.defaultMaximumGridSize) {
        precondition(valueDiscretizationInterval > 0 && maximumGridSize >= 1024, "invalid PLD accountant settings")
        discretizationInterval = valueDiscretizationInterval
        self.maximumGridSize = maximumGridSize
        remove = .identity(interval: valueDiscretizationInterval)
        add = .identity(interval: valueDiscretizationInterval)
    }

    /// Adds `count` repetitions of `event`.
    /// - Throws: `PrivacyError.invalidParameter` for bad parameters; `.unsupportedEvent` for Poisson
    ///   sampling of anything but a single Gaussian.
    public mutating func compose(_ event: PrivacyEvent, count: Int) throws {
        try PrivacyError.checkCount(count, name: "composition count")
        try event.validate()
        var next = self
        try event.forEachLeaf(count: count) { leaf, n in
            switch leaf {
            case .gaussian(let z), .poissonSampled(1, .gaussian(let z)):
                next.gaussianPrecision += Double(n) / (z * z)
            case .poissonSampled(let q, .gaussian(let z)):
                next.composeSampledGaussian(sigma: z, q: q, count: n)
            default:
                throw PrivacyError(.unsupportedEvent, "the PLD accountant supports Gaussian and Poisson-sampled Gaussian events, not \(leaf)")
            }
        }
        self = next
    }

    /// Composes `count` steps of the subsampled Gaussian, coarsening the grid first if needed.
    mutating func composeSampledGaussian(sigma: Double, q: Double, count: Int) {
        let pair = Self.discretizePair(sigma: sigma, q: q, count: count, interval: discretizationInterval,
                                       current: (remove, add), maximumGridSize: maximumGridSize)
        let (r, a) = DiscretePLD.selfComposedPair(pair.step.remove, pair.step.add, count: count, tailMass: Self.tailMass)
        remove = pair.remove.composed(with: r, tailMass: Self.tailMass)
        add = pair.add.composed(with: a, tailMass: Self.tailMass)
        discretizationInterval = remove.interval
    }

    /// Discretizes one step (both directions) at the finest power-of-two multiple of `interval` whose
    /// composed grid fits, and coarsens the accumulated PLDs to match.
    static func discretizePair(
        sigma: Double, q: Double, count: Int, interval: Double,
        current: (DiscretePLD, DiscretePLD), maximumGridSize: Int
    ) -> (remove: DiscretePLD, add: DiscretePLD, step: (remove: DiscretePLD, add: DiscretePLD)) {
        var factor = 1
        while true {
            let spacing = interval * Double(factor)
            let sizes = [SampledGaussianPLD.Direction.remove, .add].map {
                SampledGaussianPLD.gridRange(sigma: sigma, q: q, direction: $0, interval: spacing).count
            }
            if sizes.max()! <= maximumGridSize {
                let r = SampledGaussianPLD.discretize(sigma: sigma, q: q, direction: .remove, interval: spacing)
                let a = SampledGaussianPLD.discretize(sigma: sigma, q: q, direction: .add, interval: spacing)
                let composedSize = max(r.selfCompositionLength(count: count, tailMass: tailMass),
                                       a.selfCompositionLength(count: count, tailMass: tailMass))
                if composedSize <= maximumGridSize {
                    return (current.0.coarsened(by: factor), current.1.coarsened(by: factor), (r, a))
                }
            }
            factor *= 2
        }
    }

    /// The composed (remove, add) PLDs including the closed-form Gaussian part, or nil when only
    /// un-sampled Gaussians were composed.
    func finalPLDs() -> (DiscretePLD, DiscretePLD)? {
        if remove.isIdentity && add.isIdentity { return nil }
        guard gaussianPrecision > 0 else { return (remove, add) }
        let sigma = 1 / gaussianPrecision.squareRoot()
        var interval = discretizationInterval
        var r = remove, a = add
        while SampledGaussianPLD.gridRange(sigma: sigma, q: 1, direction: .remove, interval: interval).count
                + max(r.probs.count, a.probs.count) > maximumGridSize {
            interval *= 2
            r = r.coarsened(by: 2)
            a = a.coarsened(by: 2)
        }
        let g = SampledGaussianPLD.discretize(sigma: sigma, q: 1, direction: .remove, interval: interval)
        return (r.composed(with: g, tailMass: Self.tailMass), a.composed(with: g, tailMass: Self.tailMass))
    }

    /// The smallest ε such that everything composed so far is (ε, δ)-DP (an upper bound).
    /// - Throws: `PrivacyError.invalidParameter` unless 0 < δ < 1.
    public func epsilon(delta: Double) throws -> Double {
        try PrivacyError.checkDelta(delta)
        guard let (r, a) = finalPLDs() else {
            if gaussianPrecision == 0 { return 0 }
            return ExactGaussianPrivacy.epsilon(delta: delta, mu: gaussianPrecision.squareRoot())
        }
        return max(r.epsilon(delta: delta), a.epsilon(delta: delta))
    }

    /// The smallest δ such that everything composed so far is (ε, δ)-DP (an upper bound).
    /// - Throws: `PrivacyError.invalidParameter` unless ε ≥ 0 is finite.
    public func delta(epsilon: Double) throws -> Double {
        try PrivacyError.checkEpsilon(epsilon)
        guard let (r, a) = finalPLDs() else {
            if gaussianPrecision == 0 { return 0 }
            return ExactGaussianPrivacy.delta(epsilon: epsilon, mu: gaussianPrecision.squareRoot())
        }
        return max(r.delta(epsilon: epsilon), a.delta(epsilon: epsilon))
    }
}
