/// A point in SVG user units (pixels for ``LineChart``), y pointing down.
public struct SVGPoint: Sendable, Hashable {
    /// Horizontal coordinate.
    public var x: Double
    /// Vertical coordinate (grows downwards, as in SVG).
    public var y: Double

    /// Creates a point.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    /// Whether both coordinates are finite (neither NaN nor ±∞), i.e. whether the point can be written.
    public var isFinite: Bool { x.isFinite && y.isFinite }
}
