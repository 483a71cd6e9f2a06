import Foundation
import Testing
@testable import FedRecReport

@Suite("LineChart")
struct LineChartTests {
    /// Parses a rendered chart, failing the test if it is not well-formed XML.
    private func parse(_ chart: LineChart) throws -> XMLNode {
        try XMLTree.parse(chart.render())
    }

    /// Fits the pixel ↔ value map of an axis from its labelled ticks (value = a + b·pixel, in log10
    /// units for a log axis) and returns the inverse map pixel → value.
    private func inverseScale(_ svg: XMLNode, axis: String, log: Bool) throws -> (Double) -> Double {
        let labels = svg.all("tick-label \(axis)").filter { !$0.classes.contains("infinity") }
        let pairs = try labels.map { label -> (Double, Double) in
            let pixel = try #require(label.double(axis == "x" ? "x" : "y"))
            let value = try #require(Double(label.text), "tick label \(label.text) is not a plain number")
            return (pixel, log ? Foundation.log10(value) : value)
        }
        try #require(pairs.count >= 2)
        let (p0, v0) = pairs.first!, (p1, v1) = pairs.last!
        let slope = (v1 - v0) / (p1 - p0)
        let offset = axis == "y" ? 4.0 : 0  // y labels sit 4 px below their tick, on the baseline
        return { pixel in
            let v = v0 + (pixel + offset - p0) * slope
            return log ? Foundation.pow(10, v) : v
        }
    }

    @Test func sweepChartIsWellFormedWithOnePolylinePerSeriesAndOneLegendEntryEach() throws {
        let svg = try parse(ExampleCharts.sweep())
        #expect(svg.name == "svg")
        #expect(svg.attributes["viewBox"] == "0 0 760 440")
        #expect(svg.children.first?.name == "title")
        #expect(svg.children.first?.text == "RMSE vs privacy budget (synthetic, 10,000 users)")
        #expect(svg.children.dropFirst().first?.name == "desc")
        let series = svg.all("series")
        #expect(series.map { $0.attributes["data-series"] } == ["distributed DP", "local DP"])
        for group in series {
            #expect(group.all("series-line").count == 1)
            #expect(group.all("marker").count == 7)
            #expect(group.all("error-bar").count == 7)
            #expect(group.all("infinity-link").count == 1)
        }
        let legend = svg.all("legend-entry")
        #expect(legend.map { $0.descendants.first { $0.name == "text" }?.text } == ["distributed DP", "local DP"])
    }

    @Test func seriesPointsMapBackToTheirDataThroughTheAxisTicks() throws {
        let chart = ExampleCharts.sweep()
        let svg = try parse(chart)
        let xOf = try inverseScale(svg, axis: "x", log: true)
        let yOf = try inverseScale(svg, axis: "y", log: false)
        for (s, group) in zip(chart.series, svg.all("series")) {
            let line = try #require(group.all("series-line").first)
            let finite = s.points.filter { $0.x.isFinite }
            #expect(line.polylinePoints.count == finite.count)
            for (point, pixel) in zip(finite, line.polylinePoints) {
                // Pixels are written with 2 decimals; the tolerance allows ±0.01 px on a ~100 px/decade axis.
                #expect(abs(Foundation.log10(xOf(pixel.x)) - Foundation.log10(point.x)) < 1e-3, "x of \(point)")
                #expect(abs(yOf(pixel.y) - point.y) < 1e-3, "y of \(point)")
            }
        }
    }

    @Test func logAxisHasLabelledTicksAtEveryDecadeInside() throws {
        var chart = LineChart(title: "t", xLabel: "ε", yLabel: "y", xScale: .log10)
        chart.series = [.init("a", x: [0.01, 0.1, 1, 10, 100], y: [1, 2, 3, 4, 5])]
        let svg = try parse(chart)
        let labels = svg.all("tick-label x").map(\.text)
        #expect(labels == ["0.01", "0.1", "1", "10", "100"])
        let ticks = svg.all("tick x")
        #expect(ticks.count > labels.count, "minor ticks between decades")
        // Decades are equally spaced.
        let xs = svg.all("tick-label x").compactMap { $0.double("x") }
        let gaps = zip(xs.dropFirst(), xs).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 0.02 })
    }

    @Test func narrowLogAxisAlsoLabelsTwoAndFive() throws {
        var chart = LineChart(title: "t", xLabel: "ε", yLabel: "y", xScale: .log10)
        chart.series = [.init("a", x: [0.5, 1, 2, 4, 8], y: [1, 2, 3, 4, 5])]
        let labels = try parse(chart).all("tick-label x").map(\.text)
        #expect(labels == ["0.5", "1", "2", "5", "10"])
    }

    @Test func wideLogAxisUsesPowersOfTen() throws {
        var chart = LineChart(title: "population", xLabel: "users", yLabel: "RMSE", xScale: .log10)
        chart.series = [.init("a", x: [1_000, 10_000, 100_000, 1_000_000], y: [1.2, 1.0, 0.95, 0.93])]
        let labels = try parse(chart).all("tick-label x").map(\.text)
        #expect(labels == ["10³", "10⁴", "10⁵", "10⁶"])
    }

    @Test func linearTicksUseOneTwoFiveSteps() throws {
        let svg = try parse(ExampleCharts.learningCurves())
        let x = svg.all("tick-label x").map(\.text)
        #expect(x == ["0", "50", "100", "150", "200"])
        let y = svg.all("tick-label y").compactMap { Double($0.text) }
        let steps = Set(zip(y.dropFirst(), y).map { (($0 - $1) * 1e6).rounded() / 1e6 })
        #expect(steps.count == 1)
        let step = try #require(steps.first)
        let mantissa = step / Foundation.pow(10, Foundation.log10(step).rounded(.down))
        #expect([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-9 })
        #expect((4...11).contains(y.count))
    }

    @Test func learningCurvesHaveNoMarkersAndOneLinePerSeries() throws {
        let svg = try parse(ExampleCharts.learningCurves())
        #expect(svg.all("series-line").count == 3)
        #expect(svg.all("marker").isEmpty)
        #expect(svg.all("infinity").isEmpty, "no ∞ slot without points at ∞")
        #expect(svg.all("legend-entry").count == 3)
    }

    @Test func infinityPointSitsInItsOwnSlotRightOfTheFiniteAxis() throws {
        let chart = ExampleCharts.sweep()
        let svg = try parse(chart)
        let infinityLabel = try #require(svg.all("tick-label x infinity").first)
        #expect(infinityLabel.text == "∞")
        let infinityX = try #require(infinityLabel.double("x"))
        let lastFiniteTick = try #require(svg.all("tick-label x").filter { !$0.classes.contains("infinity") }.compactMap { $0.double("x") }.max())
        #expect(infinityX > lastFiniteTick + 20)
        #expect(svg.all("axis-break").count == 1)
        let yOf = try inverseScale(svg, axis: "y", log: false)
        for (s, group) in zip(chart.series, svg.all("series")) {
            // Markers come in data order; the last point is the one at ∞.
            let marker = try #require(group.all("marker").last?.translation)
            #expect(abs(marker.x - infinityX) < 0.01)
            #expect(abs(yOf(marker.y) - s.points.last!.y) < 1e-3)
            let link = try #require(group.all("infinity-link").first)
            #expect(link.double("x2") == marker.x)
            #expect(link.double("x1") == group.all("series-line").first?.polylinePoints.last?.x)
        }
    }

    @Test func referenceLinesAreDrawnAcrossThePlotWithSeparateLabels() throws {
        let svg = try parse(ExampleCharts.sweep())
        let lines = svg.all("reference")
        #expect(lines.map { $0.attributes["data-label"] } == ["centralized", "federated, non-private"])
        let yOf = try inverseScale(svg, axis: "y", log: false)
        #expect(abs(yOf(try #require(lines[0].double("y1"))) - 0.915) < 1e-3)
        #expect(abs(yOf(try #require(lines[1].double("y1"))) - 0.931) < 1e-3)
        let labels = svg.all("reference-label")
        #expect(labels.map(\.text) == ["centralized", "federated, non-private"])
        let labelYs = labels.compactMap { $0.double("y") }
        #expect(abs(labelYs[0] - labelYs[1]) >= 13, "labels of close reference lines do not overlap")
    }

    @Test func nonFinitePointsAreSkippedAndNeverWritten() throws {
        var chart = LineChart(title: "t", xLabel: "x", yLabel: "y", xScale: .log10)
        chart.series = [.init("a", points: [
            .init(x: 1, y: 1, error: .nan), .init(x: 2, y: .nan), .init(x: 3, y: 2, error: .infinity),
            .init(x: 4, y: 3), .init(x: -1, y: 3), .init(x: 0, y: 1), .init(x: .nan, y: 1), .init(x: -.infinity, y: 1),
            .init(x: 5, y: -.infinity), .init(x: .infinity, y: 2.5),
        ])]
        chart.referenceLines = [.init("broken", y: .nan)]
        #expect(chart.unplottablePointCount == 6)
        let xml = chart.render()
        let svg = try XMLTree.parse(xml)
        // Every number-like token in every attribute (other than class names) is finite.
        for node in [svg] + svg.descendants {
            for (name, value) in node.attributes where name != "class" {
                for token in value.split(whereSeparator: { " ,()".contains($0) }) {
                    if let number = Double(token) { #expect(number.isFinite, "\(node.name) \(name)=\(value)") }
                }
            }
        }
        #expect(!xml.lowercased().contains("nan"))
        // The NaN at x = 2 breaks the line: (1) alone, then (3, 4) joined.
        #expect(svg.all("series-line").count == 1)
        #expect(svg.all("series-line").first?.polylinePoints.count == 2)
        #expect(svg.all("marker").count == 4)
        #expect(svg.all("error-bar").isEmpty)
        #expect(svg.all("reference").isEmpty)
    }

    @Test func textIsEscaped() throws {
        var chart = LineChart(title: "A & B <\"quoted\"> 'x'", xLabel: "x < 1", yLabel: "y > 2")
        chart.series = [.init("s & <t>", x: [1, 2], y: [1, 2])]
        chart.referenceLines = [.init("ref \"1\"", y: 1.5)]
        let xml = chart.render()
        #expect(xml.contains("A &amp; B &lt;&quot;quoted&quot;&gt; &apos;x&apos;"))
        let svg = try XMLTree.parse(xml)
        #expect(svg.all("title").first?.text == "A & B <\"quoted\"> 'x'")
        #expect(svg.all("series").first?.attributes["data-series"] == "s & <t>")
        #expect(svg.all("reference-label").first?.text == "ref \"1\"")
    }

    @Test func emptyChartStillRenders() throws {
        let svg = try parse(LineChart(title: "", xLabel: "", yLabel: ""))
        #expect(svg.all("series").isEmpty)
        #expect(svg.all("legend").isEmpty)
        #expect(svg.all("tick-label y").count >= 2)
    }

    @Test func renderingIsDeterministic() {
        #expect(ExampleCharts.sweep().render() == ExampleCharts.sweep().render())
    }

    @Test func generatedDescriptionNamesAxesSeriesAndReferences() throws {
        let desc = try #require(try parse(ExampleCharts.sweep()).descendants.first { $0.name == "desc" }?.text)
        #expect(desc.contains("logarithmic"))
        #expect(desc.contains("x = ∞"))
        #expect(desc.contains("Series distributed DP: 7 points"))
        #expect(desc.contains("Reference line centralized at 0.915"))
    }

    @Test func seriesColoursFollowTheOkabeItoPalette() throws {
        let svg = try parse(ExampleCharts.sweep())
        #expect(svg.all("series").map { $0.attributes["stroke"] } == ["#0072B2", "#D55E00"])
    }

    /// Writes the example charts to `$FEDREC_REPORT_EXAMPLE_DIR` (to look at them, e.g. with
    /// `rsvg-convert`) or a temporary directory, and checks the written files parse back.
    @Test func exampleChartsWrittenToFilesParseBack() throws {
        let dir = ProcessInfo.processInfo.environment["FEDREC_REPORT_EXAMPLE_DIR"] ?? FileManager.default.temporaryDirectory.path
        let charts = [("example", ExampleCharts.sweep()), ("example-curves", ExampleCharts.learningCurves()), ("example-population", ExampleCharts.population())]
        for (name, chart) in charts {
            let path = dir + "/\(name).svg"
            try chart.render().write(toFile: path, atomically: true, encoding: .utf8)
            let svg = try XMLTree.parse(try String(contentsOfFile: path, encoding: .utf8))
            #expect(svg.all("legend-entry").count == chart.series.count)
        }
    }
}
