/// Locale-free, deterministic number formatting shared by the SVG writer, chart tick labels and reports.
///
/// Foundation's `String(format:)` and `NumberFormatter` may depend on the process locale; these functions
/// depend on nothing but the value, so the same run writes the same bytes everywhere.
enum DecimalFormatting {
    /// Formats a finite `x` with exactly `decimals` digits after the point, rounding half away from zero.
    ///
    /// Values too large for 15 significant digits at that precision fall back to Swift's shortest
    /// round-trip form (e.g. `1e+20`), which is also locale-free.
    static func fixed(_ x: Double, decimals: Int) -> String {
        precondition(x.isFinite, "fixed(_:decimals:) needs a finite value")
        precondition((0...15).contains(decimals), "decimals must be in 0...15")
        let scaled = (x.magnitude * power10(decimals)).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e15 else { return x.description }
        var digits = String(UInt64(scaled))
        if decimals > 0 {
            if digits.count <= decimals {
                digits = String(repeating: "0", count: decimals + 1 - digits.count) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (x < 0 && scaled != 0 ? "-" : "") + digits
    }

    /// Formats a finite `x` with at most `maxFractionDigits` decimals, trailing zeros (and a bare point)
    /// removed, and never `-0`: `compact(2.50, 2) == "2.5"`, `compact(-0.001, 2) == "0"`.
    static func compact(_ x: Double, maxFractionDigits: Int) -> String {
        var text = fixed(x, decimals: maxFractionDigits)
        guard maxFractionDigits > 0, text.contains("."), !text.contains("e") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Formats `mantissa × 10^exponent` (an exact decimal) as the nearest `Double`.
    static func decimal(_ mantissa: Int, exponent: Int) -> Double {
        Double("\(mantissa)e\(exponent)")!
    }

    /// `10^n`, correctly rounded, for any `n` in the range of `Double`.
    static func power10(_ n: Int) -> Double {
        decimal(1, exponent: n)
    }

    /// Writes `n` with Unicode superscript digits (and minus): `superscript(-3) == "⁻³"`.
    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let body = String(String(n.magnitude).map { digits[Int(String($0))!] })
        return (n < 0 ? "⁻" : "") + body
    }
}
