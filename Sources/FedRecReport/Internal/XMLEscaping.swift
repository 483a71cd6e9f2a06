/// Escaping of text and attribute values for XML 1.0 (and so SVG).
enum XMLEscaping {
    /// Escapes `&`, `<`, `>`, `"` and `'` as entities and replaces characters XML 1.0 forbids
    /// (C0 controls other than tab, newline and carriage return; lone surrogates cannot occur in a
    /// Swift `String`; U+FFFE and U+FFFF) with U+FFFD, so the result is always well-formed.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Whether `name` is a plain XML name we accept for elements and attributes: ASCII letters, digits,
    /// `-`, `_`, `.` and `:`, not starting with a digit, `-` or `.`.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) || s == "_" || s == ":" }
        guard isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
    }
}
