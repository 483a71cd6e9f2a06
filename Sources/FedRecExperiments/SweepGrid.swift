import FedRecPrivacy

/// The axes of a privacy/accuracy sweep: every combination of ε, trust model, clip bound and
/// schedule (sampling rate with its rounds) is run once per seed.
///
/// ε = `.infinity` stands for the non-private federated run (no clipping, no noise); it does not
/// depend on trust or clip, so it runs once per schedule and seed.
public struct SweepGrid: Sendable, Hashable, Codable {
    /// ε budgets; `.infinity` is the non-private run.
    public var epsilons: [Double]
    /// Trust models (who adds the noise).
    public var trusts: [TrustModel]
    /// Clip bounds C.
    public var clips: [Double]
    /// (q, T) pairs: a sampling rate with the rounds planned for it.
    public var schedules: [SweepSchedule]
    /// Seeds of the split, initialization, sampling and (seeded) noise.
    public var seeds: [UInt64]

    /// Creates a grid.
    /// - Throws: ``ExperimentError`` with code `invalidGrid` for an empty axis, a duplicate value or
    ///   a value out of range (ε ≤ 0, C ≤ 0, q ∉ (0, 1], T < 1).
    public init(epsilons: [Double], trusts: [TrustModel], clips: [Double], schedules: [SweepSchedule], seeds: [UInt64]) throws {
        self.epsilons = epsilons
        self.trusts = trusts
        self.clips = clips
        self.schedules = schedules
        self.seeds = seeds
        try validate()
    }

    /// Checks every axis.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw ExperimentError(.invalidGrid, message) } }
        try check(!epsilons.isEmpty && epsilons.allSatisfy { $0 > 0 && !$0.isNaN }, "epsilons must be a non-empty list of numbers > 0 (inf for the non-private run), e.g. 0.5,1,2,4,8,16,inf")
        try check(!trusts.isEmpty, "trusts must list at least one of central, distributed, local")
        try check(!clips.isEmpty && clips.allSatisfy { $0 > 0 && $0.isFinite }, "clips must be a non-empty list of numbers > 0")
        try check(!schedules.isEmpty && schedules.allSatisfy { $0.samplingRate > 0 && $0.samplingRate <= 1 && $0.rounds >= 1 },
                  "each schedule needs a sampling rate in (0, 1] and at least 1 round")
        try check(!seeds.isEmpty, "seeds must list at least one seed")
        try check(Set(epsilons).count == epsilons.count && Set(trusts).count == trusts.count && Set(clips).count == clips.count
                  && Set(schedules).count == schedules.count && Set(seeds).count == seeds.count, "a grid axis lists the same value twice")
    }

    /// The private ε values (finite), ascending.
    public var privateEpsilons: [Double] { epsilons.filter(\.isFinite).sorted() }
    /// Whether the non-private run is part of the grid.
    public var includesNonPrivate: Bool { epsilons.contains(.infinity) }

    /// Every point, in run order: seed by seed (so a seed's baseline and split are built once),
    /// then schedule, the non-private point first, then trust, clip and ascending ε.
    public var points: [SweepPoint] {
        var out: [SweepPoint] = []
        for seed in seeds {
            for schedule in schedules {
                if includesNonPrivate {
                    out.append(SweepPoint(epsilon: .infinity, trust: nil, clip: nil, schedule: schedule, seed: seed))
                }
                for trust in trusts {
                    for clip in clips {
                        for e in privateEpsilons {
                            out.append(SweepPoint(epsilon: e, trust: trust, clip: clip, schedule: schedule, seed: seed))
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A sampling rate q with the number of rounds T planned for it (ε depends on both).
public struct SweepSchedule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Poisson sampling rate q.
    public var samplingRate: Double
    /// Rounds T.
    public var rounds: Int

    /// Creates a schedule.
    public init(samplingRate: Double, rounds: Int) {
        self.samplingRate = samplingRate
        self.rounds = rounds
    }

    /// `q = 0.1, T = 300`.
    public var description: String { "q = \(samplingRate), T = \(rounds)" }
}
