import Foundation

/// A folder a command writes its results into: created if missing; files are written atomically
/// so a crash never leaves a half-written result.
struct OutputFolder {
    /// The folder's path.
    let path: String

    /// Creates (or reuses) the folder.
    /// - Throws: ``CLIError`` when the path is a file or cannot be created.
    init(path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CLIError("--out \(path) is a file; give a folder") }
        } else {
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw CLIError("cannot create the output folder \(path): \(error.localizedDescription)")
            }
        }
        self.path = path
    }

    /// The URL of `name` inside the folder.
    func url(_ name: String) -> URL { URL(fileURLWithPath: path).appendingPathComponent(name) }

    /// Writes `text` to `name` atomically.
    func write(_ text: String, to name: String) throws {
        do { try Data(text.utf8).write(to: url(name), options: .atomic) } catch {
            throw CLIError("cannot write \(url(name).path): \(error.localizedDescription)")
        }
    }
}
