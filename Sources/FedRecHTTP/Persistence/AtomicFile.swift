#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe whole-file writes for checkpoints and token files.
///
/// `write` puts the bytes in a fresh temporary file in the same directory, `fsync`s it, `rename`s
/// it over the destination (atomic on POSIX file systems) and `fsync`s the directory so the rename
/// itself is durable. After a crash at any point the destination holds either the complete old
/// contents or the complete new contents, never a mixture; a stray `.NAME.tmp-*` file may remain.
public enum AtomicFile {
    /// Atomically replaces the file at `path` with `bytes`, with permission bits `permissions`.
    /// - Throws: `.ioFailure` naming the path and the failing step.
    public static func write(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644) throws(HTTPError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(HTTPError) in try write(raw, to: path, permissions: permissions) }
        }
        try result.get()
    }

    /// Atomically replaces the file at `path` with the bytes in `raw`.
    public static func write(_ raw: UnsafeRawBufferPointer, to path: String, permissions: mode_t = 0o644) throws(HTTPError) {
        let (directory, name) = split(path)
        guard !name.isEmpty else { throw HTTPError(.ioFailure, "'\(path)' names a directory, not a file") }
        var random = SystemRandomNumberGenerator()
        let temporary = "\(directory)/.\(name).tmp-\(getpid())-\(String(random.next(), radix: 16))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw .system(.ioFailure, "cannot create a temporary file in \(directory)", errno: errno) }
        var succeeded = false
        defer { if !succeeded { unlink(temporary) } }
        do {
            defer { close(fd) }
            guard fchmod(fd, permissions) == 0 else { throw HTTPError.system(.ioFailure, "cannot set permissions of \(temporary)", errno: errno) }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HTTPError.system(.ioFailure, "cannot write \(temporary)", errno: errno)
                }
                offset += n
            }
            guard fsync(fd) == 0 else { throw HTTPError.system(.ioFailure, "cannot fsync \(temporary)", errno: errno) }
        }
        guard rename(temporary, path) == 0 else { throw .system(.ioFailure, "cannot rename \(temporary) to \(path)", errno: errno) }
        succeeded = true
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw .system(.ioFailure, "cannot open directory \(directory) to sync it", errno: errno) }
        defer { close(directoryFD) }
        guard fsync(directoryFD) == 0 else { throw .system(.ioFailure, "cannot fsync directory \(directory)", errno: errno) }
    }

    /// Reads the whole file at `path`.
    /// - Throws: `.ioFailure` when it cannot be read or is larger than `maxBytes`.
    public static func read(_ path: String, maxBytes: Int = 1 << 30) throws(HTTPError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(.ioFailure, "cannot open \(path)", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(.ioFailure, "cannot stat \(path)", errno: errno) }
        guard Int(info.st_size) <= maxBytes else {
            throw HTTPError(.ioFailure, "\(path) is \(info.st_size) bytes, larger than the \(maxBytes)-byte limit")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        // Bounded by the file size plus the byte limit.
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(.ioFailure, "cannot read \(path)", errno: errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
            guard bytes.count <= maxBytes else { throw HTTPError(.ioFailure, "\(path) grew past the \(maxBytes)-byte limit while being read") }
        }
    }

    /// The permission bits of the file at `path` (for example `0o600`).
    public static func permissions(of path: String) throws(HTTPError) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .system(.ioFailure, "cannot stat \(path)", errno: errno) }
        return info.st_mode & 0o7777
    }

    /// (directory, file name); the directory is "." for a bare name.
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
