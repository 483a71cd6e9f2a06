#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension RatingsDataset {
    /// The interactions as the text of a file in `format`, with raw ids, one line per interaction
    /// in storage order, LF line endings, and a header when the format has one. Loading the text
    /// with the same format gives back the same data set (for data without repeated pairs).
    ///
    /// Ratings are written in the shortest form that reads back exactly (`4`, `3.5`);
    /// ignored columns are left empty. Useful to export synthetic data and to benchmark loading.
    /// - Precondition: no raw id contains the separator or a line break.
    /// - Complexity: O(n), no per-line allocation.
    public func encoded(as format: DataFormat) -> [UInt8] {
        let layout = format.layout
        let separator = Array(layout.separator.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 24 + 64)
        if layout.hasHeader {
            let names: [String] = format == .movieLensCSV
                ? ["userId", "movieId", "rating", "timestamp"]
                : layout.columns.map { $0 == .ignore ? "_" : $0.rawValue }
            out.append(contentsOf: names.joined(separator: layout.separator).utf8)
            out.append(10)
        }
        let userBytes = userIDs.map { Array($0.utf8) }
        let itemBytes = itemIDs.map { Array($0.utf8) }
        var ratingText: [Float: [UInt8]] = [:]
        for k in 0..<count {
            for (c, column) in layout.columns.enumerated() {
                if c > 0 { out.append(contentsOf: separator) }
                switch column {
                case .user: out.append(contentsOf: userBytes[Int(users[k])])
                case .item: out.append(contentsOf: itemBytes[Int(items[k])])
                case .rating:
                    let r = ratings[k]
                    if let text = ratingText[r] {
                        out.append(contentsOf: text)
                    } else {
                        let text = Array(DatasetStats.short(r).utf8)
                        ratingText[r] = text
                        out.append(contentsOf: text)
                    }
                case .timestamp: RatingsDataset.appendDecimal(timestamps[k], to: &out)
                case .ignore: break
                }
            }
            out.append(10)
        }
        return out
    }

    /// Writes ``encoded(as:)`` to `path`, replacing any file there.
    /// - Throws: ``DataError/Code/unwritable`` naming the path and the system's reason.
    public func write(toFile path: String, format: DataFormat) throws(DataError) {
        let bytes = encoded(as: format)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw DataError(.unwritable, "cannot create the file: \(FileBytes.describe(errno))", file: path)
        }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                posixWrite(fd, raw.baseAddress! + written, bytes.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError(.unwritable, "write failed: \(FileBytes.describe(errno))", file: path)
            }
            written += n
        }
    }

    /// Appends the decimal digits of `value`.
    private static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(45) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[n] = UInt8(truncatingIfNeeded: magnitude % 10) + 48
                magnitude /= 10
                n += 1
            } while magnitude > 0
            for k in stride(from: n - 1, through: 0, by: -1) { out.append(buffer[k]) }
        }
    }
}

/// `write(2)`, under a name the method `RatingsDataset.write(toFile:format:)` does not shadow.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
