import Foundation

extension JSONValue {
    /// The JSON form of any `Encodable` value (keys as its coding keys produce them).
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(value)
        self = JSONValue(foundation: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    /// Converts the output of `JSONSerialization` (objects with keys sorted).
    init(foundation object: Any) {
        switch object {
        case let d as [String: Any]: self = .object(d.keys.sorted().map { ($0, JSONValue(foundation: d[$0]!)) })
        case let a as [Any]: self = .array(a.map { JSONValue(foundation: $0) })
        case let s as String: self = .string(s)
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { self = .bool(n.boolValue) }
            else if let i = Int(exactly: n.doubleValue), !String(describing: n).contains(".") { self = .int(i) }
            else { self = .double(n.doubleValue) }
        default: self = .null
        }
    }
}
