/// An accountant: composes ``PrivacyEvent``s and converts the total into (ε, δ)-DP guarantees.
///
/// Two implementations: ``RDPAccountant`` (Rényi DP, fast, slightly loose) and ``PLDAccountant``
/// (privacy loss distributions, tight). Both give valid upper bounds on ε for add/remove-one-user
/// adjacency; ``AccountantKind`` names them for configuration and reports.
public protocol PrivacyAccountant: Sendable {
    /// Which accountant this is.
    var kind: AccountantKind { get }

    /// Adds `count` repetitions of `event` to the history.
    /// - Throws: `PrivacyError.invalidParameter` for bad parameters or `count < 1`;
    ///   `PrivacyError.unsupportedEvent` for events the accountant cannot bound.
    mutating func compose(_ event: PrivacyEvent, count: Int) throws

    /// The smallest ε (an upper bound) such that everything composed so far is (ε, δ)-DP.
    /// - Throws: `PrivacyError.invalidParameter` unless 0 < δ < 1.
    func epsilon(delta: Double) throws -> Double

    /// The smallest δ (an upper bound) such that everything composed so far is (ε, δ)-DP.
    /// - Throws: `PrivacyError.invalidParameter` unless ε ≥ 0 is finite.
    func delta(epsilon: Double) throws -> Double
}

extension PrivacyAccountant {
    /// Adds one occurrence of `event` to the history.
    public mutating func compose(_ event: PrivacyEvent) throws { try compose(event, count: 1) }
}

/// The accountants FedRec offers, by the names the command line uses (`--accountant rdp|pld`).
public enum AccountantKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Rényi DP of the Poisson-subsampled Gaussian (Mironov, Talwar & Zhang 2019).
    case rdp
    /// Privacy loss distributions, connect-the-dots discretization (Doroshenko et al. 2022).
    case pld

    /// A fresh accountant of this kind with default settings.
    public func makeAccountant() -> any PrivacyAccountant {
        switch self {
        case .rdp: RDPAccountant()
        case .pld: PLDAccountant()
        }
    }

    /// `"rdp"` or `"pld"`.
    public var description: String { rawValue }
}
