/// Where everything of a ``LineChart`` goes, in pixels: margins, axes, the ∞ slot, reference labels.
struct ChartLayout {
    static let legendRowHeight = 20.0

    struct PlacedReference {
        var index: Int
        var line: LineChart.ReferenceLine
        var color: String
        var pixelY: Double
        var labelY: Double
    }

    let xAxis: AxisTicks
    let yAxis: AxisTicks
    let plotLeft: Double, plotRight: Double, plotTop: Double, plotBottom: Double
    /// The right end of the finite part of the x axis (`plotRight` without an ∞ slot).
    let finiteRight: Double
    /// The x of the ∞ slot, if any point has x = +∞.
    let infinityX: Double?
    /// The x of the axis break mark between the finite axis and the ∞ slot.
    let breakX: Double?
    let legendX: Double
    private(set) var references: [PlacedReference] = []

    init(_ chart: LineChart) {
        let points = chart.series.flatMap(\.points).filter(chart.isPlottable)
        let finiteX = points.map(\.x).filter(\.isFinite)
        let hasInfinity = points.contains { $0.x == .infinity }
        switch chart.xScale {
        case .linear: xAxis = finiteX.isEmpty ? AxisTicks.linear(min: 0, max: 1, padding: 0) : AxisTicks.linear(min: finiteX.min()!, max: finiteX.max()!, padding: 0)
        case .log10: xAxis = finiteX.isEmpty ? AxisTicks.log10(min: 1, max: 10) : AxisTicks.log10(min: finiteX.min()!, max: finiteX.max()!)
        }
        var yValues: [Double] = []
        for p in points {
            yValues.append(p.y)
            if let e = p.error, e.isFinite { yValues += [p.y - e.magnitude, p.y + e.magnitude] }
        }
        yValues += chart.referenceLines.map(\.y).filter(\.isFinite)
        yValues = yValues.filter(\.isFinite)
        if let range = chart.yRange {
            precondition(range.lowerBound.isFinite && range.upperBound.isFinite, "yRange must be finite")
            yAxis = AxisTicks.linear(min: range.lowerBound, max: range.upperBound, padding: 0)
        } else if yValues.isEmpty {
            yAxis = AxisTicks.linear(min: 0, max: 1, padding: 0)
        } else {
            yAxis = AxisTicks.linear(min: yValues.min()!, max: yValues.max()!, padding: 0.06)
        }

        let yLabelWidth = yAxis.ticks.compactMap(\.label).map { Self.textWidth($0, fontSize: 11) }.max() ?? 0
        plotLeft = 12 + (chart.yLabel.isEmpty ? 0 : 24) + yLabelWidth + 10
        let legendWidth = chart.series.isEmpty ? 0 : 32 + (chart.series.map { Self.textWidth($0.name, fontSize: 12) }.max() ?? 0)
        plotRight = max(plotLeft + 100, chart.width - (chart.series.isEmpty ? 24 : legendWidth + 36))
        legendX = plotRight + 20
        plotTop = chart.title.isEmpty ? 16 : 48
        plotBottom = max(plotTop + 60, chart.height - (chart.xLabel.isEmpty ? 36 : 58))
        if hasInfinity {
            let gap = max(50, Self.textWidth(chart.infinityLabel, fontSize: 11) / 2 + 30)
            finiteRight = plotRight - gap
            infinityX = plotRight - 14
            breakX = (finiteRight + plotRight - 14) / 2
        } else {
            finiteRight = plotRight
            infinityX = nil
            breakX = nil
        }
        placeReferences(chart.referenceLines)
    }

    /// The pixel x of a data x (finite, or +∞ for the slot).
    func px(_ x: Double) -> Double {
        if x == .infinity, let infinityX { return infinityX }
        return plotLeft + xAxis.fraction(x) * (finiteRight - plotLeft)
    }

    /// The pixel y of a data y.
    func py(_ y: Double) -> Double {
        plotBottom - yAxis.fraction(y) * (plotBottom - plotTop)
    }

    /// Places each reference label just above its line, or below when that collides with a label
    /// already placed or leaves the plot, or further away until it is free.
    private mutating func placeReferences(_ lines: [LineChart.ReferenceLine]) {
        let rowHeight = 13.0
        let drawable = lines.enumerated().filter { $0.element.y.isFinite }
            .sorted { py($0.element.y) < py($1.element.y) }
        var taken: [Double] = []
        for (index, line) in drawable {
            let y = py(line.y)
            // Above the line, below it, then further away on alternate sides; always inside the plot.
            var candidates: [Double] = []
            for step in 0...8 {
                let away = Double(step) * rowHeight
                for c in [y - 4 - away, y + 12 + away] where c - 10 >= plotTop && c + 3 <= plotBottom { candidates.append(c) }
            }
            let fallback: Double = min(max(y - 4, plotTop + 10), plotBottom - 3)
            let labelY = candidates.first { c in taken.allSatisfy { abs($0 - c) >= rowHeight } } ?? fallback
            taken.append(labelY)
            let color = line.color ?? ChartPalette.reference[index % ChartPalette.reference.count]
            references.append(PlacedReference(index: index, line: line, color: color, pixelY: y, labelY: labelY))
        }
        references.sort { $0.index < $1.index }
    }

    /// A rough width of `text` in a sans-serif font: 0.64 em per character (DejaVu Sans digits are 0.636 em).
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.64
    }
}
