import FedRecFederation
import FedRecPrivacy
import Foundation

/// A whole privacy/accuracy study: the model, the grid, the federated training template every point
/// shares, the privacy options that are not grid axes, and a description of the data and split.
///
/// Its canonical JSON (``canonicalJSON()``) is written to `sweep.json` in the output folder; a
/// resumed sweep must produce the same text, so completed points are only ever combined with
/// points of the identical study. The model is part of that text (a `"model": "neumf"` key and the
/// NeuMF template under `neumfSimulation`); an MF study writes neither, so its text is the one
/// written before NeuMF sweeps existed and such folders still resume.
public struct SweepSpec: Sendable, Hashable, Codable {
    /// A title for the report.
    public var title: String
    /// Where the data came from (file and format, or the synthetic generator's settings).
    public var data: String
    /// How the data is split (e.g. "per-user random holdout, 10% of each user's ratings, seeded by the point's seed").
    public var split: String
    /// The centralized baseline's algorithm and hyperparameters (nil: no baseline).
    public var baseline: String?
    /// MF training template (nil for a NeuMF study): rounds, sampling and seed are replaced by each point's.
    public var simulation: SimulationConfig?
    /// NeuMF training template (nil for an MF study): rounds, sampling and seed are replaced by each point's.
    public var neumfSimulation: NeuMFSimulationConfig?
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

    /// The model every point trains: NeuMF when the study has a NeuMF template, else MF.
    public var model: SweepModel { neumfSimulation == nil ? .mf : .neumf }

    /// Creates an MF study description.
    public init(
        title: String, data: String, split: String, baseline: String?, simulation: SimulationConfig,
        delta: Double?, accountant: AccountantKind, placement: NoisePlacement, minimumUpdates: Int?,
        seededNoise: Bool, grid: SweepGrid
    ) {
        self.init(title: title, data: data, split: split, baseline: baseline, simulation: simulation, neumfSimulation: nil,
                  delta: delta, accountant: accountant, placement: placement, minimumUpdates: minimumUpdates,
                  seededNoise: seededNoise, grid: grid)
    }

    /// Creates a NeuMF study description: every point runs federated NeuMF
    /// (``NeuMFExperiment/federated(split:simulation:privacy:implicitMF:ledgerURL:sampledSeed:onRound:)``)
    /// from `neumf`, on the leave-one-out split the caller provides.
    /// - Precondition: `neumf.cutoffs` starts with 10 (the recorded HR@10 and NDCG@10; learning
    ///   curves follow the first cutoff).
    public init(
        title: String, data: String, split: String, baseline: String?, neumf: NeuMFSimulationConfig,
        delta: Double?, accountant: AccountantKind, placement: NoisePlacement, minimumUpdates: Int?,
        seededNoise: Bool, grid: SweepGrid
    ) {
        precondition(neumf.cutoffs.first == 10, "a NeuMF sweep records HR@10 and NDCG@10: the cutoffs must start with 10")
        self.init(title: title, data: data, split: split, baseline: baseline, simulation: nil, neumfSimulation: neumf,
                  delta: delta, accountant: accountant, placement: placement, minimumUpdates: minimumUpdates,
                  seededNoise: seededNoise, grid: grid)
    }

    private init(
        title: String, data: String, split: String, baseline: String?, simulation: SimulationConfig?,
        neumfSimulation: NeuMFSimulationConfig?, delta: Double?, accountant: AccountantKind, placement: NoisePlacement,
        minimumUpdates: Int?, seededNoise: Bool, grid: SweepGrid
    ) {
        self.title = title
        self.data = data
        self.split = split
        self.baseline = baseline
        self.simulation = simulation
        self.neumfSimulation = neumfSimulation
        self.delta = delta
        self.accountant = accountant
        self.placement = placement
        self.minimumUpdates = minimumUpdates
        self.seededNoise = seededNoise
        self.grid = grid
    }

    private enum CodingKeys: String, CodingKey {
        case title, data, split, baseline, model, simulation, neumfSimulation, delta, accountant, placement, minimumUpdates, seededNoise, grid
    }

    /// Decodes a study; a text without `model` is an MF study.
    /// - Throws: `DecodingError` when the model and its template disagree.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = try c.decode(String.self, forKey: .title)
        data = try c.decode(String.self, forKey: .data)
        split = try c.decode(String.self, forKey: .split)
        baseline = try c.decodeIfPresent(String.self, forKey: .baseline)
        simulation = try c.decodeIfPresent(SimulationConfig.self, forKey: .simulation)
        neumfSimulation = try c.decodeIfPresent(NeuMFSimulationConfig.self, forKey: .neumfSimulation)
        delta = try c.decodeIfPresent(Double.self, forKey: .delta)
        accountant = try c.decode(AccountantKind.self, forKey: .accountant)
        placement = try c.decode(NoisePlacement.self, forKey: .placement)
        minimumUpdates = try c.decodeIfPresent(Int.self, forKey: .minimumUpdates)
        seededNoise = try c.decode(Bool.self, forKey: .seededNoise)
        grid = try c.decode(SweepGrid.self, forKey: .grid)
        let model = try c.decodeIfPresent(SweepModel.self, forKey: .model) ?? .mf
        guard (model == .mf) == (simulation != nil && neumfSimulation == nil), (model == .neumf) == (neumfSimulation != nil) else {
            throw DecodingError.dataCorruptedError(forKey: .model, in: c, debugDescription: "a \(model.rawValue) sweep needs exactly its own training template")
        }
    }

    /// Encodes the study; `model` is written for NeuMF only (see the type's discussion).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(title, forKey: .title)
        try c.encode(data, forKey: .data)
        try c.encode(split, forKey: .split)
        try c.encodeIfPresent(baseline, forKey: .baseline)
        if model != .mf { try c.encode(model, forKey: .model) }
        try c.encodeIfPresent(simulation, forKey: .simulation)
        try c.encodeIfPresent(neumfSimulation, forKey: .neumfSimulation)
        try c.encodeIfPresent(delta, forKey: .delta)
        try c.encode(accountant, forKey: .accountant)
        try c.encode(placement, forKey: .placement)
        try c.encodeIfPresent(minimumUpdates, forKey: .minimumUpdates)
        try c.encode(seededNoise, forKey: .seededNoise)
        try c.encode(grid, forKey: .grid)
    }

    /// The experiment one MF point runs: the template with the point's schedule and seed, and
    /// privacy calibrated to the point's ε (none for ε = ∞).
    /// - Precondition: an MF study.
    public func experiment(for point: SweepPoint) throws -> FederatedExperiment {
        guard var config = simulation else { preconditionFailure("experiment(for:) runs MF points; this is a \(model.rawValue) sweep") }
        config.rounds = point.schedule.rounds
        config.sampling = .poisson(rate: point.schedule.samplingRate)
        config.seed = point.seed
        try config.validate()
        return FederatedExperiment(simulation: config, privacy: privacy(for: point))
    }

    /// The configuration one NeuMF point runs: the template with the point's schedule and seed, and
    /// the same privacy settings an MF point gets (z calibrated to the point's ε for its planned
    /// rounds; none for ε = ∞).
    /// - Precondition: a NeuMF study.
    public func neumfRun(for point: SweepPoint) throws -> (simulation: NeuMFSimulationConfig, privacy: PrivacySettings) {
        guard var config = neumfSimulation else { preconditionFailure("neumfRun(for:) runs NeuMF points; this is a \(model.rawValue) sweep") }
        config.rounds = point.schedule.rounds
        config.sampling = .poisson(rate: point.schedule.samplingRate)
        config.seed = point.seed
        try config.validate()
        return (config, privacy(for: point))
    }

    /// The privacy settings of a point: none for ε = ∞, else calibrated to its ε with its trust and
    /// clip and the study's δ, accountant, placement, m and noise source.
    public func privacy(for point: SweepPoint) -> PrivacySettings {
        guard point.isPrivate, let trust = point.trust, let clip = point.clip else { return .none }
        return PrivacySettings(
            enabled: true, targetEpsilon: point.epsilon, noiseMultiplier: nil, delta: delta, clipBound: clip,
            trust: trust, minimumUpdates: minimumUpdates, placement: placement,
            noise: seededNoise ? .seeded(Self.noiseSeed(point.seed)) : .secure, accountant: accountant)
    }

    /// The seed of seeded noise for a point's seed (the same mixing `simulate --seed` uses).
    public static func noiseSeed(_ seed: UInt64) -> UInt64 { seed ^ 0x6E6F_6973_6521 }

    /// The JSON that identifies the study: sorted keys, with machine-dependent fields (threads)
    /// normalized so the same study on another machine resumes.
    public func canonicalJSON() throws -> String {
        var copy = self
        copy.simulation?.threads = 1
        copy.neumfSimulation?.threads = 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(copy), as: UTF8.self) + "\n"
    }

    /// The model of a canonical JSON text (MF when it names none), or nil when it is not a study.
    static func model(ofCanonicalJSON text: String) -> SweepModel? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return nil }
        guard let name = object["model"] else { return .mf }
        return (name as? String).flatMap(SweepModel.init(rawValue:))
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
