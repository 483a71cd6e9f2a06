/// The binary tensor format of models (`GET /v1/model`) and updates
/// (`POST /v1/rounds/{r}/updates`), specified byte for byte in docs/protocol.md §3.
///
/// All integers and floats are little-endian:
/// ```
/// offset size  field
///      0    4  magic "FRTN" (0x46 0x52 0x54 0x4E)
///      4    2  format version, u16 = 1
///      6    2  flags, u16 = 0 (reserved)
///      8    8  round, u64
///     16    4  tensor count n, u32, 1...64
///     20       n descriptors: u8 name length L (1...64), L name bytes [a-z0-9_.],
///              u8 rank k (1...4), k × u32 dimensions (each ≥ 1)
///              zero bytes up to a multiple of 4 (the payload is 4-aligned)
///              payload: the elements of every tensor in order, row-major, float32
/// ```
/// The decoder is strict: the body must be exactly as long as the header says, names distinct, the
/// padding and flags zero, and every value finite. Each failure has its own `ServerError.Code`.
public enum TensorWireFormat {
    /// The four magic bytes, "FRTN".
    public static let magic: [UInt8] = Array("FRTN".utf8)
    /// The format version this code writes and reads.
    public static let version: UInt16 = 1
    /// The `Content-Type` of tensor bodies.
    public static let contentType = "application/vnd.fedrec.tensor"
    /// The most tensors in one message.
    public static let maxTensors = 64
    /// The most dimensions of one tensor.
    public static let maxRank = 4
    /// The longest tensor name in bytes.
    public static let maxNameBytes = 64
    /// The size of the fixed header before the descriptors.
    static let fixedHeaderBytes = 20

    /// The exact encoded size of a message with `layout`; use it to derive the body-size limit.
    public static func encodedByteCount(layout: [TensorSpec]) -> Int {
        headerByteCount(layout: layout) + 4 * layout.reduce(0) { $0 + $1.count }
    }

    /// The size of header plus descriptors plus padding.
    static func headerByteCount(layout: [TensorSpec]) -> Int {
        let descriptors = layout.reduce(0) { $0 + 2 + $1.name.utf8.count + 4 * $1.shape.count }
        return (fixedHeaderBytes + descriptors + 3) / 4 * 4
    }

    /// Encodes `message`.
    /// - Complexity: O(values); one copy of the payload.
    public static func encode(_ message: TensorMessage) -> [UInt8] {
        message.values.withUnsafeBufferPointer { encode(round: message.round, layout: message.layout, values: $0) }
    }

    /// Encodes a message from a flat buffer of values (avoids building a `TensorMessage`).
    /// - Precondition: `layout` is 1...64 distinct tensors whose counts sum to `values.count`.
    public static func encode(round: UInt64, layout: [TensorSpec], values: UnsafeBufferPointer<Float>) -> [UInt8] {
        precondition((1...maxTensors).contains(layout.count), "a message holds 1...\(maxTensors) tensors")
        precondition(values.count == layout.reduce(0) { $0 + $1.count }, "values do not fill the layout")
        let headerBytes = headerByteCount(layout: layout)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerBytes + 4 * values.count)
        bytes.append(contentsOf: magic)
        appendLE(version, to: &bytes)
        appendLE(UInt16(0), to: &bytes)
        appendLE(round, to: &bytes)
        appendLE(UInt32(layout.count), to: &bytes)
        for spec in layout {
            bytes.append(UInt8(spec.name.utf8.count))
            bytes.append(contentsOf: spec.name.utf8)
            bytes.append(UInt8(spec.shape.count))
            for dimension in spec.shape { appendLE(UInt32(dimension), to: &bytes) }
        }
        while bytes.count < headerBytes { bytes.append(0) }
        if isLittleEndianHost {
            bytes.append(contentsOf: UnsafeRawBufferPointer(values))
        } else {
            for value in values { appendLE(value.bitPattern, to: &bytes) }
        }
        return bytes
    }

    /// Decodes and validates a message.
    ///
    /// - Parameters:
    ///   - bytes: the whole body.
    ///   - expectedLayout: when given, the names and shapes must equal it exactly (`.shapeMismatch`).
    /// - Throws: `ServerError` with code `.badMagic`, `.unsupportedFormatVersion`, `.malformedTensor`,
    ///   `.lengthMismatch`, `.shapeMismatch` or `.nonFinite`, and a message naming the field.
    /// - Complexity: O(bytes); the payload is copied once and scanned once for NaN/Inf.
    public static func decode(_ bytes: [UInt8], expectedLayout: [TensorSpec]? = nil) throws(ServerError) -> TensorMessage {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ServerError) -> TensorMessage in try decode(raw, expectedLayout: expectedLayout) }
        }
        return try result.get()
    }

    /// Decodes and validates a message held in raw memory; see `decode(_:expectedLayout:)`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, expectedLayout: [TensorSpec]? = nil) throws(ServerError) -> TensorMessage {
        var reader = Reader(bytes: bytes)
        guard bytes.count >= fixedHeaderBytes else {
            if bytes.count >= 4 && !bytes.prefix(4).elementsEqual(magic) {
                throw ServerError(.badMagic, "the body does not start with the tensor magic \"FRTN\"")
            }
            throw ServerError(.lengthMismatch, "the body is \(bytes.count) bytes, shorter than the \(fixedHeaderBytes)-byte tensor header")
        }
        guard bytes.prefix(4).elementsEqual(magic) else {
            throw ServerError(.badMagic, "the body does not start with the tensor magic \"FRTN\"; send \(contentType) as in docs/protocol.md")
        }
        reader.offset = 4
        let formatVersion = reader.u16()
        guard formatVersion == version else {
            throw ServerError(.unsupportedFormatVersion, "tensor format version \(formatVersion) is not supported; this server reads version \(version)")
        }
        let flags = reader.u16()
        guard flags == 0 else { throw ServerError(.malformedTensor, "the reserved flags field is \(flags); it must be 0") }
        let round = reader.u64()
        let tensorCount = Int(reader.u32())
        guard (1...maxTensors).contains(tensorCount) else {
            throw ServerError(.malformedTensor, "the message declares \(tensorCount) tensors; it must hold 1...\(maxTensors)")
        }
        var layout: [TensorSpec] = []
        layout.reserveCapacity(tensorCount)
        var names = Set<String>()
        var totalElements = 0
        let payloadLimit = bytes.count / 4  // no message can hold more elements than this
        for index in 0..<tensorCount {
            guard let nameLength = reader.u8IfAvailable() else { throw truncatedHeader(index) }
            guard (1...maxNameBytes).contains(Int(nameLength)) else {
                throw ServerError(.malformedTensor, "tensor \(index) has a name of \(nameLength) bytes; names are 1...\(maxNameBytes) bytes")
            }
            guard let nameBytes = reader.bytesIfAvailable(Int(nameLength)) else { throw truncatedHeader(index) }
            guard nameBytes.allSatisfy(TensorSpec.isNameByte) else {
                throw ServerError(.malformedTensor, "tensor \(index) has a name with characters outside a-z, 0-9, '_', '.'")
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard names.insert(name).inserted else { throw ServerError(.malformedTensor, "tensor name \(name) appears twice") }
            guard let rank = reader.u8IfAvailable() else { throw truncatedHeader(index) }
            guard (1...maxRank).contains(Int(rank)) else {
                throw ServerError(.malformedTensor, "tensor \(name) has rank \(rank); ranks are 1...\(maxRank)")
            }
            guard reader.remaining >= 4 * Int(rank) else { throw truncatedHeader(index) }
            var shape: [Int] = []
            var count = 1
            for _ in 0..<rank {
                let dimension = Int(reader.u32())
                guard dimension >= 1 else { throw ServerError(.malformedTensor, "tensor \(name) has a zero dimension") }
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= payloadLimit else {
                    throw ServerError(.lengthMismatch, "tensor \(name) declares more elements than the \(bytes.count)-byte body can hold")
                }
                count = product
                shape.append(dimension)
            }
            totalElements += count
            guard totalElements <= payloadLimit else {
                throw ServerError(.lengthMismatch, "the tensors declare more elements than the \(bytes.count)-byte body can hold")
            }
            layout.append(TensorSpec(name: name, shape: shape))
        }
        let payloadStart = (reader.offset + 3) / 4 * 4
        guard payloadStart <= bytes.count else { throw truncatedHeader(tensorCount - 1) }
        guard bytes[reader.offset..<payloadStart].allSatisfy({ $0 == 0 }) else {
            throw ServerError(.malformedTensor, "the padding before the payload must be zero bytes")
        }
        let expectedLength = payloadStart + 4 * totalElements
        guard bytes.count == expectedLength else {
            let how = bytes.count < expectedLength ? "truncated" : "followed by \(bytes.count - expectedLength) extra bytes"
            throw ServerError(.lengthMismatch, "the body is \(bytes.count) bytes but its header describes \(expectedLength) bytes (\(how))")
        }
        if let expectedLayout, expectedLayout != layout {
            throw ServerError(.shapeMismatch, "the tensors are \(describe(layout)); the model expects \(describe(expectedLayout))")
        }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[payloadStart...])
        let values = [Float](unsafeUninitializedCapacity: totalElements) { buffer, initialized in
            if isLittleEndianHost {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: payload)
            } else {
                for i in 0..<totalElements {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            }
            initialized = totalElements
        }
        if let bad = firstNonFinite(values) {
            var offset = 0
            for spec in layout {
                if bad < offset + spec.count {
                    let kind = values[bad].isNaN ? "NaN" : "infinite"
                    throw ServerError(.nonFinite, "tensor \(spec.name) element \(bad - offset) is \(kind); updates must be finite")
                }
                offset += spec.count
            }
        }
        return TensorMessage(round: round, layout: layout, values: values)
    }

    /// The index of the first NaN or infinity, if any (exponent bits all ones).
    static func firstNonFinite(_ values: [Float]) -> Int? {
        values.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt32.self) { bits in
                // Check a block at a time with a branch-free OR, then locate within the block.
                let block = 1024
                var start = 0
                while start < bits.count {
                    let end = min(start + block, bits.count)
                    var any: UInt32 = 0
                    for i in start..<end { any |= ((bits[i] & 0x7F80_0000) == 0x7F80_0000) ? 1 : 0 }
                    if any != 0 {
                        for i in start..<end where (bits[i] & 0x7F80_0000) == 0x7F80_0000 { return i }
                    }
                    start = end
                }
                return nil
            }
        }
    }

    private static func describe(_ layout: [TensorSpec]) -> String {
        layout.map(\.description).joined(separator: ", ")
    }

    private static func truncatedHeader(_ index: Int) -> ServerError {
        ServerError(.lengthMismatch, "the body ends inside the descriptor of tensor \(index)")
    }

    static let isLittleEndianHost = UInt32(1).littleEndian == 1

    private static func appendLE<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A bounds-checked little-endian reader.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0
        var remaining: Int { bytes.count - offset }

        mutating func u16() -> UInt16 { read(UInt16.self) }
        mutating func u32() -> UInt32 { read(UInt32.self) }
        mutating func u64() -> UInt64 { read(UInt64.self) }

        mutating func u8IfAvailable() -> UInt8? {
            guard remaining >= 1 else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func bytesIfAvailable(_ count: Int) -> UnsafeRawBufferPointer? {
            guard remaining >= count else { return nil }
            defer { offset += count }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        }

        private mutating func read<T: FixedWidthInteger>(_: T.Type) -> T {
            precondition(remaining >= MemoryLayout<T>.size, "reader overrun")
            defer { offset += MemoryLayout<T>.size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
    }
}
