/// One SVG element: a name, ordered attributes, child elements and optional text content.
///
/// Values are plain strings stored unescaped; ``SVGDocument/render()`` escapes them, so any text
/// (a series called `A & B <test>`) is safe. Numeric attributes go through ``number(_:)``, which is
/// compact, locale-free and refuses non-finite values: the writer never emits `nan` or `inf`.
/// Build elements with the factories (``line(from:to:)``, ``polyline(_:)``, ``path(_:)``,
/// ``rect(x:y:width:height:)``, ``circle(center:radius:)``, ``text(_:at:)``, ``group(_:)``) and
/// style them with ``with(_:_:)-(String,String)``:
///
///     let axis = SVGElement.line(from: SVGPoint(x: 0, y: 0), to: SVGPoint(x: 100, y: 0))
///         .with("stroke", "#000000")
///         .with("stroke-width", 1)
public struct SVGElement: Sendable, Hashable {
    /// One attribute: a name and its unescaped value.
    public struct Attribute: Sendable, Hashable {
        /// The attribute name, e.g. `stroke`.
        public let name: String
        /// The attribute value as written before escaping.
        public let value: String
    }

    /// The element name, e.g. `polyline`.
    public let name: String
    /// The attributes in the order they are written.
    public private(set) var attributes: [Attribute] = []
    /// The child elements, written in order inside this element.
    public var children: [SVGElement]
    /// Text content written (escaped) before the children; `nil` for none.
    public var text: String?

    /// Creates an element called `name`.
    /// - Precondition: `name` is a plain XML name (ASCII letters, digits, `-`, `_`, `.`, `:`).
    public init(_ name: String, children: [SVGElement] = [], text: String? = nil) {
        precondition(XMLEscaping.isValidName(name), "invalid SVG element name \(name)")
        self.name = name
        self.children = children
        self.text = text
    }

    /// Returns the value of the attribute called `name`, or `nil` if it is not set.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// Sets the attribute `name` to `value`, replacing an earlier value in place.
    /// - Precondition: `name` is a plain XML name.
    public mutating func set(_ name: String, _ value: String) {
        precondition(XMLEscaping.isValidName(name), "invalid SVG attribute name \(name)")
        if let index = attributes.firstIndex(where: { $0.name == name }) {
            attributes[index] = Attribute(name: name, value: value)
        } else {
            attributes.append(Attribute(name: name, value: value))
        }
    }

    /// Returns a copy with the attribute `name` set to `value` (for chaining).
    public func with(_ name: String, _ value: String) -> SVGElement {
        var copy = self
        copy.set(name, value)
        return copy
    }

    /// Returns a copy with the numeric attribute `name` set to `value`, written by ``number(_:)``.
    /// - Precondition: `value` is finite.
    public func with(_ name: String, _ value: Double) -> SVGElement {
        with(name, SVGElement.number(value))
    }

    /// Formats a coordinate or length: at most two decimals (1/100 of a user unit), trailing zeros
    /// dropped, no exponent for ordinary values, never `-0`, independent of the locale.
    /// `number(12.5) == "12.5"`, `number(3) == "3"`, `number(-0.001) == "0"`.
    /// - Precondition: `value` is finite; filter NaN and ±∞ before drawing (``LineChart`` does).
    public static func number(_ value: Double) -> String {
        precondition(value.isFinite, "SVG numbers must be finite; got \(value)")
        return DecimalFormatting.compact(value, maxFractionDigits: 2)
    }

    /// A straight `<line>` between two points.
    /// - Precondition: both points are finite.
    public static func line(from start: SVGPoint, to end: SVGPoint) -> SVGElement {
        SVGElement("line").with("x1", start.x).with("y1", start.y).with("x2", end.x).with("y2", end.y)
    }

    /// An unfilled `<polyline>` through `points` in order (`fill="none"` is set).
    /// - Precondition: every point is finite.
    public static func polyline(_ points: [SVGPoint]) -> SVGElement {
        let list = points.map { number($0.x) + "," + number($0.y) }.joined(separator: " ")
        return SVGElement("polyline").with("points", list).with("fill", "none")
    }

    /// A `<path>` with the given path data.
    public static func path(_ path: SVGPath) -> SVGElement {
        SVGElement("path").with("d", path.commands)
    }

    /// A `<rect>` with its top-left corner at (`x`, `y`).
    /// - Precondition: all values finite; `width` and `height` non-negative.
    public static func rect(x: Double, y: Double, width: Double, height: Double) -> SVGElement {
        precondition(width >= 0 && height >= 0, "rect sizes must be non-negative")
        return SVGElement("rect").with("x", x).with("y", y).with("width", width).with("height", height)
    }

    /// A `<circle>` around `center`.
    /// - Precondition: finite values, `radius` non-negative.
    public static func circle(center: SVGPoint, radius: Double) -> SVGElement {
        precondition(radius >= 0, "circle radius must be non-negative")
        return SVGElement("circle").with("cx", center.x).with("cy", center.y).with("r", radius)
    }

    /// A `<text>` element showing `content` with its anchor at `point` (set `text-anchor` to
    /// `middle` or `end` to centre or right-align it).
    /// - Precondition: `point` is finite.
    public static func text(_ content: String, at point: SVGPoint) -> SVGElement {
        SVGElement("text", text: content).with("x", point.x).with("y", point.y)
    }

    /// A `<g>` group holding `children`; attributes set on it (stroke, font, class) apply to all.
    public static func group(_ children: [SVGElement]) -> SVGElement {
        SVGElement("g", children: children)
    }
}
