#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads whole files into memory as bytes, turning every failure into a ``DataError``.
enum FileBytes {
    /// The contents of the file at `path`.
    /// - Throws: ``DataError/Code/fileNotFound`` or ``DataError/Code/unreadable``.
    static func read(_ path: String) throws(DataError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            throw openError(path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DataError(.unreadable, "cannot inspect the file: \(describe(errno))", file: path)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw DataError(.unreadable, "is a directory, expected a ratings file", file: path)
        }
        // Regular files: one read of the exact size, then one more that returns 0 at end of file.
        // Pipes and the like: 64 KiB at a time until end of file.
        let regular = (info.st_mode & S_IFMT) == S_IFREG
        var chunk = regular ? Int(info.st_size) + 1 : 1 << 16
        var bytes: [UInt8] = []
        while true {
            let filled = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let got = bytes.withUnsafeMutableBufferPointer { buffer -> Int in
                while true {
                    let n = systemRead(fd, buffer.baseAddress! + filled, chunk)
                    if n < 0 && errno == EINTR { continue }
                    return n
                }
            }
            if got < 0 {
                throw DataError(.unreadable, "read failed: \(describe(errno))", file: path)
            }
            bytes.removeLast(chunk - got)
            if got == 0 { break }
            // A short read leaves room in the buffer: try to fill it before growing.
            chunk = got < chunk ? chunk - got : 1 << 16
        }
        return bytes
    }

    /// The error for a failed `open(2)`.
    static func openError(path: String, errno code: Int32) -> DataError {
        switch code {
        case ENOENT, ENOTDIR:
            return DataError(.fileNotFound, "no such file or directory; check the path", file: path)
        case EACCES, EPERM:
            return DataError(.unreadable, "permission denied; make it readable (chmod +r)", file: path)
        default:
            return DataError(.unreadable, describe(code), file: path)
        }
    }

    /// The system's text for an errno value.
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

/// `read(2)`, under a name the static `FileBytes.read` does not shadow.
@inline(__always)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(fd, buffer, count)
}
