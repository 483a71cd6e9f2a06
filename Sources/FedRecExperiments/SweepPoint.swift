import FedRecPrivacy

/// One run of a sweep: an ε (∞ for non-private), a trust model and clip bound (nil when
/// non-private), a schedule and a seed.
public struct SweepPoint: Sendable, Hashable, Codable {
    /// The ε budget z is calibrated to; `.infinity` for the non-private run.
    public var epsilon: Double
    /// Who adds the noise (nil for the non-private run).
    public var trust: TrustModel?
    /// Clip bound C (nil for the non-private run).
    public var clip: Double?
    /// Sampling rate and rounds.
    public var schedule: SweepSchedule
    /// Seed of split, initialization, sampling and seeded noise.
    public var seed: UInt64

    /// Creates a point.
    public init(epsilon: Double, trust: TrustModel?, clip: Double?, schedule: SweepSchedule, seed: UInt64) {
        self.epsilon = epsilon
        self.trust = trust
        self.clip = clip
        self.schedule = schedule
        self.seed = seed
    }

    /// Whether this is a private run.
    public var isPrivate: Bool { epsilon.isFinite }

    /// A stable text identity used to match points against `results.csv` on resume.
    public var key: String {
        "eps=\(epsilon);trust=\(trust?.rawValue ?? "none");clip=\(clip.map { "\($0)" } ?? "none");q=\(schedule.samplingRate);T=\(schedule.rounds);seed=\(seed)"
    }

    /// The configuration a series of the ε chart groups by: trust, clip and schedule.
    public var seriesKey: SeriesKey { SeriesKey(trust: trust, clip: clip, schedule: schedule) }

    /// Trust, clip and schedule: what stays fixed along one curve of metric vs ε.
    public struct SeriesKey: Sendable, Hashable {
        /// Trust model (nil for the non-private run).
        public var trust: TrustModel?
        /// Clip bound (nil for the non-private run).
        public var clip: Double?
        /// Sampling rate and rounds.
        public var schedule: SweepSchedule
    }
}
