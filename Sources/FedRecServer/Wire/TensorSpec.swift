/// The name and shape of one tensor in a wire message, e.g. `item_factors` of shape `[1682, 32]`.
public struct TensorSpec: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The tensor's name: 1...64 characters from `a-z`, `0-9`, `_`, `.`.
    public var name: String
    /// The dimensions, outermost first (row-major); 1...4 of them, each at least 1.
    public var shape: [Int]

    /// Creates a spec.
    /// - Precondition: the name and shape satisfy the limits above (the wire format enforces the
    ///   same limits on decoding, docs/protocol.md §3).
    public init(name: String, shape: [Int]) {
        precondition(TensorSpec.isValidName(name), "tensor names are 1...64 characters of a-z, 0-9, '_', '.': \(name)")
        precondition((1...TensorWireFormat.maxRank).contains(shape.count), "tensors have 1...\(TensorWireFormat.maxRank) dimensions")
        precondition(shape.allSatisfy { $0 >= 1 && $0 <= Int(UInt32.max) }, "dimensions are 1...2^32-1")
        self.name = name
        self.shape = shape
    }

    /// The number of elements, the product of the dimensions.
    public var count: Int { shape.reduce(1, *) }

    /// `name[d0×d1]`.
    public var description: String { "\(name)[\(shape.map(String.init).joined(separator: "×"))]" }

    static func isValidName(_ name: String) -> Bool {
        (1...TensorWireFormat.maxNameBytes).contains(name.utf8.count) && name.utf8.allSatisfy(isNameByte)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
}
