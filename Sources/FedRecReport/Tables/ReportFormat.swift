import Foundation

/// Locale-free number formatting for report tables and text (the same bytes on every machine).
public enum ReportFormat {
    /// `value` with exactly `decimals` digits after the point, rounded half away from zero:
    /// `fixed(0.91234, decimals: 3) == "0.912"`. `∞`, `−∞` and `n/a` (NaN) for non-finite values, so a
    /// privacy budget of ∞ reads naturally.
    /// - Precondition: `decimals` is in 0...15.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        if value == .infinity { return "∞" }
        if value == -.infinity { return "−∞" }
        if value.isNaN { return "n/a" }
        return DecimalFormatting.fixed(value, decimals: decimals)
    }

    /// `mean ± std` with both at `decimals` digits, e.g. `"0.9512 ± 0.0031"`; just the mean when `std`
    /// is `nil` (a single seed). Non-finite values are written as in ``fixed(_:decimals:)``.
    public static func meanStd(_ mean: Double, _ std: Double?, decimals: Int) -> String {
        guard let std else { return fixed(mean, decimals: decimals) }
        return fixed(mean, decimals: decimals) + " ± " + fixed(std, decimals: decimals)
    }

    /// A compact general form with up to `significantDigits` significant digits, switching to exponent
    /// notation for very small or large magnitudes: `1e-05` → `"1e-5"`, `0.0123456` → `"0.01235"`.
    /// Non-finite values are written as in ``fixed(_:decimals:)``.
    /// - Precondition: `significantDigits` is in 1...15.
    public static func general(_ value: Double, significantDigits: Int = 4) -> String {
        precondition((1...15).contains(significantDigits), "significantDigits must be in 1...15")
        guard value.isFinite else { return fixed(value, decimals: 0) }
        if value == 0 { return "0" }
        var exponent = Int(value.magnitude.exponentOfTen)
        // Rounding may carry into the next power of ten (9.9996 → 10.00).
        let rounded = DecimalFormatting.fixed(value.magnitude / DecimalFormatting.power10(exponent), decimals: significantDigits - 1)
        if rounded.hasPrefix("10") { exponent += 1 }
        if exponent < -4 || exponent >= 7 {
            let mantissa = DecimalFormatting.compact(value / DecimalFormatting.power10(exponent), maxFractionDigits: significantDigits - 1)
            return mantissa + "e" + String(exponent)
        }
        return DecimalFormatting.compact(value, maxFractionDigits: max(0, significantDigits - 1 - exponent))
    }
}

extension Double {
    /// ⌊log₁₀ |self|⌋ for finite non-zero values.
    fileprivate var exponentOfTen: Double {
        var e = Foundation.log10(self).rounded(.down)
        if DecimalFormatting.power10(Int(e)) > self { e -= 1 }
        if DecimalFormatting.power10(Int(e) + 1) <= self { e += 1 }
        return e
    }
}
