import Foundation

/// One benchmark figure: what was timed, the median over repetitions, and the target it is held to.
public struct Measurement: Sendable {
    /// A short name, e.g. `sgd_epoch_1m_dim32`.
    public var name: String
    /// What was measured, in words.
    public var description: String
    /// Median seconds over the repetitions.
    public var seconds: Double
    /// Fastest repetition, in seconds.
    public var best: Double
    /// Number of repetitions.
    public var repetitions: Int
    /// The target in seconds, if the issue set one.
    public var target: Double?

    /// Whether the median meets the target (true when there is none).
    public var meetsTarget: Bool { target.map { seconds <= $0 } ?? true }

    /// Times `body` `repetitions` times after one warm-up run.
    public static func time(
        _ name: String, _ description: String, repetitions: Int = 5, target: Double? = nil,
        _ body: () throws -> Void
    ) rethrows -> Measurement {
        try body()
        var samples: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        samples.sort()
        return Measurement(name: name, description: description, seconds: samples[samples.count / 2],
                           best: samples[0], repetitions: samples.count, target: target)
    }
}

/// The process's memory figures from `/proc/self/status` (Linux).
public enum ProcessMemory {
    /// Peak resident set size in bytes (VmHWM), or `nil` where it cannot be read.
    public static func peakResidentBytes() -> Int? { field("VmHWM:") }

    /// Current resident set size in bytes (VmRSS), or `nil` where it cannot be read.
    public static func residentBytes() -> Int? { field("VmRSS:") }

    private static func field(_ key: String) -> Int? {
        // /proc files report size 0, so read them to the end rather than by size.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/status") else { return nil }
        defer { try? handle.close() }
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let kb = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return kb.map { $0 * 1024 }
        }
        return nil
    }
}
