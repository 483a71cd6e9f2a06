import FedRecReport

/// A JSON value with object keys kept in insertion order, so `--json` output is stable and
/// reads in the order a person expects (metrics first, details after).
public enum JSONValue: Sendable, Equatable {
    /// `null`; also how non-finite numbers are written (JSON has no ∞ or NaN).
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer.
    case int(Int)
    /// A real number; written with up to 17 significant digits, `null` when not finite.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object with ordered keys.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.serialized() == rhs.serialized()
    }

    /// Compact JSON text.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        case .double(let x):
            if !x.isFinite { out += "null" }
            else if x == x.rounded(), abs(x) < 1e15 { out += String(Int(x)) + ".0" }
            else { out += "\(x)" }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (k, (key, value)) in pairs.enumerated() {
                if k > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        JSONText.appendQuoted(s, to: &out)
    }
}

/// Builds a JSON object key by key, in order.
public struct JSONObjectBuilder: Sendable {
    /// The pairs so far.
    public private(set) var pairs: [(String, JSONValue)] = []

    /// An empty object.
    public init() {}

    /// Appends `key: value`.
    public mutating func set(_ key: String, _ value: JSONValue) { pairs.append((key, value)) }
    /// Appends a real number.
    public mutating func set(_ key: String, _ value: Double) { set(key, .double(value)) }
    /// Appends a real number, or `null` when absent.
    public mutating func set(_ key: String, _ value: Double?) { set(key, value.map { .double($0) } ?? .null) }
    /// Appends an integer.
    public mutating func set(_ key: String, _ value: Int) { set(key, .int(value)) }
    /// Appends a string.
    public mutating func set(_ key: String, _ value: String) { set(key, .string(value)) }
    /// Appends a boolean.
    public mutating func set(_ key: String, _ value: Bool) { set(key, .bool(value)) }

    /// The finished object.
    public var value: JSONValue { .object(pairs) }
}
