import Foundation
import Testing

@testable import FedRecData

/// The path of a fixture file or directory under `Fixtures/`.
func fixture(_ relativePath: String) throws -> String {
    let root = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures")
    let path = root.appendingPathComponent(relativePath).path
    try #require(FileManager.default.fileExists(atPath: path), "missing fixture \(relativePath)")
    return path
}

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("fedrec-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `contents` (bytes of the UTF-8 text) to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// The error `body` throws, failing the test if it throws none.
func loadError(_ path: String, options: LoadOptions = LoadOptions()) -> DataError? {
    do {
        let loaded = try DataSource.load(path, options: options)
        Issue.record("expected an error, loaded \(loaded.report)")
        return nil
    } catch {
        return error
    }
}

extension RatingsDataset {
    /// The interactions as (raw user, raw item, rating, timestamp) tuples in storage order.
    var rawTuples: [(String, String, Float, Int64)] {
        (0..<count).map { k in (userIDs[Int(users[k])], itemIDs[Int(items[k])], ratings[k], timestamps[k]) }
    }
}
