import Foundation

extension LineChart {
    /// Builds the chart as an ``SVGDocument`` (for callers that want to add elements before rendering).
    ///
    /// Elements carry `class` attributes naming their role, so tools and tests can find them:
    /// `series` groups (with `data-series` = the name) holding `series-line` polylines, `marker`s
    /// (positioned by `transform="translate(x y)"`), `error-bar`s and `infinity-link`s; `reference`
    /// lines and `reference-label`s; `tick x`/`tick y` marks and `tick-label x`/`tick-label y` texts
    /// (the ∞ slot's also have class `infinity`); `legend-entry` groups; `title`; `axis-label x`/`y`.
    public func svgDocument() -> SVGDocument {
        let layout = ChartLayout(self)
        var root = SVGElement.group([]).with("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif").with("fill", "#222222")
        root.children.append(SVGElement.rect(x: 0, y: 0, width: width, height: height).with("fill", "#FFFFFF").with("class", "background"))
        root.children.append(clipDefinition(layout))
        root.children.append(gridGroup(layout))
        root.children.append(contentsOf: referenceLineElements(layout))
        root.children.append(axesGroup(layout))
        for (index, s) in series.enumerated() { root.children.append(seriesGroup(s, index: index, layout)) }
        root.children.append(contentsOf: referenceLabelElements(layout))
        if !series.isEmpty { root.children.append(legendGroup(layout)) }
        root.children.append(contentsOf: labelElements(layout))
        return SVGDocument(width: width, height: height, title: title, description: accessibleDescription ?? generatedDescription(layout), elements: [root])
    }

    // MARK: - Parts

    private func clipDefinition(_ l: ChartLayout) -> SVGElement {
        let margin = 8.0
        let rect = SVGElement.rect(x: l.plotLeft - margin, y: l.plotTop - margin, width: l.plotRight - l.plotLeft + 2 * margin, height: l.plotBottom - l.plotTop + 2 * margin)
        return SVGElement("defs", children: [SVGElement("clipPath", children: [rect]).with("id", "plot-area")])
    }

    private func gridGroup(_ l: ChartLayout) -> SVGElement {
        var lines: [SVGElement] = []
        for tick in l.yAxis.ticks where tick.isMajor {
            let y = l.py(tick.value)
            lines.append(.line(from: SVGPoint(x: l.plotLeft, y: y), to: SVGPoint(x: l.plotRight, y: y)))
        }
        for tick in l.xAxis.ticks where tick.isMajor {
            let x = l.px(tick.value)
            lines.append(.line(from: SVGPoint(x: x, y: l.plotTop), to: SVGPoint(x: x, y: l.plotBottom)))
        }
        return SVGElement.group(lines).with("class", "grid").with("stroke", "#E6E6E6").with("stroke-width", 1)
    }

    private static let dashPatterns = ["6 4", "2 3", "10 3 2 3"]

    private func referenceLineElements(_ l: ChartLayout) -> [SVGElement] {
        l.references.map { ref in
            SVGElement.line(from: SVGPoint(x: l.plotLeft, y: ref.pixelY), to: SVGPoint(x: l.plotRight, y: ref.pixelY))
                .with("class", "reference").with("data-label", ref.line.label)
                .with("stroke", ref.color).with("stroke-width", 1.5).with("stroke-dasharray", Self.dashPatterns[ref.index % Self.dashPatterns.count])
        }
    }

    private func referenceLabelElements(_ l: ChartLayout) -> [SVGElement] {
        l.references.map { ref in
            SVGElement.text(ref.line.label, at: SVGPoint(x: l.plotLeft + 6, y: ref.labelY))
                .with("class", "reference-label").with("font-size", 11).with("fill", ref.color)
                .with("stroke", "#FFFFFF").with("stroke-width", 3).with("stroke-linejoin", "round").with("paint-order", "stroke")
        }
    }

    private func axesGroup(_ l: ChartLayout) -> SVGElement {
        var parts: [SVGElement] = []
        parts.append(SVGElement.line(from: SVGPoint(x: l.plotLeft, y: l.plotTop), to: SVGPoint(x: l.plotLeft, y: l.plotBottom)).with("class", "axis y"))
        if let breakX = l.breakX {
            parts.append(SVGElement.line(from: SVGPoint(x: l.plotLeft, y: l.plotBottom), to: SVGPoint(x: breakX - 3, y: l.plotBottom)).with("class", "axis x"))
            parts.append(SVGElement.line(from: SVGPoint(x: breakX + 3, y: l.plotBottom), to: SVGPoint(x: l.plotRight, y: l.plotBottom)).with("class", "axis x"))
            var slashes = SVGPath()
            for dx in [-3.0, 3.0] {
                slashes.move(to: SVGPoint(x: breakX + dx - 2.5, y: l.plotBottom + 5))
                slashes.line(to: SVGPoint(x: breakX + dx + 2.5, y: l.plotBottom - 5))
            }
            parts.append(SVGElement.path(slashes).with("class", "axis-break").with("fill", "none"))
        } else {
            parts.append(SVGElement.line(from: SVGPoint(x: l.plotLeft, y: l.plotBottom), to: SVGPoint(x: l.plotRight, y: l.plotBottom)).with("class", "axis x"))
        }
        for tick in l.xAxis.ticks {
            let x = l.px(tick.value)
            parts.append(SVGElement.line(from: SVGPoint(x: x, y: l.plotBottom), to: SVGPoint(x: x, y: l.plotBottom + (tick.isMajor ? 5 : 3))).with("class", "tick x"))
            if let label = tick.label {
                parts.append(SVGElement.text(label, at: SVGPoint(x: x, y: l.plotBottom + 18)).with("class", "tick-label x").with("text-anchor", "middle").with("stroke", "none"))
            }
        }
        if let infX = l.infinityX {
            parts.append(SVGElement.line(from: SVGPoint(x: infX, y: l.plotBottom), to: SVGPoint(x: infX, y: l.plotBottom + 5)).with("class", "tick x infinity"))
            parts.append(SVGElement.text(infinityLabel, at: SVGPoint(x: infX, y: l.plotBottom + 18)).with("class", "tick-label x infinity").with("text-anchor", "middle").with("stroke", "none"))
        }
        for tick in l.yAxis.ticks {
            let y = l.py(tick.value)
            parts.append(SVGElement.line(from: SVGPoint(x: l.plotLeft - 5, y: y), to: SVGPoint(x: l.plotLeft, y: y)).with("class", "tick y"))
            if let label = tick.label {
                parts.append(SVGElement.text(label, at: SVGPoint(x: l.plotLeft - 8, y: y + 4)).with("class", "tick-label y").with("text-anchor", "end").with("stroke", "none"))
            }
        }
        return SVGElement.group(parts).with("class", "axes").with("stroke", "#222222").with("stroke-width", 1).with("font-size", 11)
    }

    private func seriesGroup(_ s: Series, index: Int, _ l: ChartLayout) -> SVGElement {
        let color = s.color ?? ChartPalette.seriesColor(index)
        var bars: [SVGElement] = [], lines: [SVGElement] = [], markers: [SVGElement] = []
        var segment: [SVGPoint] = []
        var lastFinite: SVGPoint?
        var infinite: [SVGPoint] = []
        func flush() {
            if segment.count >= 2 { lines.append(SVGElement.polyline(segment).with("class", "series-line")) }
            segment.removeAll()
        }
        for point in s.points {
            guard isPlottable(point) else { flush(); continue }
            let position = SVGPoint(x: l.px(point.x), y: l.py(point.y))
            if point.x == .infinity { infinite.append(position) } else { segment.append(position); lastFinite = position }
            if let error = point.error, error.isFinite, error != 0 {
                let top = l.py(point.y + error.magnitude), bottom = l.py(point.y - error.magnitude)
                var bar = SVGPath()
                bar.move(to: SVGPoint(x: position.x, y: top)); bar.line(to: SVGPoint(x: position.x, y: bottom))
                bar.move(to: SVGPoint(x: position.x - 3, y: top)); bar.line(to: SVGPoint(x: position.x + 3, y: top))
                bar.move(to: SVGPoint(x: position.x - 3, y: bottom)); bar.line(to: SVGPoint(x: position.x + 3, y: bottom))
                bars.append(SVGElement.path(bar).with("class", "error-bar").with("fill", "none").with("stroke-width", 1.2))
            }
            if s.showsMarkers { markers.append(Self.marker(shape: index, at: position).with("class", "marker")) }
        }
        flush()
        var links: [SVGElement] = []
        if let from = lastFinite {
            links = infinite.map { SVGElement.line(from: from, to: $0).with("class", "infinity-link").with("stroke-dasharray", "3 3") }
        }
        return SVGElement.group(bars + lines + links + markers)
            .with("class", "series").with("data-series", s.name).with("clip-path", "url(#plot-area)")
            .with("stroke", color).with("fill", color).with("stroke-width", 2).with("stroke-linejoin", "round")
    }

    /// A marker centred at `center`: circle, square, triangle, diamond, inverted triangle by `shape`.
    static func marker(shape: Int, at center: SVGPoint) -> SVGElement {
        let outline: [(Double, Double)]
        switch shape % 5 {
        case 0:
            return SVGElement.circle(center: SVGPoint(x: 0, y: 0), radius: 3.8).with("transform", "translate(\(SVGElement.number(center.x)) \(SVGElement.number(center.y)))")
                .with("stroke", "#FFFFFF").with("stroke-width", 0.8)
        case 1: outline = [(-3.4, -3.4), (3.4, -3.4), (3.4, 3.4), (-3.4, 3.4)]
        case 2: outline = [(0, -4.6), (4.2, 3), (-4.2, 3)]
        case 3: outline = [(0, -4.6), (4.6, 0), (0, 4.6), (-4.6, 0)]
        default: outline = [(0, 4.6), (4.2, -3), (-4.2, -3)]
        }
        var path = SVGPath()
        path.move(to: SVGPoint(x: outline[0].0, y: outline[0].1))
        for (x, y) in outline.dropFirst() { path.line(to: SVGPoint(x: x, y: y)) }
        path.close()
        return SVGElement.path(path).with("transform", "translate(\(SVGElement.number(center.x)) \(SVGElement.number(center.y)))")
            .with("stroke", "#FFFFFF").with("stroke-width", 0.8)
    }

    private func legendGroup(_ l: ChartLayout) -> SVGElement {
        var entries: [SVGElement] = []
        for (index, s) in series.enumerated() {
            let color = s.color ?? ChartPalette.seriesColor(index)
            let y = l.plotTop + 10 + Double(index) * ChartLayout.legendRowHeight
            var parts = [SVGElement.line(from: SVGPoint(x: l.legendX, y: y), to: SVGPoint(x: l.legendX + 24, y: y)).with("stroke-width", 2)]
            if s.showsMarkers { parts.append(Self.marker(shape: index, at: SVGPoint(x: l.legendX + 12, y: y))) }
            parts.append(SVGElement.text(s.name, at: SVGPoint(x: l.legendX + 32, y: y + 4)).with("fill", "#222222").with("stroke", "none"))
            entries.append(SVGElement.group(parts).with("class", "legend-entry").with("stroke", color).with("fill", color))
        }
        return SVGElement.group(entries).with("class", "legend").with("font-size", 12)
    }

    private func labelElements(_ l: ChartLayout) -> [SVGElement] {
        var parts: [SVGElement] = []
        if !title.isEmpty {
            parts.append(SVGElement.text(title, at: SVGPoint(x: width / 2, y: 28)).with("class", "title").with("text-anchor", "middle").with("font-size", 16).with("font-weight", "bold"))
        }
        if !xLabel.isEmpty {
            parts.append(SVGElement.text(xLabel, at: SVGPoint(x: (l.plotLeft + l.plotRight) / 2, y: height - 14)).with("class", "axis-label x").with("text-anchor", "middle").with("font-size", 13))
        }
        if !yLabel.isEmpty {
            let center = SVGPoint(x: 22, y: (l.plotTop + l.plotBottom) / 2)
            parts.append(SVGElement.text(yLabel, at: center).with("class", "axis-label y").with("text-anchor", "middle").with("font-size", 13)
                .with("transform", "rotate(-90 \(SVGElement.number(center.x)) \(SVGElement.number(center.y)))"))
        }
        return parts
    }

    private func generatedDescription(_ l: ChartLayout) -> String {
        var text = "Line chart. X axis: \(xLabel.isEmpty ? "unlabelled" : xLabel), "
        text += xScale == .log10 ? "logarithmic" : "linear"
        text += " from \(Self.short(l.xAxis.lower)) to \(Self.short(l.xAxis.upper))"
        if l.infinityX != nil { text += ", with a separate slot for x = ∞ at the right edge" }
        text += ". Y axis: \(yLabel.isEmpty ? "unlabelled" : yLabel), from \(Self.short(l.yAxis.lower)) to \(Self.short(l.yAxis.upper)). "
        if series.isEmpty { text += "No series." }
        for s in series {
            let shown = s.points.filter(isPlottable)
            text += "Series \(s.name): \(shown.count) point\(shown.count == 1 ? "" : "s")"
            if !shown.isEmpty { text += " (" + shown.map { "\(Self.short($0.x)): \(Self.short($0.y))" }.joined(separator: ", ") + ")" }
            text += ". "
        }
        for ref in l.references { text += "Reference line \(ref.line.label) at \(Self.short(ref.line.y)). " }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// A short, locale-free rendering of a value for the description.
    static func short(_ value: Double) -> String {
        if value == .infinity { return "∞" }
        if value == -.infinity { return "−∞" }
        guard value.isFinite else { return "NaN" }
        if value != 0 && (value.magnitude < 1e-3 || value.magnitude >= 1e7) { return AxisTicks.exponentLabel(value) }
        return DecimalFormatting.compact(value, maxFractionDigits: 4)
    }
}
