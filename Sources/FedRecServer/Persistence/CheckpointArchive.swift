#if canImport(Glibc)
import FedRecHTTP
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint file: named byte sections (model tensors, optimizer state, privacy ledger, round
/// metadata) with a checksum on each section and on the whole file, so a torn or corrupted
/// checkpoint is detected on load and stops the server instead of silently starting fresh.
///
/// Layout (little-endian):
/// ```
/// "FRCK"  u16 version = 1  u16 flags = 0  u32 section count n (0...256)
/// n × { u8 name length L (1...64), L name bytes [a-z0-9_.], u64 byte length, u32 CRC-32C }
/// the n section payloads, in order
/// u32 CRC-32C of everything above
/// ```
/// Write with `write(to:)` (atomic: temp file, fsync, rename, fsync directory, mode 0600).
public struct CheckpointArchive: Sendable, Hashable {
    /// One named section.
    public struct Section: Sendable, Hashable {
        /// The section name, 1...64 characters of `a-z 0-9 _ .`.
        public var name: String
        /// The payload.
        public var bytes: [UInt8]

        /// Creates a section.
        public init(name: String, bytes: [UInt8]) {
            precondition(TensorSpec.isValidName(name), "section names are 1...64 characters of a-z, 0-9, '_', '.': \(name)")
            self.name = name
            self.bytes = bytes
        }
    }

    /// The sections in order.
    public private(set) var sections: [Section]

    /// The magic bytes, "FRCK".
    public static let magic: [UInt8] = Array("FRCK".utf8)
    /// The format version written and read.
    public static let version: UInt16 = 1
    /// The most sections in one archive.
    public static let maxSections = 256

    /// Creates an archive.
    /// - Precondition: distinct names, at most `maxSections` sections.
    public init(sections: [Section]) {
        precondition(sections.count <= CheckpointArchive.maxSections, "at most \(CheckpointArchive.maxSections) sections")
        precondition(Set(sections.map(\.name)).count == sections.count, "section names must be distinct")
        self.sections = sections
    }

    /// The payload of the section named `name`.
    public subscript(name: String) -> [UInt8]? {
        sections.first { $0.name == name }?.bytes
    }

    /// The encoded file contents.
    public func encoded() -> [UInt8] {
        var out = CheckpointArchive.magic
        append(CheckpointArchive.version, to: &out)
        append(UInt16(0), to: &out)
        append(UInt32(sections.count), to: &out)
        for section in sections {
            out.append(UInt8(section.name.utf8.count))
            out.append(contentsOf: section.name.utf8)
            append(UInt64(section.bytes.count), to: &out)
            append(CRC32C.checksum(section.bytes), to: &out)
        }
        for section in sections { out.append(contentsOf: section.bytes) }
        append(CRC32C.checksum(out), to: &out)
        return out
    }

    /// Decodes and verifies an archive; `source` names it in messages.
    /// - Throws: `.corruptCheckpoint` naming what is wrong (checksum, truncation, layout).
    public static func decode(_ bytes: [UInt8], source: String = "checkpoint") throws(ServerError) -> CheckpointArchive {
        func corrupt(_ what: String) -> ServerError {
            ServerError(.corruptCheckpoint, "\(source) is corrupt: \(what). Restore it from a backup or start over in a new state directory; the server does not start fresh on its own, since that would reset the privacy budget")
        }
        guard bytes.count >= 16, bytes.prefix(4).elementsEqual(magic) else { throw corrupt("it does not start with the checkpoint magic FRCK") }
        let stored = read(UInt32.self, bytes, bytes.count - 4)
        guard CRC32C.checksum(Array(bytes[..<(bytes.count - 4)])) == stored else { throw corrupt("the file checksum does not match (truncated or damaged)") }
        let formatVersion = read(UInt16.self, bytes, 4)
        guard formatVersion == version else { throw corrupt("format version \(formatVersion) is not \(version)") }
        let count = Int(read(UInt32.self, bytes, 8))
        guard count <= maxSections else { throw corrupt("it declares \(count) sections") }
        var offset = 12
        var headers: [(String, Int, UInt32)] = []
        let end = bytes.count - 4
        for index in 0..<count {
            guard offset < end else { throw corrupt("section header \(index) is cut") }
            let length = Int(bytes[offset])
            guard (1...64).contains(length), offset + 1 + length + 12 <= end else { throw corrupt("section header \(index) is malformed") }
            let nameBytes = bytes[(offset + 1)..<(offset + 1 + length)]
            guard nameBytes.allSatisfy(TensorSpec.isNameByte) else { throw corrupt("section \(index) has an invalid name") }
            offset += 1 + length
            let size = read(UInt64.self, bytes, offset)
            let crc = read(UInt32.self, bytes, offset + 8)
            offset += 12
            guard size <= UInt64(end) else { throw corrupt("section \(index) is larger than the file") }
            headers.append((String(decoding: nameBytes, as: UTF8.self), Int(size), crc))
        }
        var sections: [Section] = []
        var names = Set<String>()
        for (name, size, crc) in headers {
            guard size <= end - offset else { throw corrupt("section \(name) is cut") }
            let payload = Array(bytes[offset..<(offset + size)])
            guard CRC32C.checksum(payload) == crc else { throw corrupt("section \(name) fails its checksum") }
            guard names.insert(name).inserted else { throw corrupt("section \(name) appears twice") }
            sections.append(Section(name: name, bytes: payload))
            offset += size
        }
        guard offset == end else { throw corrupt("\(end - offset) unexpected bytes after the sections") }
        return CheckpointArchive(sections: sections)
    }

    /// Writes the archive atomically with mode 0600 (temp file, fsync, rename, fsync directory).
    public func write(to path: String) throws(ServerError) {
        try ServerError.bridging(AtomicFile.write(encoded(), to: path, permissions: 0o600))
    }

    /// Loads the archive at `path`; nil when no file exists there (a first start).
    /// - Throws: `.corruptCheckpoint` for a damaged file, `.ioFailure` when it cannot be read.
    public static func load(from path: String, maxBytes: Int = 1 << 32) throws(ServerError) -> CheckpointArchive? {
        guard access(path, F_OK) == 0 else { return nil }
        return try decode(try ServerError.bridging(AtomicFile.read(path, maxBytes: maxBytes)), source: path)
    }

    private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}
