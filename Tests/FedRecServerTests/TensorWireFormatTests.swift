import Testing
@testable import FedRecServer

@Suite struct TensorWireFormatTests {
    static let layout = [
        TensorSpec(name: "item_factors", shape: [3, 2]),
        TensorSpec(name: "item_bias", shape: [3]),
        TensorSpec(name: "mu", shape: [1]),
    ]
    static let message = TensorMessage(round: 42, layout: layout, values: [1, -2, 3.5, 0, -0.25, 1e-30, 7, 8, 9, 3.25])

    @Test func roundTripPreservesRoundLayoutAndBits() throws {
        let bytes = TensorWireFormat.encode(Self.message)
        #expect(bytes.count == TensorWireFormat.encodedByteCount(layout: Self.layout))
        #expect(bytes.count % 4 == 0)
        let decoded = try TensorWireFormat.decode(bytes, expectedLayout: Self.layout)
        #expect(decoded == Self.message)
        #expect(decoded.tensor(named: "item_bias") == [7, 8, 9])
        #expect(decoded.range(of: "mu") == 9..<10)
    }

    @Test func headerBytesMatchTheSpecification() {
        let bytes = TensorWireFormat.encode(TensorMessage(round: 0x0102, layout: [TensorSpec(name: "w", shape: [2])], values: [1, -2]))
        // magic, version 1, flags 0, round 0x0102, count 1, "w" rank 1 dim 2, pad to 28, payload
        let expected: [UInt8] = [0x46, 0x52, 0x54, 0x4E, 1, 0, 0, 0, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
                                 1, 0x77, 1, 2, 0, 0, 0, 0, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]
        #expect(bytes == expected)
    }

    private func rejection(_ bytes: [UInt8], expecting layout: [TensorSpec]? = nil) -> ServerError.Code? {
        do {
            _ = try TensorWireFormat.decode(bytes, expectedLayout: layout)
            return nil
        } catch { return error.code }
    }

    private var valid: [UInt8] { TensorWireFormat.encode(Self.message) }

    @Test func wrongMagicIsRejected() {
        var bytes = valid
        bytes[0] = UInt8(ascii: "X")
        #expect(rejection(bytes) == .badMagic)
        #expect(rejection(Array("{\"json\": true}".utf8)) == .badMagic)
    }

    @Test func wrongVersionIsRejected() {
        var bytes = valid
        bytes[4] = 2
        #expect(rejection(bytes) == .unsupportedFormatVersion)
    }

    @Test func nonZeroFlagsOrPaddingAreRejected() {
        var flags = valid
        flags[6] = 1
        #expect(rejection(flags) == .malformedTensor)
        var padding = TensorWireFormat.encode(TensorMessage(round: 0, layout: [TensorSpec(name: "w", shape: [2])], values: [1, 2]))
        padding[27] = 9
        #expect(rejection(padding) == .malformedTensor)
    }

    @Test func malformedDescriptorsAreRejected() {
        var zeroTensors = valid
        zeroTensors[16] = 0
        #expect(rejection(zeroTensors) == .malformedTensor)
        var badName = valid
        badName[21] = UInt8(ascii: "I")  // uppercase is outside the name alphabet
        #expect(rejection(badName) == .malformedTensor)
        var badRank = valid
        badRank[20 + 1 + 12] = 9
        #expect(rejection(badRank) == .malformedTensor)
        var zeroDim = valid
        zeroDim[20 + 1 + 12 + 1] = 0
        #expect(rejection(zeroDim) == .malformedTensor)
    }

    @Test func duplicateNamesAreRejected() {
        let bytes = [Float(1), 2].withUnsafeBufferPointer { TensorWireFormat.encode(round: 1, layout: [TensorSpec(name: "a", shape: [1]), TensorSpec(name: "b", shape: [1])], values: $0) }
        var duplicate = bytes
        duplicate[20 + 1 + 1 + 4 + 1] = UInt8(ascii: "a")
        #expect(rejection(duplicate) == .malformedTensor)
    }

    @Test func truncatedOrPaddedBodiesAreRejected() {
        let bytes = valid
        for cut in [0, 3, 10, 19, 21, 30, bytes.count - 1] {
            #expect(rejection(Array(bytes.prefix(cut))) == .lengthMismatch || cut < 4, "cut at \(cut)")
        }
        #expect(rejection(bytes + [0, 0, 0, 0]) == .lengthMismatch)
    }

    @Test func hugeDeclaredShapesAreRejectedWithoutAllocating() {
        var bytes = valid
        // first tensor's first dimension = 0xFFFFFFFF
        for i in 0..<4 { bytes[20 + 1 + 12 + 1 + i] = 0xFF }
        #expect(rejection(bytes) == .lengthMismatch)
    }

    @Test func shapeMismatchAgainstTheModelIsRejected() {
        #expect(rejection(valid, expecting: [TensorSpec(name: "item_factors", shape: [2, 3])] + Self.layout.dropFirst()) == .shapeMismatch)
        #expect(rejection(valid, expecting: Array(Self.layout.prefix(2))) == .shapeMismatch)
        #expect(rejection(valid, expecting: Self.layout) == nil)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity, .signalingNaN])
    func nonFiniteValuesAreRejectedNamingTheTensor(bad: Float) throws {
        var values = Self.message.values
        values[7] = bad
        let bytes = TensorWireFormat.encode(TensorMessage(round: 1, layout: Self.layout, values: values))
        let error = #expect(throws: ServerError.self) { try TensorWireFormat.decode(bytes) }
        #expect(error?.code == .nonFinite)
        #expect(error?.message.contains("item_bias element 1") == true)
    }

    @Test func nonFiniteScanFindsTheFirstBadValueInLargeArrays() {
        var values = [Float](repeating: 1, count: 5000)
        #expect(TensorWireFormat.firstNonFinite(values) == nil)
        values[3071] = .nan
        values[4000] = .infinity
        #expect(TensorWireFormat.firstNonFinite(values) == 3071)
    }
}
