import Synchronization

/// A thread-safe registry of counters, gauges and histograms rendered in the Prometheus text
/// exposition format (version 0.0.4) for `GET /metrics`.
///
/// Ask the registry for a series by name and labels; the first call creates it, later calls return
/// a handle to the same series. Handles are cheap values that update the registry under its mutex.
/// ```swift
/// let rejected = metrics.counter("fedrec_updates_rejected_total", help: "Updates refused, by reason.",
///                                labels: ["reason": "non_finite"])
/// rejected.increment()
/// ```
/// Label values should come from small fixed sets (error codes, route patterns), never from client
/// input, so the number of series stays bounded.
public final class Metrics: Sendable {
    /// The kind of a metric family.
    public enum Kind: String, Sendable {
        /// Monotonically increasing.
        case counter
        /// Goes up and down.
        case gauge
        /// Cumulative buckets plus sum and count.
        case histogram
    }

    private struct Family {
        var kind: Kind
        var help: String
        var buckets: [Double]
        /// Series keyed by their rendered label set (`{a="1",b="2"}` or empty).
        var series: [String: Int] = [:]
    }

    private struct Series {
        var value: Double = 0
        /// Upper bounds of the histogram buckets (shared storage with the family's).
        var bounds: [Double] = []
        var bucketCounts: [UInt64] = []
        var count: UInt64 = 0
    }

    private struct State {
        var families: [String: Family] = [:]
        var series: [Series] = []
    }

    private let state = Mutex(State())

    /// The default latency buckets in seconds, 0.5 ms to 10 s.
    public static let defaultLatencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Creates an empty registry.
    public init() {}

    /// The counter `name` with `labels`, created at zero on first use.
    /// - Precondition: `name` is a valid metric name not registered as another kind.
    public func counter(_ name: String, help: String, labels: [String: String] = [:]) -> Counter {
        Counter(registry: self, index: series(name, kind: .counter, help: help, buckets: [], labels: labels))
    }

    /// The gauge `name` with `labels`, created at zero on first use.
    public func gauge(_ name: String, help: String, labels: [String: String] = [:]) -> Gauge {
        Gauge(registry: self, index: series(name, kind: .gauge, help: help, buckets: [], labels: labels))
    }

    /// The histogram `name` with `labels` and upper bucket bounds `buckets` (ascending; `+Inf` is
    /// implicit), created empty on first use.
    /// - Precondition: every series of one histogram family uses the same buckets.
    public func histogram(_ name: String, help: String, buckets: [Double] = Metrics.defaultLatencyBuckets, labels: [String: String] = [:]) -> Histogram {
        precondition(!buckets.isEmpty && zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 } && buckets.allSatisfy(\.isFinite), "histogram buckets must be finite and strictly ascending")
        return Histogram(registry: self, index: series(name, kind: .histogram, help: help, buckets: buckets, labels: labels))
    }

    private func series(_ name: String, kind: Kind, help: String, buckets: [Double], labels: [String: String]) -> Int {
        precondition(Metrics.isValidName(name), "invalid metric name \(name)")
        precondition(labels.keys.allSatisfy { Metrics.isValidName($0) && !$0.hasPrefix("__") && $0 != "le" }, "invalid label name in \(labels.keys.sorted())")
        let key = Metrics.renderLabels(labels)
        return state.withLock { state in
            var family = state.families[name] ?? Family(kind: kind, help: help, buckets: buckets)
            precondition(family.kind == kind, "metric \(name) is already a \(family.kind)")
            precondition(family.buckets == buckets, "histogram \(name) already has other buckets")
            if let index = family.series[key] { return index }
            let index = state.series.count
            state.series.append(Series(bounds: buckets, bucketCounts: [UInt64](repeating: 0, count: buckets.count)))
            family.series[key] = index
            state.families[name] = family
            return index
        }
    }

    fileprivate func add(_ amount: Double, at index: Int) {
        state.withLock { $0.series[index].value += amount }
    }

    fileprivate func set(_ value: Double, at index: Int) {
        state.withLock { $0.series[index].value = value }
    }

    fileprivate func value(at index: Int) -> Double {
        state.withLock { $0.series[index].value }
    }

    fileprivate func observe(_ value: Double, at index: Int) {
        state.withLock { state in
            state.series[index].value += value
            state.series[index].count += 1
            // Non-cumulative counts here; render() accumulates.
            if let bucket = state.series[index].bounds.firstIndex(where: { value <= $0 }) {
                state.series[index].bucketCounts[bucket] += 1
            }
        }
    }

    /// The Prometheus text exposition of every series, families sorted by name and series by labels,
    /// so the output is deterministic.
    public func render() -> String {
        state.withLock { state in
            var out = ""
            for name in state.families.keys.sorted() {
                let family = state.families[name]!
                out += "# HELP \(name) \(Metrics.escapeHelp(family.help))\n"
                out += "# TYPE \(name) \(family.kind.rawValue)\n"
                for labels in family.series.keys.sorted() {
                    let series = state.series[family.series[labels]!]
                    switch family.kind {
                    case .counter, .gauge:
                        out += "\(name)\(labels) \(Metrics.format(series.value))\n"
                    case .histogram:
                        var cumulative: UInt64 = 0
                        for (bound, count) in zip(family.buckets, series.bucketCounts) {
                            cumulative += count
                            out += "\(name)_bucket\(Metrics.appendLabel(labels, "le", Metrics.format(bound))) \(cumulative)\n"
                        }
                        out += "\(name)_bucket\(Metrics.appendLabel(labels, "le", "+Inf")) \(series.count)\n"
                        out += "\(name)_sum\(labels) \(Metrics.format(series.value))\n"
                        out += "\(name)_count\(labels) \(series.count)\n"
                    }
                }
            }
            return out
        }
    }

    /// The `Content-Type` of `render()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
        }
    }

    static func renderLabels(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.keys.sorted().map { "\($0)=\"\(escapeLabel(labels[$0]!))\"" }.joined(separator: ",") + "}"
    }

    static func appendLabel(_ rendered: String, _ name: String, _ value: String) -> String {
        rendered.isEmpty ? "{\(name)=\"\(value)\"}" : String(rendered.dropLast()) + ",\(name)=\"\(value)\"}"
    }

    static func escapeLabel(_ value: String) -> String {
        value.replacingAll("\\", "\\\\").replacingAll("\"", "\\\"").replacingAll("\n", "\\n")
    }

    static func escapeHelp(_ value: String) -> String {
        value.replacingAll("\\", "\\\\").replacingAll("\n", "\\n")
    }

    /// Integers without a fraction, other values in Swift's shortest round-trip form; `+Inf`, `-Inf`, `NaN`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

/// A handle to one counter series.
public struct Counter: Sendable {
    fileprivate let registry: Metrics
    fileprivate let index: Int

    /// Adds `amount` (default 1).
    /// - Precondition: `amount >= 0`; counters never decrease.
    public func increment(by amount: Double = 1) {
        precondition(amount >= 0, "counters only increase")
        registry.add(amount, at: index)
    }

    /// The current value.
    public var value: Double { registry.value(at: index) }
}

/// A handle to one gauge series.
public struct Gauge: Sendable {
    fileprivate let registry: Metrics
    fileprivate let index: Int

    /// Sets the value.
    public func set(_ value: Double) { registry.set(value, at: index) }
    /// Adds `amount` (negative to decrease).
    public func add(_ amount: Double) { registry.add(amount, at: index) }
    /// The current value.
    public var value: Double { registry.value(at: index) }
}

/// A handle to one histogram series.
public struct Histogram: Sendable {
    fileprivate let registry: Metrics
    fileprivate let index: Int

    /// Records one observation.
    public func observe(_ value: Double) { registry.observe(value, at: index) }

    /// Records the seconds elapsed since `start`.
    public func observe(since start: ContinuousClock.Instant) {
        let elapsed = start.duration(to: .now)
        observe(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
