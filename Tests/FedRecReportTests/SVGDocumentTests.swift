import Foundation
import Testing
@testable import FedRecReport

@Suite("SVG writer")
struct SVGDocumentTests {
    private func sample() -> SVGDocument {
        var doc = SVGDocument(width: 200, height: 100.5, title: "T & <co>", description: "it's \"quoted\"")
        var path = SVGPath()
        path.move(to: SVGPoint(x: 0, y: 0))
        path.line(to: SVGPoint(x: 10.125, y: -0.001))
        path.close()
        doc.append(.group([
            .line(from: SVGPoint(x: 1, y: 2), to: SVGPoint(x: 3, y: 4)).with("stroke", "#000"),
            .polyline([SVGPoint(x: 0, y: 0), SVGPoint(x: 1.5, y: 2.25), SVGPoint(x: 3, y: 1)]),
            .path(path),
            .rect(x: 0, y: 0, width: 10, height: 20),
            .circle(center: SVGPoint(x: 5, y: 6), radius: 2),
            .text("a < b & c > 'd' \"e\"", at: SVGPoint(x: 7, y: 8)).with("data-note", "x=\"1\" & y<2"),
        ]).with("class", "all"))
        return doc
    }

    @Test func documentHasDeclarationViewBoxTitleAndDescription() throws {
        let xml = sample().render()
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        let root = try XMLTree.parse(xml)
        #expect(root.name == "svg")
        #expect(root.attributes["viewBox"] == "0 0 200 100.5")
        #expect(root.attributes["width"] == "200")
        #expect(root.attributes["role"] == "img")
        #expect(root.children.map(\.name) == ["title", "desc", "g"])
        #expect(root.children[0].text == "T & <co>")
        #expect(root.children[1].text == "it's \"quoted\"")
    }

    @Test func everyElementKindIsWrittenWithItsAttributes() throws {
        let root = try XMLTree.parse(sample().render())
        let group = try #require(root.children.last)
        #expect(group.children.map(\.name) == ["line", "polyline", "path", "rect", "circle", "text"])
        let line = group.children[0]
        #expect([line.attributes["x1"], line.attributes["y1"], line.attributes["x2"], line.attributes["y2"]] == ["1", "2", "3", "4"])
        #expect(group.children[1].attributes["points"] == "0,0 1.5,2.25 3,1")
        #expect(group.children[1].attributes["fill"] == "none")
        #expect(group.children[2].attributes["d"] == "M0 0L10.13 0Z")
        #expect(group.children[3].attributes["height"] == "20")
        #expect(group.children[4].attributes["r"] == "2")
        #expect(group.children[5].text == "a < b & c > 'd' \"e\"")
        #expect(group.children[5].attributes["data-note"] == "x=\"1\" & y<2")
    }

    @Test func allFiveXMLSpecialCharactersAreEscaped() {
        #expect(XMLEscaping.escape("&<>\"'") == "&amp;&lt;&gt;&quot;&apos;")
        #expect(XMLEscaping.escape("plain ε text") == "plain ε text")
    }

    @Test func controlCharactersCannotBreakTheDocument() throws {
        let doc = SVGDocument(width: 10, height: 10, title: "bell\u{07} and nul\u{00}", description: "tab\tok")
        let root = try XMLTree.parse(doc.render())
        #expect(root.children[0].text == "bell\u{FFFD} and nul\u{FFFD}")
    }

    @Test(arguments: [
        (12.5, "12.5"), (3.0, "3"), (-0.001, "0"), (-0.004999, "0"), (-2.5, "-2.5"), (0.125, "0.13"),
        (1234567.891, "1234567.89"), (1e-9, "0"), (100.0, "100"), (-100.10, "-100.1"),
    ])
    func numbersAreCompactAndLocaleFree(value: Double, expected: String) {
        #expect(SVGElement.number(value) == expected)
    }

    @Test func settingAnAttributeTwiceReplacesItInPlace() {
        let element = SVGElement("rect").with("a", "1").with("b", "2").with("a", "3")
        #expect(element.attributes.map(\.name) == ["a", "b"])
        #expect(element.attribute("a") == "3")
    }

    @Test func renderingIsDeterministic() {
        #expect(sample().render() == sample().render())
    }
}
