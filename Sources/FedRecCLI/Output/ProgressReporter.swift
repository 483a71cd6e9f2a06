import Foundation

/// Reports progress of a long task on standard error: a redrawn bar on a terminal, otherwise
/// one line per step at most every few seconds, each with elapsed time and an ETA.
///
/// Silent for tasks shorter than a second, so quick commands print nothing extra.
public struct ProgressReporter {
    private let console: Console
    private let label: String
    private let total: Int
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drewSomething = false
    private let quiet: Bool

    /// Starts reporting `total` steps of `label`; `quiet` silences it (e.g. under `--json`
    /// it still reports, because progress goes to stderr; `quiet` is for tests).
    public init(_ label: String, total: Int, console: Console, quiet: Bool = false) {
        self.console = console
        self.label = label
        self.total = max(total, 1)
        self.quiet = quiet
    }

    /// Seconds since the task started.
    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// Records that `done` steps are complete, with an optional detail such as the current loss.
    public mutating func update(_ done: Int, detail: String = "") {
        guard !quiet else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let finished = done >= total
        let interval = console.isTerminal ? 0.1 : 2.0
        guard elapsed >= 1 || drewSomething, finished || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        drewSomething = true
        let fraction = Double(done) / Double(total)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : .nan
        let timing = "elapsed \(Self.clock(elapsed))" + (finished ? "" : ", eta \(Self.clock(eta))")
        let suffix = detail.isEmpty ? "" : "  \(detail)"
        if console.isTerminal {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            console.progress("\r\u{1B}[2K\(label) \(bar) \(done)/\(total)  \(timing)\(suffix)" + (finished ? "\n" : ""))
        } else {
            console.note("\(label) \(done)/\(total)  \(timing)\(suffix)")
        }
    }

    /// Formats seconds as `m:ss` (or `h:mm:ss`), `--:--` when unknown.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
