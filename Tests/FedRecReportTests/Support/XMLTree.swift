import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element, for checking the SVG writer's output structurally.
final class XMLNode {
    let name: String
    let attributes: [String: String]
    var children: [XMLNode] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// The classes in the `class` attribute.
    var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }

    /// All descendants (depth first, document order), not including self.
    var descendants: [XMLNode] { children.flatMap { [$0] + $0.descendants } }

    /// Descendants having every class in `classList` (space-separated).
    func all(_ classList: String) -> [XMLNode] {
        let wanted = Set(classList.split(separator: " ").map(String.init))
        return descendants.filter { wanted.isSubset(of: $0.classes) }
    }

    func double(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }

    /// The translation of a `transform="translate(x y)"` attribute.
    var translation: (x: Double, y: Double)? {
        guard let t = attributes["transform"], t.hasPrefix("translate("), t.hasSuffix(")") else { return nil }
        let parts = t.dropFirst("translate(".count).dropLast().split(separator: " ").compactMap { Double($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    /// The points of a `polyline`.
    var polylinePoints: [(x: Double, y: Double)] {
        (attributes["points"] ?? "").split(separator: " ").map { pair in
            let xy = pair.split(separator: ",").map { Double($0)! }
            return (xy[0], xy[1])
        }
    }
}

/// Parses `xml` with Foundation's `XMLParser`; returns the root element, or the parser's error.
enum XMLTree {
    struct ParseFailure: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ xml: String) throws -> XMLNode {
        let delegate = Delegate()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = delegate
        guard parser.parse(), let root = delegate.root else {
            throw ParseFailure(description: "XML not well-formed: \(parser.parserError.map { "\($0)" } ?? "no root") at line \(parser.lineNumber)")
        }
        return root
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var root: XMLNode?
        var stack: [XMLNode] = []

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            let node = XMLNode(name: elementName, attributes: attributeDict)
            if let parent = stack.last { parent.children.append(node) } else { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }
}
