/// The declaration of one command-line option: its name, type, default and allowed range.
///
/// Declarations drive parsing, validation and `--help`, so the help text can never drift
/// from what the parser accepts.
public struct OptionSpec: Sendable {
    /// What kind of value an option takes and which values are allowed.
    public enum Kind: Sendable {
        /// A boolean switch with no value (`--json`).
        case flag
        /// An integer within `range`.
        case int(ClosedRange<Int>)
        /// A real number within `bounds`.
        case double(Bounds)
        /// One of a fixed set of words.
        case choice([String])
        /// Free text (a path, a URL, a token).
        case string
    }

    /// The option's name without the leading dashes (`rounds` for `--rounds`).
    public var name: String
    /// The placeholder shown in help (`T`, `FILE`).
    public var valueName: String
    /// The kind of value and its allowed range.
    public var kind: Kind
    /// One line saying what the option does.
    public var help: String
    /// The default value as the user would type it; `nil` when there is none.
    public var defaultValue: String?

    /// Declares an option.
    public init(_ name: String, _ kind: Kind, valueName: String = "VALUE", default defaultValue: String? = nil, help: String) {
        self.name = name
        self.kind = kind
        self.valueName = valueName
        self.help = help
        self.defaultValue = defaultValue
    }

    /// Declares a boolean switch.
    public static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name, .flag, help: help)
    }

    /// The allowed values, as help and error messages state them.
    public var allowedDescription: String {
        switch kind {
        case .flag: return "a switch that takes no value"
        case .int(let r):
            if r.upperBound == Int.max { return "an integer ≥ \(r.lowerBound)" }
            return "an integer in \(r.lowerBound)…\(r.upperBound)"
        case .double(let b): return "a number in \(b)"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .string: return "text"
        }
    }
}

/// An interval of real numbers with open or closed ends, e.g. (0, 1].
public struct Bounds: Sendable, CustomStringConvertible {
    /// The lower end (−∞ when `nil`).
    public var lower: Double?
    /// Whether the lower end is excluded.
    public var lowerOpen: Bool
    /// The upper end (+∞ when `nil`).
    public var upper: Double?
    /// Whether the upper end is excluded.
    public var upperOpen: Bool

    /// Creates an interval.
    public init(lower: Double?, lowerOpen: Bool = false, upper: Double?, upperOpen: Bool = false) {
        self.lower = lower
        self.lowerOpen = lowerOpen
        self.upper = upper
        self.upperOpen = upperOpen
    }

    /// x > 0.
    public static let positive = Bounds(lower: 0, lowerOpen: true, upper: nil)
    /// x ≥ 0.
    public static let nonNegative = Bounds(lower: 0, upper: nil)
    /// 0 < x ≤ 1: a probability that can be one.
    public static let probability = Bounds(lower: 0, lowerOpen: true, upper: 1)
    /// 0 < x < 1.
    public static let openUnit = Bounds(lower: 0, lowerOpen: true, upper: 1, upperOpen: true)

    /// Whether `x` lies in the interval (NaN never does).
    public func contains(_ x: Double) -> Bool {
        guard !x.isNaN else { return false }
        if let l = lower, lowerOpen ? !(x > l) : !(x >= l) { return false }
        if let u = upper, upperOpen ? !(x < u) : !(x <= u) { return false }
        return true
    }

    /// Interval notation, e.g. `(0, 1]` or `[0, ∞)`.
    public var description: String {
        let l = lower.map { formatBound($0) } ?? "−∞"
        let u = upper.map { formatBound($0) } ?? "∞"
        return "\(lower == nil || lowerOpen ? "(" : "[")\(l), \(u)\(upper == nil || upperOpen ? ")" : "]")"
    }

    private func formatBound(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
