/// A line chart of named series, drawn as SVG: metric vs ε (log x axis, mean ± std error bars,
/// reference levels, a non-private point at ε = ∞) or learning curves (metric vs round, linear x).
///
/// ## Layout
/// The title sits on top, the plot area below it with the y axis on the left and the x axis at the
/// bottom, the legend (one entry per series, with its colour, marker shape and line) to the right of
/// the plot, outside it, so it never hides data. Axes get "nice" ticks automatically: steps of
/// 1, 2 or 5 × 10ᵏ on linear axes, every decade on a log axis (plus labelled 2× and 5× ticks when it
/// spans at most 2.5 decades). Light grid lines run at the major ticks.
///
/// ## Series
/// Each series is a polyline through its points in the order given, a marker per point (the shape
/// cycles circle, square, triangle, diamond, inverted triangle, so series differ even without colour)
/// and, for points with an ``Point/error``, a vertical error bar from y − error to y + error with caps.
/// Colours follow ``ChartPalette/okabeIto`` by series index unless a series sets its own.
///
/// ## Points at x = ∞
/// A point with `x == .infinity` (the non-private run in a sweep over ε) is drawn in a separate slot
/// at the right edge: the finite axis ends a little earlier, the x axis shows a break mark (two short
/// slashes), and the slot has its own tick labelled ``infinityLabel`` ("∞"). The point is joined to the
/// series' last finite point by a dashed segment. The slot exists only if some series has such a point.
///
/// ## Points that cannot be drawn
/// Points whose y is NaN or ±∞, whose x is NaN or −∞, or whose x is ≤ 0 on a log axis are skipped (the
/// polyline breaks there); ``unplottablePointCount`` says how many. A NaN or ∞ error just draws no bar.
/// The output never contains a non-finite number.
///
/// ## Reference lines
/// A ``ReferenceLine`` is a dashed horizontal line across the plot with its label written just above it
/// at the left (or below, when that would collide with another label), e.g. "centralized" and
/// "federated, non-private". Their levels are included in the y range.
///
/// ## Example
/// ```swift
/// var chart = LineChart(title: "RMSE vs privacy budget", xLabel: "ε (δ = 1e-5)", yLabel: "RMSE",
///                       xScale: .log10)
/// chart.series.append(.init("MF, distributed DP", points: [
///     .init(x: 0.5, y: 1.12, error: 0.02), .init(x: 1, y: 1.05, error: 0.015),
///     .init(x: 2, y: 0.99, error: 0.01), .init(x: 8, y: 0.95, error: 0.008),
///     .init(x: .infinity, y: 0.93, error: 0.005),   // non-private: drawn at the "∞" tick
/// ]))
/// chart.referenceLines = [.init("centralized", y: 0.91)]
/// let svg: String = chart.render()   // write it next to report.md
/// ```
/// For a learning curve use the default `.linear` x scale, one series per ε with x = round, and
/// `showsMarkers: false` when there are many rounds.
public struct LineChart: Sendable, Hashable {
    /// How values map to positions along an axis.
    public enum Scale: Sendable, Hashable {
        /// Equal distances for equal differences.
        case linear
        /// Equal distances for equal ratios (base-10 logarithm); only positive values can be drawn.
        case log10
    }

    /// One data point: x, y and an optional symmetric error (e.g. the standard deviation over seeds).
    public struct Point: Sendable, Hashable {
        /// Horizontal value; `.infinity` places the point in the ∞ slot at the right edge.
        public var x: Double
        /// Vertical value.
        public var y: Double
        /// Half-length of the error bar (drawn from y − error to y + error); `nil` for none.
        public var error: Double?

        /// Creates a point.
        public init(x: Double, y: Double, error: Double? = nil) {
            self.x = x
            self.y = y
            self.error = error
        }
    }

    /// A named series of points, drawn as one line with markers.
    public struct Series: Sendable, Hashable {
        /// The name shown in the legend.
        public var name: String
        /// The points, joined in this order.
        public var points: [Point]
        /// A CSS colour (e.g. `#0072B2`); `nil` picks the palette colour for the series' index.
        public var color: String?
        /// Whether to draw a marker at each point (turn off for long learning curves).
        public var showsMarkers: Bool

        /// Creates a series.
        public init(_ name: String, points: [Point], color: String? = nil, showsMarkers: Bool = true) {
            self.name = name
            self.points = points
            self.color = color
            self.showsMarkers = showsMarkers
        }

        /// Creates a series from parallel arrays of x, y and (optionally) errors.
        /// - Precondition: the arrays have the same length.
        public init(_ name: String, x: [Double], y: [Double], error: [Double]? = nil, color: String? = nil, showsMarkers: Bool = true) {
            precondition(x.count == y.count && (error?.count ?? x.count) == x.count, "series arrays must have equal lengths")
            let points = x.indices.map { Point(x: x[$0], y: y[$0], error: error?[$0]) }
            self.init(name, points: points, color: color, showsMarkers: showsMarkers)
        }
    }

    /// A labelled horizontal line at a fixed y, e.g. the centralized baseline.
    public struct ReferenceLine: Sendable, Hashable {
        /// The text written next to the line.
        public var label: String
        /// The level; a non-finite level is not drawn.
        public var y: Double
        /// A CSS colour; `nil` picks from ``ChartPalette/reference``.
        public var color: String?

        /// Creates a reference line.
        public init(_ label: String, y: Double, color: String? = nil) {
            self.label = label
            self.y = y
            self.color = color
        }
    }

    /// The title above the plot (also the SVG's accessible `<title>`).
    public var title: String
    /// The label under the x axis.
    public var xLabel: String
    /// The label left of the y axis (written vertically).
    public var yLabel: String
    /// The scale of the x axis; the y axis is always linear.
    public var xScale: Scale
    /// The series, drawn and listed in the legend in this order.
    public var series: [Series] = []
    /// Horizontal reference lines.
    public var referenceLines: [ReferenceLine] = []
    /// The tick label of the slot for points at x = ∞.
    public var infinityLabel: String = "∞"
    /// Forces the y range (ticks are still nice within it); `nil` fits the data, errors and reference lines.
    public var yRange: ClosedRange<Double>?
    /// The accessible `<desc>`; `nil` generates one listing axes, series and reference lines.
    public var accessibleDescription: String?
    /// Width of the picture in pixels.
    public var width: Double = 760
    /// Height of the picture in pixels.
    public var height: Double = 440

    /// Creates an empty chart; add ``series`` and ``referenceLines`` before rendering.
    public init(title: String, xLabel: String, yLabel: String, xScale: Scale = .linear) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
    }

    /// How many points will not be drawn because a coordinate is unusable (see the type's notes).
    public var unplottablePointCount: Int {
        series.reduce(0) { count, s in count + s.points.filter { !isPlottable($0) }.count }
    }

    /// Renders the chart as a standalone SVG document (see ``svgDocument()``).
    public func render() -> String {
        svgDocument().render()
    }

    /// Whether `point` can be placed on this chart (finite y; finite x, positive on a log axis; or x = +∞).
    func isPlottable(_ point: Point) -> Bool {
        guard point.y.isFinite else { return false }
        if point.x == .infinity { return true }
        guard point.x.isFinite else { return false }
        return xScale == .linear || point.x > 0
    }
}
