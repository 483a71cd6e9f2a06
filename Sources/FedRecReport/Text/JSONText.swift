/// JSON text pieces shared by everything that writes JSON by hand (the command line's output, the
/// server's error bodies), so there is one escaping rule.
public enum JSONText {
    /// `string` as a JSON string literal: quotes, backslash and C0 controls escaped (RFC 8259 §7),
    /// every other scalar written as is (JSON text is UTF-8).
    public static func quoted(_ string: String) -> String {
        var out = ""
        appendQuoted(string, to: &out)
        return out
    }

    /// Appends `string` as a JSON string literal to `out` (see ``quoted(_:)``).
    public static func appendQuoted(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
