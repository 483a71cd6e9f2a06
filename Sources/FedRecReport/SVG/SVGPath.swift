/// Builds the `d` attribute of an SVG `<path>` from absolute move/line/close commands.
///
/// Numbers are written like every number of the writer (see ``SVGElement/number(_:)``).
///
///     var p = SVGPath()
///     p.move(to: SVGPoint(x: 0, y: 0))
///     p.line(to: SVGPoint(x: 10, y: 5))
///     p.close()
///     p.commands  // "M0 0L10 5Z"
public struct SVGPath: Sendable, Hashable {
    /// The path data written so far, ready for the `d` attribute.
    public private(set) var commands: String = ""

    /// Creates an empty path.
    public init() {}

    /// Starts a new subpath at `point` (`M`).
    /// - Precondition: `point` is finite.
    public mutating func move(to point: SVGPoint) {
        commands += "M" + SVGElement.number(point.x) + " " + SVGElement.number(point.y)
    }

    /// Draws a straight line to `point` (`L`).
    /// - Precondition: `point` is finite.
    public mutating func line(to point: SVGPoint) {
        commands += "L" + SVGElement.number(point.x) + " " + SVGElement.number(point.y)
    }

    /// Closes the current subpath (`Z`).
    public mutating func close() {
        commands += "Z"
    }
}
