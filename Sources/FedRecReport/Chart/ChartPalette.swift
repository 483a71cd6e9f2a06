/// Colours for charts: the Okabe–Ito palette, distinguishable with the common forms of colour blindness.
///
/// Okabe, M. & Ito, K. (2002), "Color Universal Design (CUD): how to make figures and presentations
/// that are friendly to colorblind people". ``LineChart`` also varies marker shapes, so series stay
/// apart in greyscale print.
public enum ChartPalette {
    /// Series colours in the order ``LineChart`` assigns them: blue, vermillion, bluish green, reddish
    /// purple, orange, sky blue, yellow, black. Yellow comes late because it is faint on white.
    public static let okabeIto: [String] = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
    ]

    /// Colours of reference lines, in order: black, then dark grey (they are also told apart by dash pattern).
    public static let reference: [String] = ["#000000", "#666666"]

    /// The colour of the series at `index` (wrapping around after eight).
    public static func seriesColor(_ index: Int) -> String {
        okabeIto[index % okabeIto.count]
    }
}
