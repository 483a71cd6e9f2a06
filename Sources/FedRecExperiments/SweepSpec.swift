import FedRecFederation
import FedRecPrivacy
import Foundation

/// A whole privacy/accuracy study: the grid, the federated training template every point shares,
/// the privacy options that are not grid axes, and a description of the data and split.
///
/// Its canonical JSON (``canonicalJSON()``) is written to `sweep.json` in the output folder; a
/// resumed sweep must produce the same text, so completed points are only ever combined with
/// points of the identical study.
public struct SweepSpec: Sendable, Hashable, Codable {
    /// A title for the report.
    public var title: String
    /// Where the data came from (file and format, or the synthetic generator's settings).
    public var data: String
    /// How the data is split (e.g. "per-user random holdout, 10% of each user's ratings, seeded by the point's seed").
    public var split: String
    /// The centralized baseline's algorithm and hyperparameters (nil: no baseline).
    public var baseline: String?
    /// Training template: rounds, sampling and seed are replaced by each point's.
    public var simulation: SimulationConfig
    /// δ (nil: min(10⁻⁵, 1/(10·N)) for N training users).
    public var delta: Double?
    /// Accountant used to calibrate z and enforce the budget (both are reported).
    public var accountant: AccountantKind
    /// Per-party noise or one aggregate draw (same released distribution; a simulation shortcut).
    public var placement: NoisePlacement
    /// m of distributed trust (nil: ⌊qN − 3√(qN)⌋).
    public var minimumUpdates: Int?
    /// Seeded noise (reproducible; not private) instead of the system CSPRNG.
    public var seededNoise: Bool
    /// The axes.
    public var grid: SweepGrid

    /// Creates a study description.
    public init(
        title: String, data: String, split: String, baseline: String?, simulation: SimulationConfig,
        delta: Double?, accountant: AccountantKind, placement: NoisePlacement, minimumUpdates: Int?,
        seededNoise: Bool, grid: SweepGrid
    ) {
        self.title = title
        self.data = data
        self.split = split
        self.baseline = baseline
        self.simulation = simulation
        self.delta = delta
        self.accountant = accountant
        self.placement = placement
        self.minimumUpdates = minimumUpdates
        self.seededNoise = seededNoise
        self.grid = grid
    }

    /// The experiment one point runs: the template with the point's schedule and seed, and
    /// privacy calibrated to the point's ε (none for ε = ∞).
    public func experiment(for point: SweepPoint) throws -> FederatedExperiment {
        var config = simulation
        config.rounds = point.schedule.rounds
        config.sampling = .poisson(rate: point.schedule.samplingRate)
        config.seed = point.seed
        try config.validate()
        guard point.isPrivate, let trust = point.trust, let clip = point.clip else {
            return FederatedExperiment(simulation: config, privacy: .none)
        }
        let privacy = PrivacySettings(
            enabled: true, targetEpsilon: point.epsilon, noiseMultiplier: nil, delta: delta, clipBound: clip,
            trust: trust, minimumUpdates: minimumUpdates, placement: placement,
            noise: seededNoise ? .seeded(Self.noiseSeed(point.seed)) : .secure, accountant: accountant)
        return FederatedExperiment(simulation: config, privacy: privacy)
    }

    /// The seed of seeded noise for a point's seed (the same mixing `simulate --seed` uses).
    public static func noiseSeed(_ seed: UInt64) -> UInt64 { seed ^ 0x6E6F_6973_6521 }

    /// The JSON that identifies the study: sorted keys, with machine-dependent fields (threads)
    /// normalized so the same study on another machine resumes.
    public func canonicalJSON() throws -> String {
        var copy = self
        copy.simulation.threads = 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(copy), as: UTF8.self) + "\n"
    }

    /// The fields in which two canonical JSON texts differ, as `path: old → new` lines.
    static func differences(_ old: String, _ new: String) -> [String] {
        func flatten(_ value: Any, _ path: String, into out: inout [String: String]) {
            if let d = value as? [String: Any] {
                for (k, v) in d { flatten(v, path.isEmpty ? k : "\(path).\(k)", into: &out) }
            } else if let a = value as? [Any] {
                out[path] = a.map { v -> String in
                    var inner: [String: String] = [:]
                    flatten(v, "", into: &inner)
                    return inner.keys.sorted().map { $0.isEmpty ? inner[$0]! : "\($0)=\(inner[$0]!)" }.joined(separator: " ")
                }.joined(separator: ", ")
            } else {
                out[path] = "\(value)"
            }
        }
        var a: [String: String] = [:], b: [String: String] = [:]
        if let x = try? JSONSerialization.jsonObject(with: Data(old.utf8)) { flatten(x, "", into: &a) }
        if let y = try? JSONSerialization.jsonObject(with: Data(new.utf8)) { flatten(y, "", into: &b) }
        return Set(a.keys).union(b.keys).sorted().compactMap { k in
            a[k] == b[k] ? nil : "\(k): \(a[k] ?? "absent") → \(b[k] ?? "absent")"
        }
    }
}
