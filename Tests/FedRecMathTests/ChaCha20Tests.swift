import Testing
@testable import FedRecMath

@Suite struct ChaCha20Tests {
    /// RFC 8439 §2.3.2: key 00 01 … 1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block count 1.
    @Test func blockFunctionMatchesRFC8439TestVector() {
        var key = [UInt32](repeating: 0, count: 8)
        for i in 0..<8 {
            for b in 0..<4 { key[i] |= UInt32(4 * i + b) << UInt32(8 * b) }
        }
        var out = [UInt32](repeating: 0, count: 64)
        key.withUnsafeBufferPointer { k in
            out.withUnsafeMutableBufferPointer { o in
                ChaCha20.fourBlocks(key: k.baseAddress!, counter: 1, nonce: (0x0900_0000, 0x4a00_0000, 0), into: o.baseAddress!)
            }
        }
        let expected: [UInt32] = [
            0xe4e7_f110, 0x1559_3bd1, 0x1fdd_0f50, 0xc471_20a3, 0xc7f4_d1c7, 0x0368_c033, 0x9aaa_2204, 0x4e6c_d4c3,
            0x4664_82d2, 0x09aa_9f07, 0x05d7_c214, 0xa202_8bd9, 0xd19c_12b5, 0xb94e_16de, 0xe883_d0cb, 0x4e3c_50a2,
        ]
        #expect((0..<16).map { out[4 * $0] } == expected, "block 0 is word-interleaved at out[4·w]")
        #expect((0..<16).map { out[4 * $0 + 1] } != expected, "the next lane is the next block")
    }

    @Test func secureGeneratorBitsAreBalanced() {
        var g = SecureGenerator()
        var ones = 0
        let words = 20_000
        for _ in 0..<words { ones += g.next().nonzeroBitCount }
        // 1.28M fair bits: mean 640,000, sd 566; allow 6 sd.
        #expect(abs(ones - words * 32) < 6 * 566)
    }
}

@Suite struct SecureNoiseTests {
    @Test func secureGeneratorDrivesTheGaussianSamplerOverManyRefills() {
        var g = SecureGenerator()
        var buffer = [Float](repeating: 0, count: 100_000)
        for _ in 0..<3 { buffer = [Float](repeating: 0, count: 100_000); Gaussian.addNoise(to: &buffer, stddev: 1, using: &g) }
        let variance = buffer.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(buffer.count)
        #expect(abs(variance - 1) < 0.03)
    }
}
