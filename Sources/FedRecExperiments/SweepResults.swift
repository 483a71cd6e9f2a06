import FedRecReport
import Foundation

/// The completed rows of a sweep, kept on disk in an output folder so an interrupted sweep
/// resumes where it stopped.
///
/// The folder holds `sweep.json` (the study's ``SweepSpec/canonicalJSON()``) and `results.csv`
/// (one row per completed point or baseline), both written atomically (write to a temporary file,
/// then rename), so a crash leaves either the previous or the new complete file, never a torn one.
public struct SweepResults: Sendable {
    /// The output folder.
    public let folder: URL
    /// Completed rows in completion order.
    public private(set) var records: [SweepRecord] = []

    /// Opens (or starts) the results of `spec` in `folder`.
    ///
    /// A new folder gets `sweep.json`; a folder that already has one must describe the same study,
    /// otherwise the sweep is refused (mixing runs of different studies would corrupt the report).
    /// - Throws: ``ExperimentError`` `configMismatch` listing the fields that differ,
    ///   `corruptResults` for a damaged `results.csv`, `writeFailed` when the folder is not writable.
    public init(folder: URL, spec: SweepSpec) throws {
        self.folder = folder
        let json = try spec.canonicalJSON()
        let specURL = folder.appendingPathComponent("sweep.json")
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ExperimentError(.writeFailed, "cannot create \(folder.path): \(error.localizedDescription)")
        }
        if let old = FileManager.default.contents(atPath: specURL.path) {
            let oldText = String(decoding: old, as: UTF8.self)
            if oldText != json {
                if let oldModel = SweepSpec.model(ofCanonicalJSON: oldText), oldModel != spec.model {
                    throw ExperimentError(.configMismatch, "\(folder.path) holds a --model \(oldModel.rawValue) sweep and this is a --model \(spec.model.rawValue) sweep, so its completed points cannot be reused: rerun with --model \(oldModel.rawValue) to resume it, or choose a new --out folder")
                }
                let diffs = SweepSpec.differences(oldText, json)
                throw ExperimentError(.configMismatch, "\(folder.path) holds a sweep with a different configuration, so its completed points cannot be reused:\n  "
                    + (diffs.isEmpty ? "sweep.json differs" : diffs.prefix(12).joined(separator: "\n  "))
                    + "\nrerun with the original options to resume, or choose a new --out folder")
            }
        } else {
            try Self.write(json, to: specURL)
        }
        let csvURL = folder.appendingPathComponent("results.csv")
        guard FileManager.default.fileExists(atPath: csvURL.path) else { return }
        let table: CSVTable
        do { table = try CSVTable(contentsOfFile: csvURL.path) } catch {
            throw ExperimentError(.corruptResults, "\(error); delete \(csvURL.path) to rerun every point")
        }
        let references: [SweepRecord.Kind] = [.centralized, .popularity, .implicitMF]
        let wanted = Set(spec.grid.points.map(\.key) + spec.grid.seeds.flatMap { seed in references.map { "\($0.rawValue);seed=\(seed)" } })
        for (row, record) in try SweepRecord.records(in: table, file: csvURL.path).enumerated() {
            guard record.model == spec.model else {
                throw ExperimentError(.corruptResults, "\(csvURL.path) row \(row + 2) is a --model \(record.model.rawValue) result but this is a --model \(spec.model.rawValue) sweep; choose a new --out folder")
            }
            guard wanted.contains(record.key) else {
                throw ExperimentError(.corruptResults, "\(csvURL.path) row \(row + 2) (\(record.key)) is not a point of this sweep; choose a new --out folder")
            }
            if self.record(for: record.key) == nil { records.append(record) }
        }
    }

    /// The completed row with `key`, if any.
    public func record(for key: String) -> SweepRecord? { records.first { $0.key == key } }

    /// Whether `point` has been completed.
    public func isDone(_ point: SweepPoint) -> Bool { record(for: point.key) != nil }

    /// The centralized baseline of `seed`, if it has run.
    public func baseline(seed: UInt64) -> SweepRecord? { record(for: "centralized;seed=\(seed)") }

    /// Adds a completed row and rewrites `results.csv` atomically.
    /// - Throws: ``ExperimentError`` `writeFailed`.
    public mutating func append(_ record: SweepRecord) throws {
        records.removeAll { $0.key == record.key }
        records.append(record)
        try Self.write(table.render(), to: folder.appendingPathComponent("results.csv"))
    }

    /// All rows as a CSV table with ``SweepRecord/columns``.
    public var table: CSVTable {
        var t = CSVTable(columns: SweepRecord.columns)
        for r in records { t.append(r.cells) }
        return t
    }

    /// Writes `text` to `url` atomically.
    static func write(_ text: String, to url: URL) throws {
        do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
            throw ExperimentError(.writeFailed, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
