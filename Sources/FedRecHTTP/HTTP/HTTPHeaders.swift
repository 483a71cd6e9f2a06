/// An ordered list of HTTP header fields with case-insensitive lookup by name.
///
/// Names are stored as received (for responses, as given) and compared ASCII-case-insensitively,
/// as RFC 9110 §5.1 requires. Repeated names are kept in order.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields in order, as `(name, value)` pairs.
    public private(set) var fields: [(name: String, value: String)] = []

    /// Creates an empty header list.
    public init() {}

    /// Creates headers from literal pairs, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(_ name: String, _ value: String) {
        precondition(HTTPHeaders.isToken(name), "invalid header name \(name)")
        precondition(!value.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }, "header values must not contain CR, LF or NUL")
        fields.append((name, value))
    }

    /// Replaces every field named `name` with one field (or removes them all when `value` is nil).
    public mutating func set(_ name: String, _ value: String?) {
        fields.removeAll { HTTPHeaders.equalsIgnoringCase($0.name, name) }
        if let value { add(name, value) }
    }

    /// The value of the first field named `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        fields.first { HTTPHeaders.equalsIgnoringCase($0.name, name) }?.value
    }

    /// Every value of fields named `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { HTTPHeaders.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether a comma-separated field (such as `Connection`) contains `token`, case-insensitively.
    public func containsToken(_ token: String, in name: String) -> Bool {
        values(for: name).contains { value in
            value.split(separator: ",").contains {
                HTTPHeaders.equalsIgnoringCase($0.trimmingSpaces(), token)
            }
        }
    }

    /// The number of fields.
    public var count: Int { fields.count }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// Field lists are equal when they hold the same names (ignoring case) and values in order.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { equalsIgnoringCase($0.name, $1.name) && $0.value == $1.value }
    }

    /// Hashes lowercased names and values.
    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name.lowercased())
            hasher.combine(field.value)
        }
    }

    /// ASCII case-insensitive comparison (header names and tokens are ASCII).
    public static func equalsIgnoringCase(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lowerASCII($0) == lowerASCII($1) }
    }

    static func lowerASCII(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }

    /// Whether `byte` is an RFC 9110 `tchar` (a character allowed in a token).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Whether `string` is a non-empty RFC 9110 token.
    static func isToken(_ string: some StringProtocol) -> Bool {
        !string.isEmpty && string.utf8.allSatisfy(isTokenByte)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs (HTTP optional whitespace).
    package func trimmingSpaces() -> Substring {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
