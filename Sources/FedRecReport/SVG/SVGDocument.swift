/// A complete, standalone SVG 1.1 document: size, viewBox, accessible title and description, elements.
///
/// ``render()`` writes the XML declaration, an `<svg>` root with `width`, `height`,
/// `viewBox="0 0 width height"`, `role="img"` and `aria-labelledby` pointing at the `<title>` and
/// `<desc>` children, then the elements, one per line, indented. The output is deterministic (same
/// document, same bytes), well-formed XML with every value escaped, and contains no non-finite number.
///
///     var doc = SVGDocument(width: 100, height: 50, title: "Demo", description: "A red square.")
///     doc.append(SVGElement.rect(x: 10, y: 10, width: 30, height: 30).with("fill", "#D55E00"))
///     let xml = doc.render()
public struct SVGDocument: Sendable, Hashable {
    /// Width in user units (and in CSS pixels when shown).
    public var width: Double
    /// Height in user units (and in CSS pixels when shown).
    public var height: Double
    /// Short accessible name, written as the first child `<title>` (shown as a tooltip by browsers).
    public var title: String
    /// Longer accessible description, written as `<desc>`: what the picture shows, for screen readers.
    public var description: String
    /// The top-level elements, painted in order (later ones on top).
    public var elements: [SVGElement]

    /// Creates a document.
    /// - Precondition: `width` and `height` are finite and positive.
    public init(width: Double, height: Double, title: String, description: String, elements: [SVGElement] = []) {
        precondition(width.isFinite && height.isFinite && width > 0 && height > 0, "SVG size must be finite and positive")
        self.width = width
        self.height = height
        self.title = title
        self.description = description
        self.elements = elements
    }

    /// Appends `element` on top of what is already there.
    public mutating func append(_ element: SVGElement) {
        elements.append(element)
    }

    /// Renders the document as UTF-8 XML text ending in a newline.
    /// - Complexity: O(total size of the document).
    public func render() -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let w = SVGElement.number(width), h = SVGElement.number(height)
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(w)\" height=\"\(h)\""
        out += " viewBox=\"0 0 \(w) \(h)\" role=\"img\" aria-labelledby=\"svg-title svg-desc\">\n"
        out += "  <title id=\"svg-title\">\(XMLEscaping.escape(title))</title>\n"
        out += "  <desc id=\"svg-desc\">\(XMLEscaping.escape(description))</desc>\n"
        for element in elements { Self.write(element, depth: 1, into: &out) }
        out += "</svg>\n"
        return out
    }

    private static func write(_ element: SVGElement, depth: Int, into out: inout String) {
        let indent = String(repeating: "  ", count: depth)
        out += indent + "<" + element.name
        for attribute in element.attributes {
            out += " " + attribute.name + "=\"" + XMLEscaping.escape(attribute.value) + "\""
        }
        if element.children.isEmpty {
            if let text = element.text {
                out += ">" + XMLEscaping.escape(text) + "</" + element.name + ">\n"
            } else {
                out += "/>\n"
            }
            return
        }
        out += ">"
        if let text = element.text { out += XMLEscaping.escape(text) }
        out += "\n"
        for child in element.children { write(child, depth: depth + 1, into: &out) }
        out += indent + "</" + element.name + ">\n"
    }
}
