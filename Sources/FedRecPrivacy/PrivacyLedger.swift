import Foundation

/// The privacy budget of one run and what has been spent of it: saved with the model, reloaded on
/// restart, never reset.
///
/// The ledger fixes the event of one round (``roundEvent``, e.g. the Poisson-subsampled Gaussian) and
/// counts rounds. Before a round runs, ``check(rounds:)`` proves that the total after it stays within
/// the ε budget at the ledger's δ: it first tries RDP (microseconds) and, only if RDP cannot prove it,
/// the tighter PLD accountant. Both are valid upper bounds, so either proof suffices; a round neither
/// can prove is refused with ε spent and left. ``record(round:)`` runs the same check and then counts
/// the round.
///
/// **The ε shown is the ε enforced.** ``spentSoFar`` (and ``epsilonSpentSoFar``) is the tightest bound
/// proven for exactly the rounds run, *with its accountant*: RDP while RDP proves the budget, and PLD
/// from the first round RDP cannot prove (``record(round:)`` then computes PLD for that round count and
/// refuses the round unless it is within budget). So in every run the ledger admitted, ε spent ≤ the
/// budget, and every report names the accountant of the figure it shows (docs/privacy.md).
///
/// For `distributed` and `local` trust it also tracks ``serverViewEpsilon``: the ε of one client's
/// updates as the server sees them (no amplification by sampling or aggregation, and assuming the
/// client took part in every round), so nobody mistakes the model's guarantee for one against the server.
/// It counts **discarded** rounds too (``recordDiscarded()``): they release no model, but the server
/// saw the individual updates sent in them.
///
/// On disk it is JSON with a checksum of its contents; ``save(to:)`` writes a temporary file and renames
/// it over the old one (atomic on POSIX), and ``load(from:runID:configFingerprint:)`` refuses a file that
/// is unreadable, altered, or from another run, rather than replacing it. Nothing derived is trusted
/// from disk: the per-round RDP curve, every ε bound, the proven round count and the server view are
/// recomputed from the round event on load, and a file whose stored values disagree is refused.
///
/// **What the checksum protects against.** It is an unkeyed SHA-256 of the ledger's canonical JSON
/// (FNV-1a 64 in version-1 files, still read): it catches accidental corruption (truncation, bit
/// flips, a careless hand edit). It is not a MAC:
/// anyone who can write the file can recompute it, so it does not stop a deliberate forgery. Because
/// derived values are recomputed, a forger cannot claim more budget than the recorded round count and
/// budget imply; lowering `roundsRun` or raising `epsilonBudget` would still go unnoticed. Stopping
/// that needs a keyed MAC with a key the party being guarded against does not hold (not the operator
/// who runs the server), or an append-only log kept elsewhere; FedRec does neither.
public struct PrivacyLedger: Codable, Sendable, Equatable {
    /// An ε bound for the rounds run so far, under one accountant, and how many rounds it covers.
    public struct Spent: Codable, Sendable, Equatable {
        /// The upper bound on ε.
        public var epsilon: Double
        /// The number of rounds it accounts for (may lag ``PrivacyLedger/roundsRun`` for PLD until
        /// ``PrivacyLedger/refreshSpent(accountants:)`` is called).
        public var rounds: Int
    }

    /// ε spent so far as every report shows it: the bound, the accountant that proved it, the rounds.
    public struct Statement: Codable, Sendable, Equatable {
        /// The upper bound on ε at the ledger's δ (≤ the budget in every admitted run).
        public var epsilon: Double
        /// The accountant whose bound this is.
        public var accountant: AccountantKind
        /// The rounds it covers (always ``PrivacyLedger/roundsRun``).
        public var rounds: Int
    }

    /// The file format version this code writes: 2, checksummed by SHA-256. Version 1 files (FNV-1a 64
    /// checksum) are still read.
    public static let formatVersion = 2
    /// The versions this code reads.
    public static let readableVersions = [1, 2]

    /// Identifies the run (e.g. a UUID chosen when the run started).
    public let runID: String
    /// A fingerprint of the configuration that matters for privacy (data, q, z, C, trust, …).
    public let configFingerprint: String
    /// The ε budget.
    public let epsilonBudget: Double
    /// The δ of every (ε, δ) statement in the ledger.
    public let delta: Double
    /// The trust model of the run.
    public let trust: TrustModel
    /// What one round releases to whoever sees the model.
    public let roundEvent: PrivacyEvent
    /// What the server sees of one client's update in one round (nil under central trust).
    public let serverViewEvent: PrivacyEvent?
    /// A label of the noise source (e.g. `"seeded (simulation only, not private)"`).
    public let noiseSource: String
    /// Rounds run and recorded so far.
    public private(set) var roundsRun: Int = 0
    /// The best ε bound proven so far under each accountant, keyed by ``AccountantKind`` raw value.
    public private(set) var epsilonSpent: [String: Spent] = [:] {
        didSet { spentSoFar = Self.tightest(epsilonSpent, rounds: roundsRun) }
    }
    /// ε spent as shown everywhere (status, metrics, logs, reports, `ledger.json`): the tightest bound
    /// in ``epsilonSpent`` covering exactly ``roundsRun`` rounds, with its accountant (PLD on a tie);
    /// nil before the first round. Derived, stored so `ledger.json` says it; recomputed on load (a
    /// file written before this field existed loads with it filled in).
    public private(set) var spentSoFar: Statement?
    /// ε of one client's updates against the server after ``roundsRun`` rounds (nil under central
    /// trust, where the server sees updates unnoised).
    public private(set) var serverViewEpsilon: Double?
    /// The largest total round count some accountant has proven to be within budget.
    public private(set) var provenRounds: Int = 0
    /// The smallest total round count known to exceed the budget under every accountant, once found.
    public private(set) var exceedingRounds: Int?
    /// The RDP curve of one round on ``RDPAccountant/defaultOrders`` (cached: n rounds are n times it;
    /// recomputed and compared on load).
    let roundRDP: [Double]
    /// Rounds discarded after the server saw their updates (nil in files written before it was counted).
    public private(set) var discardedRounds: Int?

    /// The rounds ``serverViewEpsilon`` covers: released plus discarded.
    public var serverViewRounds: Int { roundsRun + (discardedRounds ?? 0) }

    /// Creates an empty ledger.
    /// - Throws: `PrivacyError.invalidParameter` for ε ≤ 0, δ ∉ (0, 1), an invalid round event, or a
    ///   server view under central trust; `.unsupportedEvent` if the round event cannot be accounted.
    public init(runID: String, configFingerprint: String, epsilonBudget: Double, delta: Double,
                trust: TrustModel, roundEvent: PrivacyEvent, serverViewEvent: PrivacyEvent?,
                noiseSource: NoiseSource) throws {
        try PrivacyError.checkEpsilon(epsilonBudget, name: "epsilon budget")
        guard epsilonBudget > 0 else {
            throw PrivacyError(.invalidParameter, "epsilon budget = \(epsilonBudget) must be positive")
        }
        try PrivacyError.checkDelta(delta)
        try roundEvent.validate()
        try serverViewEvent?.validate()
        if trust == .central && serverViewEvent != nil {
            throw PrivacyError(.invalidParameter, "central trust has no server-view event: the server sees clipped updates unnoised")
        }
        self.runID = runID
        self.configFingerprint = configFingerprint
        self.epsilonBudget = epsilonBudget
        self.delta = delta
        self.trust = trust
        self.roundEvent = roundEvent
        self.serverViewEvent = serverViewEvent
        self.noiseSource = noiseSource.description
        var rdp = RDPAccountant()
        try rdp.compose(roundEvent)
        roundRDP = rdp.rdp
    }

    /// Creates the ledger of a run of `mechanism` at sampling rate `q`.
    /// - Throws: as ``init(runID:configFingerprint:epsilonBudget:delta:trust:roundEvent:serverViewEvent:noiseSource:)``.
    public init(runID: String, configFingerprint: String, epsilonBudget: Double, delta: Double,
                mechanism: GaussianMechanism, samplingRate q: Double, noiseSource: NoiseSource) throws {
        try self.init(runID: runID, configFingerprint: configFingerprint, epsilonBudget: epsilonBudget, delta: delta,
                      trust: mechanism.trust, roundEvent: mechanism.roundEvent(samplingRate: q),
                      serverViewEvent: mechanism.serverViewEvent, noiseSource: noiseSource)
    }

    /// Everything released so far, as one event for any accountant: ``roundEvent`` × ``roundsRun``
    /// (an empty composition before the first round).
    public var eventsSoFar: PrivacyEvent {
        roundsRun == 0 ? .composed([]) : .selfComposed(event: roundEvent, count: roundsRun)
    }

    /// ε after `rounds` rounds of ``roundEvent`` under `accountant` (0 for no rounds).
    /// - Complexity: microseconds for RDP (the per-round curve is cached); up to about a second for
    ///   PLD at 10,000 rounds.
    public func epsilon(afterRounds rounds: Int, accountant: AccountantKind) throws -> Double {
        guard rounds > 0 else { return 0 }
        switch accountant {
        case .rdp:
            let n = Double(rounds)
            return try RDPAccountant(orders: RDPAccountant.defaultOrders, rdp: roundRDP.map { $0 * n }).epsilon(delta: delta)
        case .pld:
            var acc = PLDAccountant()
            try acc.compose(roundEvent, count: rounds)
            return try acc.epsilon(delta: delta)
        }
    }

    /// The tightest ε known for the rounds run so far: the minimum over accountants of their bounds
    /// covering exactly ``roundsRun`` rounds. RDP is updated every round; PLD only by
    /// ``refreshSpent(accountants:)`` (call it before a report), since it costs up to a second.
    public var epsilonSpentSoFar: Double {
        guard roundsRun > 0 else { return 0 }
        return spentSoFar?.epsilon ?? .infinity
    }

    /// The accountant of ``epsilonSpentSoFar`` (nil before the first round).
    public var spentAccountant: AccountantKind? { spentSoFar?.accountant }

    /// The tightest entry of `spent` covering exactly `rounds` rounds; PLD wins a tie.
    static func tightest(_ spent: [String: Spent], rounds: Int) -> Statement? {
        guard rounds > 0 else { return nil }
        var best: Statement? = nil
        for kind in [AccountantKind.pld, .rdp] {
            guard let s = spent[kind.rawValue], s.rounds == rounds else { continue }
            if best == nil || s.epsilon < best!.epsilon { best = Statement(epsilon: s.epsilon, accountant: kind, rounds: rounds) }
        }
        return best
    }

    /// The budget left: ε budget − ``epsilonSpentSoFar`` (never negative).
    public var epsilonRemaining: Double { max(0, epsilonBudget - epsilonSpentSoFar) }

    /// The refusal for running to `total` rounds, with ε spent so far (the tighter of RDP and PLD) and left.
    func exhausted(total: Int, epsilon: Double?) -> PrivacyError {
        var spent = epsilonSpentSoFar
        if spent > epsilonBudget, let pld = try? self.epsilon(afterRounds: roundsRun, accountant: .pld) { spent = min(spent, pld) }
        let over = epsilon.map { "would spend epsilon = \($0) at delta = \(delta)" } ?? "would exceed the budget at delta = \(delta)"
        return PrivacyError(.budgetExhausted, "running to round \(total) \(over), over the budget of \(epsilonBudget): \(spent) spent in \(roundsRun) round(s), \(max(0, epsilonBudget - spent)) left. Stop here, or start a new run with a larger budget or more noise")
    }

    /// Proves that `rounds` more rounds stay within the budget, or throws.
    /// - Throws: `PrivacyError.budgetExhausted` with ε spent and left; `.invalidParameter` if rounds < 1.
    public func check(rounds: Int = 1) throws {
        try PrivacyError.checkCount(rounds, name: "rounds")
        let total = roundsRun + rounds
        if total <= provenRounds { return }
        if let exceeding = exceedingRounds, total >= exceeding { throw exhausted(total: total, epsilon: nil) }
        var best = Double.infinity
        for kind in [AccountantKind.rdp, .pld] {
            let e = try epsilon(afterRounds: total, accountant: kind)
            if e <= epsilonBudget { return }
            best = min(best, e)
        }
        throw exhausted(total: total, epsilon: best)
    }

    /// True if `rounds` more rounds stay within the budget.
    public func canRun(rounds: Int = 1) -> Bool {
        guard rounds >= 1 else { return false }
        return (try? check(rounds: rounds)) != nil
    }

    /// Finds the largest total round count within budget, starting from `total` (which must be checked):
    /// RDP first (cheap), then PLD, by doubling and bisection (ε grows with the rounds). Sets
    /// ``provenRounds`` and ``exceedingRounds``; returns false if `total` itself is over budget.
    mutating func prove(total: Int) throws -> Bool {
        func within(_ n: Int, _ kind: AccountantKind) throws -> Bool { try epsilon(afterRounds: n, accountant: kind) <= epsilonBudget }
        func limit(from start: Int, _ kind: AccountantKind) throws -> Int {
            // start is within budget; find the last n within budget.
            var good = start
            var step = 1
            var bad: Int? = nil
            while bad == nil {
                let next = good + step
                if next > 1 << 40 { return good }
                if try within(next, kind) { good = next; step *= 2 } else { bad = next }
            }
            var hi = bad!
            while hi - good > 1 {
                let mid = good + (hi - good) / 2
                if try within(mid, kind) { good = mid } else { hi = mid }
            }
            return good
        }
        if try within(total, .rdp) {
            provenRounds = max(provenRounds, try limit(from: total, .rdp))
            return true
        }
        if try within(total, .pld) {
            let last = try limit(from: total, .pld)
            provenRounds = max(provenRounds, last)
            exceedingRounds = last + 1
            return true
        }
        exceedingRounds = min(exceedingRounds ?? total, total)
        return false
    }

    /// Records that round number `round` (1-based, the next one) ran, after proving it is within budget.
    ///
    /// Stores the RDP bound for the rounds run; when it is over the budget, also the PLD bound for
    /// exactly these rounds, which must be within it (``spentSoFar`` is then PLD). That makes
    /// "spent ≤ budget" hold for the exact round count, not only through ``provenRounds``.
    /// - Complexity: microseconds while RDP proves the budget; one PLD composition (milliseconds to
    ///   about a second) per round after that.
    /// - Throws: `PrivacyError.budgetExhausted` (nothing is recorded) or `.invalidParameter` if `round`
    ///   is not ``roundsRun`` + 1.
    public mutating func record(round: Int) throws {
        guard round == roundsRun + 1 else {
            throw PrivacyError(.invalidParameter, "round \(round) is not the next round (\(roundsRun + 1)); rounds must be recorded once each, in order")
        }
        if round > provenRounds {
            if let exceeding = exceedingRounds, round >= exceeding { throw exhausted(total: round, epsilon: nil) }
            guard try prove(total: round) else { throw exhausted(total: round, epsilon: nil) }
        }
        let e = try epsilon(afterRounds: round, accountant: .rdp)
        var pld: Double? = nil
        if e > epsilonBudget {
            // RDP cannot prove this round: PLD admitted it, so PLD is the ε shown (and must hold).
            let p = try epsilon(afterRounds: round, accountant: .pld)
            guard p <= epsilonBudget else { throw exhausted(total: round, epsilon: p) }
            pld = p
        }
        roundsRun = round
        epsilonSpent[AccountantKind.rdp.rawValue] = Spent(epsilon: e, rounds: round)
        if let pld { epsilonSpent[AccountantKind.pld.rawValue] = Spent(epsilon: pld, rounds: round) }
        serverViewEpsilon = try computedServerView(rounds: serverViewRounds)
    }

    /// Records a discarded round: no model was released, so ε spent does not change, but the server
    /// saw the round's individual updates, so ``serverViewEpsilon`` now covers it too. If the server
    /// view cannot be computed it becomes +∞ (never understated).
    public mutating func recordDiscarded() {
        discardedRounds = (discardedRounds ?? 0) + 1
        serverViewEpsilon = (try? computedServerView(rounds: serverViewRounds)) ?? serverViewEvent.map { _ in .infinity }
    }

    /// ε of ``serverViewEvent`` composed `rounds` times without amplification (nil under central trust
    /// or before any round).
    func computedServerView(rounds: Int) throws -> Double? {
        guard let view = serverViewEvent, rounds > 0 else { return nil }
        var acc = PLDAccountant()
        try acc.compose(view, count: rounds)
        return try acc.epsilon(delta: delta)
    }

    /// Recomputes ε for the rounds run so far under `accountants` (e.g. PLD before a final report).
    public mutating func refreshSpent(accountants: [AccountantKind] = AccountantKind.allCases) throws {
        for kind in accountants {
            let e = try epsilon(afterRounds: roundsRun, accountant: kind)
            epsilonSpent[kind.rawValue] = Spent(epsilon: e, rounds: roundsRun)
        }
    }
}

extension PrivacyLedger {
    /// On load: recomputes what the ledger caches from its round event and refuses a file whose stored
    /// values differ (relative tolerance 10⁻⁹, for a build that rounds differently): the per-round RDP
    /// curve, every stored ε bound, the server view, and the claim that ``provenRounds`` rounds fit the
    /// budget under some accountant.
    /// - Complexity: a few PLD compositions (up to about a second each at 10,000 rounds).
    func verifyDerivedValues(path: String) throws {
        func close(_ a: Double, _ b: Double) -> Bool {
            a == b || (a.isFinite && b.isFinite && abs(a - b) <= 1e-9 * max(abs(a), abs(b)))
        }
        func refuse(_ what: String) -> PrivacyError {
            PrivacyError(.corruptLedger, "\(path): \(what) does not match its round event \(roundEvent); it was left untouched. Restore it from a backup")
        }
        var rdp = RDPAccountant()
        try rdp.compose(roundEvent)
        guard rdp.rdp.count == roundRDP.count, zip(rdp.rdp, roundRDP).allSatisfy({ close($0, $1) }) else {
            throw refuse("the cached per-round RDP curve")
        }
        for (key, spent) in epsilonSpent {
            guard let kind = AccountantKind(rawValue: key), spent.rounds >= 1, spent.rounds <= roundsRun else {
                throw refuse("the stored bound \(key) over \(spent.rounds) round(s)")
            }
            guard close(try epsilon(afterRounds: spent.rounds, accountant: kind), spent.epsilon) else {
                throw refuse("the stored \(key) bound ε = \(spent.epsilon) over \(spent.rounds) round(s)")
            }
        }
        if provenRounds > 0 {
            var proves = try epsilon(afterRounds: provenRounds, accountant: .rdp) <= epsilonBudget
            if !proves { proves = try epsilon(afterRounds: provenRounds, accountant: .pld) <= epsilonBudget }
            guard proves else {
                throw refuse("the claim that \(provenRounds) rounds fit the budget of \(epsilonBudget)")
            }
        }
        if let exceeding = exceedingRounds, exceeding <= provenRounds {
            throw refuse("the exceeding round count \(exceeding) (at most the proven \(provenRounds))")
        }
        guard (discardedRounds ?? 0) >= 0 else { throw refuse("the discarded round count") }
        // Files from before discarded rounds were counted hold the released rounds' server view.
        let view = try computedServerView(rounds: serverViewRounds)
        guard view == serverViewEpsilon || (view != nil && serverViewEpsilon != nil && close(view!, serverViewEpsilon!)) else {
            throw refuse("the server-view ε \(serverViewEpsilon.map { "\($0)" } ?? "none")")
        }
    }

    /// On load: recomputes ``spentSoFar`` from ``epsilonSpent`` and refuses a stored one that differs.
    /// A ledger written before the ε shown followed the enforcing accountant may hold only an RDP
    /// bound above the budget for its rounds; PLD is computed for them then (it admitted them), and a
    /// ledger that neither accountant proves within budget is refused.
    mutating func restateSpent(path: String) throws {
        let stored = spentSoFar
        var restated = Self.tightest(epsilonSpent, rounds: roundsRun)
        if let r = restated, r.epsilon > epsilonBudget {
            let pld = try epsilon(afterRounds: roundsRun, accountant: .pld)
            guard pld <= epsilonBudget else {
                throw PrivacyError(.corruptLedger, "\(path) records \(roundsRun) round(s), but they spend epsilon = \(pld) (PLD) over the budget of \(epsilonBudget): no accountant admits them. It was left untouched; restore it from a backup")
            }
            epsilonSpent[AccountantKind.pld.rawValue] = Spent(epsilon: pld, rounds: roundsRun)
            restated = Self.tightest(epsilonSpent, rounds: roundsRun)
        }
        if let stored, stored != restated {
            throw PrivacyError(.corruptLedger, "\(path) states epsilon spent \(stored.epsilon) (\(stored.accountant)) for \(stored.rounds) round(s), but its bounds give \(restated.map { "\($0.epsilon) (\($0.accountant))" } ?? "none"). It was left untouched; restore it from a backup")
        }
        spentSoFar = restated
    }

    /// The on-disk envelope: format tag, version, checksum of the encoded ledger, ledger.
    struct File: Codable {
        var format: String
        var version: Int
        var checksum: String
        var ledger: PrivacyLedger
    }

    static let formatTag = "fedrec-privacy-ledger"

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }

    /// SHA-256 of the ledger's canonical JSON (format version 2): catches truncation, bit flips and
    /// careless hand edits (accidental corruption); unkeyed, so not a defence against a deliberate
    /// forgery (see the type's doc).
    static func checksum(of ledger: PrivacyLedger) throws -> String {
        _SHA256.hex(try encoder().encode(ledger))
    }

    /// The checksum of `ledger` for file format `version`.
    static func checksum(of ledger: PrivacyLedger, version: Int) throws -> String {
        version == 1 ? try legacyChecksum(of: ledger) : try checksum(of: ledger)
    }

    /// FNV-1a 64 of the ledger's canonical JSON: the checksum of format version 1 (read, never written).
    static func legacyChecksum(of ledger: PrivacyLedger) throws -> String {
        let data = try encoder().encode(ledger)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            h ^= UInt64(byte)
            h &*= 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Writes the ledger to `url` atomically: a temporary file in the same directory, flushed to disk,
    /// then renamed over `url`, so a crash leaves either the old ledger or the new one, never half of one.
    /// - Throws: `PrivacyError.corruptLedger` if the file cannot be written (naming the path).
    public func save(to url: URL) throws {
        let file = File(format: Self.formatTag, version: Self.formatVersion, checksum: try Self.checksum(of: self), ledger: self)
        let data = try Self.encoder().encode(file)
        let directory = url.deletingLastPathComponent()
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).\(UInt64.random(in: 0...UInt64.max)).tmp")
        do {
            guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
                throw PrivacyError(.corruptLedger, "cannot create \(temp.path): check that \(directory.path) exists and is writable")
            }
            let handle = try FileHandle(forWritingTo: temp)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temp.path, url.path) == 0 else {
                throw PrivacyError(.corruptLedger, "cannot move the new ledger into place at \(url.path) (errno \(errno))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            if let e = error as? PrivacyError { throw e }
            throw PrivacyError(.corruptLedger, "cannot write the privacy ledger \(url.path): \(error)")
        }
    }

    /// Reads a ledger saved by ``save(to:)`` and checks that it belongs to this run.
    /// - Throws: `PrivacyError.corruptLedger` if the file is unreadable, not a ledger, of another format
    ///   version, fails its checksum or is inconsistent; `PrivacyError.ledgerMismatch` if its run id or
    ///   configuration fingerprint differs. The file is never modified.
    public static func load(from url: URL, runID: String? = nil, configFingerprint: String? = nil) throws -> PrivacyLedger {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PrivacyError(.corruptLedger, "cannot read the privacy ledger \(url.path): \(error.localizedDescription)")
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw PrivacyError(.corruptLedger, "\(url.path) is not a valid privacy ledger (\(error)); it was left untouched. Restore it from a backup; never delete it to reset the budget")
        }
        guard file.format == formatTag, readableVersions.contains(file.version) else {
            throw PrivacyError(.corruptLedger, "\(url.path) has format \(file.format) version \(file.version); this build reads \(formatTag) versions \(readableVersions.map(String.init).joined(separator: ", "))")
        }
        var ledger = file.ledger
        guard try checksum(of: ledger, version: file.version) == file.checksum else {
            throw PrivacyError(.corruptLedger, "\(url.path) fails its checksum: it was altered or damaged after it was written. It was left untouched; restore it from a backup")
        }
        guard ledger.roundsRun >= 0, ledger.provenRounds >= ledger.roundsRun, ledger.epsilonBudget > 0,
              ledger.delta > 0, ledger.delta < 1 else {
            throw PrivacyError(.corruptLedger, "\(url.path) holds inconsistent values (rounds \(ledger.roundsRun), budget \(ledger.epsilonBudget), delta \(ledger.delta))")
        }
        try ledger.verifyDerivedValues(path: url.path)
        try ledger.restateSpent(path: url.path)
        if let runID, ledger.runID != runID {
            throw PrivacyError(.ledgerMismatch, "\(url.path) belongs to run \(ledger.runID), not \(runID); use that run's state directory or a new one")
        }
        if let configFingerprint, ledger.configFingerprint != configFingerprint {
            throw PrivacyError(.ledgerMismatch, "\(url.path) was written for configuration \(ledger.configFingerprint), but this run's configuration is \(configFingerprint); privacy-relevant settings cannot change mid-run")
        }
        return ledger
    }
}
