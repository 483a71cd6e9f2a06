/// The one error type of FedRecPrivacy: a code callers can match on and a message a user can act on.
///
/// Messages name the parameter, the offending value and the allowed range (or, for ledgers, the
/// file and what to do), e.g. `invalid parameter: sampling rate q = 1.5 is outside (0, 1]`.
public struct PrivacyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. An open set: new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's human-readable name.
        public let name: String

        /// Creates a code; use the static members.
        init(name: String) { self.name = name }

        /// A parameter is outside its allowed range (z ≤ 0, q ∉ (0, 1], δ ∉ (0, 1), T < 1, C ≤ 0, …).
        public static let invalidParameter = Code(name: "invalid parameter")
        /// Running the requested rounds would spend more than the privacy budget.
        public static let budgetExhausted = Code(name: "privacy budget exhausted")
        /// No noise multiplier in the search range meets the target (ε, δ).
        public static let unreachableTarget = Code(name: "unreachable privacy target")
        /// A ledger file cannot be read or decoded, or its contents are inconsistent.
        public static let corruptLedger = Code(name: "corrupt privacy ledger")
        /// A ledger file belongs to another run or configuration.
        public static let ledgerMismatch = Code(name: "privacy ledger mismatch")
        /// An accountant was asked to compose an event it cannot account for.
        public static let unsupportedEvent = Code(name: "unsupported privacy event")
        /// Fewer updates arrived than the distributed trust model needs to release an aggregate.
        public static let tooFewUpdates = Code(name: "too few updates")
        /// A server's published privacy plan falls short of what a client requires.
        public static let weakPlan = Code(name: "privacy plan below the client's requirements")

        /// The code's name.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// What was wrong and how to fix it.
    public var message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code.name): \(message)" }
}

extension PrivacyError {
    /// Throws `invalidParameter` unless `0 < z < ∞`.
    static func checkNoiseMultiplier(_ z: Double, name: String = "noise multiplier z") throws {
        guard z > 0, z.isFinite else {
            throw PrivacyError(.invalidParameter, "\(name) = \(z) must be a positive finite number")
        }
    }

    /// Throws `invalidParameter` unless `0 < q ≤ 1`.
    static func checkSamplingRate(_ q: Double) throws {
        guard q > 0, q <= 1 else {
            throw PrivacyError(.invalidParameter, "sampling rate q = \(q) is outside (0, 1]")
        }
    }

    /// Throws `invalidParameter` unless `0 < δ < 1`.
    static func checkDelta(_ delta: Double) throws {
        guard delta > 0, delta < 1 else {
            throw PrivacyError(.invalidParameter, "delta = \(delta) is outside (0, 1)")
        }
    }

    /// Throws `invalidParameter` unless `0 ≤ ε < ∞`.
    static func checkEpsilon(_ epsilon: Double, name: String = "epsilon") throws {
        guard epsilon >= 0, epsilon.isFinite else {
            throw PrivacyError(.invalidParameter, "\(name) = \(epsilon) must be a finite number >= 0")
        }
    }

    /// Throws `invalidParameter` unless `count ≥ 1`.
    static func checkCount(_ count: Int, name: String = "steps T") throws {
        guard count >= 1 else {
            throw PrivacyError(.invalidParameter, "\(name) = \(count) must be at least 1")
        }
    }

    /// Throws `invalidParameter` unless `0 < C < ∞`.
    static func checkClip(_ c: Double, name: String = "clip bound C") throws {
        guard c > 0, c.isFinite else {
            throw PrivacyError(.invalidParameter, "\(name) = \(c) must be a positive finite number")
        }
    }
}
