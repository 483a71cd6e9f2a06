import Foundation

/// One tick of an axis: a data value and, when it is labelled, its label.
struct AxisTick: Equatable {
    var value: Double
    var label: String?
    /// Major ticks get a grid line and a long tick mark; minor ones only a short mark.
    var isMajor: Bool
}

/// The domain and ticks of one chart axis, and the mapping from data values to [0, 1].
struct AxisTicks: Equatable {
    var lower: Double
    var upper: Double
    var isLog: Bool
    var ticks: [AxisTick]

    /// The position of `value` along the axis, 0 at `lower`, 1 at `upper`.
    func fraction(_ value: Double) -> Double {
        if isLog { return (Foundation.log10(value) - Foundation.log10(lower)) / (Foundation.log10(upper) - Foundation.log10(lower)) }
        return (value - lower) / (upper - lower)
    }

    /// "Nice" linear ticks covering [`min`, `max`] widened by `padding` × range on each side: the step is
    /// 1, 2 or 5 × 10ᵏ, the one nearest to range / `targetIntervals` (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
    /// Each end of the domain snaps outwards to the next tick when that adds at most half a step of
    /// empty space; otherwise it stays at the padded data range (so no third of the plot is wasted).
    static func linear(min dataMin: Double, max dataMax: Double, padding: Double, targetIntervals: Int = 5) -> AxisTicks {
        var lo = dataMin, hi = dataMax
        if !(hi > lo) {
            let half = lo == 0 ? 1 : lo.magnitude * 0.1
            lo -= half
            hi += half
        }
        let pad = (hi - lo) * padding
        lo -= pad
        hi += pad
        let raw = (hi - lo) / Double(targetIntervals)
        guard raw.isFinite, raw > 0 else { return fallback(lo, hi) }
        var exponent = Int(Foundation.log10(raw).rounded(.down))
        let fraction = raw / Foundation.pow(10, Double(exponent))
        var mantissa: Int
        switch fraction {
        case ..<1.5: mantissa = 1
        case ..<3: mantissa = 2
        case ..<7: mantissa = 5
        default: mantissa = 1; exponent += 1
        }
        let step = DecimalFormatting.decimal(mantissa, exponent: exponent)
        let kLowDouble = (lo / step).rounded(.down), kHighDouble = (hi / step).rounded(.up)
        guard kLowDouble.magnitude < 1e12, kHighDouble.magnitude < 1e12, kHighDouble - kLowDouble <= 1000 else {
            return fallback(lo, hi)
        }
        let allValues = (Int(kLowDouble)...Int(kHighDouble)).map { DecimalFormatting.decimal($0 * mantissa, exponent: exponent) }
        // Snap an end of the domain out to a tick only when that costs at most half a step of empty space.
        let lower = lo - allValues.first! <= step / 2 ? allValues.first! : lo
        let upper = allValues.last! - hi <= step / 2 ? allValues.last! : hi
        let tolerance = step * 1e-9
        let values = allValues.filter { $0 >= lower - tolerance && $0 <= upper + tolerance }
        let largest = values.map(\.magnitude).max() ?? 0
        let useExponent = exponent < -5 || largest >= 1e7
        let ticks = values.map { value in
            AxisTick(value: value, label: useExponent ? exponentLabel(value) : DecimalFormatting.fixed(value, decimals: max(0, -exponent)), isMajor: true)
        }
        return AxisTicks(lower: lower, upper: upper, isLog: false, ticks: ticks)
    }

    /// Base-10 logarithmic ticks for positive data in [`min`, `max`]: the domain is the data range widened
    /// by 5% of its log-span on each side, snapped outwards to a value m × 10ᵏ (m = 1…9). Every decade
    /// inside the domain is a labelled major tick; 2…9 × 10ᵏ are minor ticks, and when the axis spans at
    /// most 2.5 decades the 2 × and 5 × 10ᵏ ones are labelled too (so 0.5…8 reads "0.5, 1, 2, 5").
    /// - Precondition: `min` and `max` are finite and positive.
    static func log10(min dataMin: Double, max dataMax: Double) -> AxisTicks {
        precondition(dataMin > 0 && dataMax > 0 && dataMin.isFinite && dataMax.isFinite)
        var a = Foundation.log10(dataMin), b = Foundation.log10(dataMax)
        if b - a < 1e-9 {
            a -= 0.5
            b += 0.5
        }
        let pad = (b - a) * 0.05
        let lower = snap(Foundation.pow(10, a - pad), up: false)
        let upper = snap(Foundation.pow(10, b + pad), up: true)
        let lowDecade = Int(Foundation.log10(lower.value).rounded(.down)) - 1
        let highDecade = Int(Foundation.log10(upper.value).rounded(.up)) + 1
        let span = Foundation.log10(upper.value) - Foundation.log10(lower.value)
        let decadesInside = (lowDecade...highDecade).filter { contains(DecimalFormatting.decimal(1, exponent: $0), lower.value, upper.value) }
        let plain = decadesInside.allSatisfy { (-3...4).contains($0) }
        let decadeStride = max(1, (decadesInside.count + 7) / 8)
        var ticks: [AxisTick] = []
        for exponent in lowDecade...highDecade {
            for m in 1...9 {
                let value = DecimalFormatting.decimal(m, exponent: exponent)
                guard contains(value, lower.value, upper.value) else { continue }
                if m == 1 {
                    let labelled = (exponent - (decadesInside.first ?? 0)) % decadeStride == 0
                    ticks.append(AxisTick(value: value, label: labelled ? logLabel(m, exponent, plain: plain) : nil, isMajor: true))
                } else {
                    let labelled = span <= 2.5 && (m == 2 || m == 5)
                    ticks.append(AxisTick(value: value, label: labelled ? logLabel(m, exponent, plain: plain) : nil, isMajor: false))
                }
            }
        }
        if ticks.filter({ $0.label != nil }).count < 2 {
            for index in ticks.indices { ticks[index].label = logLabel(ticks[index].value, plain: plain) }
        }
        return AxisTicks(lower: lower.value, upper: upper.value, isLog: true, ticks: ticks)
    }

    private static func contains(_ value: Double, _ lower: Double, _ upper: Double) -> Bool {
        value >= lower * (1 - 1e-12) && value <= upper * (1 + 1e-12)
    }

    /// Snaps `x` > 0 down (or up) to the nearest m × 10ᵏ with m = 1…9.
    private static func snap(_ x: Double, up: Bool) -> (value: Double, m: Int, exponent: Int) {
        var exponent = Int(Foundation.log10(x).rounded(.down))
        let scaled = x / Foundation.pow(10, Double(exponent))
        var m = Int(up ? (scaled - 1e-9).rounded(.up) : (scaled + 1e-9).rounded(.down))
        if m >= 10 { m = 1; exponent += 1 }
        if m <= 0 { m = 9; exponent -= 1 }
        return (DecimalFormatting.decimal(m, exponent: exponent), m, exponent)
    }

    private static func logLabel(_ m: Int, _ exponent: Int, plain: Bool) -> String {
        if plain { return DecimalFormatting.fixed(DecimalFormatting.decimal(m, exponent: exponent), decimals: max(0, -exponent)) }
        return (m == 1 ? "" : "\(m)×") + "10" + DecimalFormatting.superscript(exponent)
    }

    private static func logLabel(_ value: Double, plain: Bool) -> String {
        let exponent = Int(Foundation.log10(value).rounded(.down))
        let m = Int((value / Foundation.pow(10, Double(exponent))).rounded())
        return logLabel(m, exponent, plain: plain)
    }

    /// `6e-07` → `6e-7`, `1e+20` → `1e20`: Swift's shortest round-trip form, tidied.
    static func exponentLabel(_ value: Double) -> String {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text.replacingOccurrences(of: "e+", with: "e").replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e0", with: "e")
    }

    /// Two ticks at the ends, for ranges too extreme for nice steps.
    private static func fallback(_ lo: Double, _ hi: Double) -> AxisTicks {
        let lower = lo.isFinite ? lo : -Double.greatestFiniteMagnitude / 4
        let upper = hi.isFinite && hi > lower ? hi : lower.magnitude + 1
        return AxisTicks(lower: lower, upper: upper, isLog: false, ticks: [
            AxisTick(value: lower, label: exponentLabel(lower), isMajor: true),
            AxisTick(value: upper, label: exponentLabel(upper), isMajor: true),
        ])
    }
}
