/// The ChaCha20 block function (Bernstein 2008; RFC 8439 §2.3), computing four consecutive
/// blocks at once in SIMD lanes: the keystream behind ``SecureGenerator``.
@usableFromInline
enum ChaCha20 {
    /// "expand 32-byte k".
    static let constants: (UInt32, UInt32, UInt32, UInt32) = (0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574)

    /// Rotates each lane left by `k`. Written with `&+` rather than `|` (the halves share no bits,
    /// so both are the same): LLVM turns `|` into a vector rotate, which baseline x86-64 (SSE2) has
    /// not, and then lowers it lane by lane through scalar `rol`, four times slower.
    @inline(__always)
    static func rotl(_ v: SIMD4<UInt32>, _ k: UInt32) -> SIMD4<UInt32> { (v &<< k) &+ (v &>> (32 &- k)) }

    @inline(__always)
    static func quarter(_ a: inout SIMD4<UInt32>, _ b: inout SIMD4<UInt32>, _ c: inout SIMD4<UInt32>, _ d: inout SIMD4<UInt32>) {
        a &+= b; d ^= a; d = rotl(d, 16)
        c &+= d; b ^= c; b = rotl(b, 12)
        a &+= b; d ^= a; d = rotl(d, 8)
        c &+= d; b ^= c; b = rotl(b, 7)
    }

    /// Writes the four 64-byte blocks with counters `counter … counter + 3` (32-bit counter in
    /// word 12, as in RFC 8439, with the 96-bit nonce in words 13–15) to `out` (64 words), word w
    /// of block b at `out[4·w + b]`.
    static func fourBlocks(key: UnsafePointer<UInt32>, counter: UInt32, nonce: (UInt32, UInt32, UInt32),
                           into out: UnsafeMutablePointer<UInt32>) {
        // The 16 state rows as locals so they stay in registers through the 20 rounds.
        let i0 = SIMD4<UInt32>(repeating: constants.0), i1 = SIMD4<UInt32>(repeating: constants.1)
        let i2 = SIMD4<UInt32>(repeating: constants.2), i3 = SIMD4<UInt32>(repeating: constants.3)
        let i4 = SIMD4<UInt32>(repeating: key[0]), i5 = SIMD4<UInt32>(repeating: key[1])
        let i6 = SIMD4<UInt32>(repeating: key[2]), i7 = SIMD4<UInt32>(repeating: key[3])
        let i8 = SIMD4<UInt32>(repeating: key[4]), i9 = SIMD4<UInt32>(repeating: key[5])
        let i10 = SIMD4<UInt32>(repeating: key[6]), i11 = SIMD4<UInt32>(repeating: key[7])
        let i12 = SIMD4<UInt32>(counter, counter &+ 1, counter &+ 2, counter &+ 3)
        let i13 = SIMD4<UInt32>(repeating: nonce.0), i14 = SIMD4<UInt32>(repeating: nonce.1)
        let i15 = SIMD4<UInt32>(repeating: nonce.2)
        var x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7
        var x8 = i8, x9 = i9, x10 = i10, x11 = i11, x12 = i12, x13 = i13, x14 = i14, x15 = i15
        for _ in 0..<10 {
            quarter(&x0, &x4, &x8, &x12); quarter(&x1, &x5, &x9, &x13)
            quarter(&x2, &x6, &x10, &x14); quarter(&x3, &x7, &x11, &x15)
            quarter(&x0, &x5, &x10, &x15); quarter(&x1, &x6, &x11, &x12)
            quarter(&x2, &x7, &x8, &x13); quarter(&x3, &x4, &x9, &x14)
        }
        // Word-interleaved: word w of block b lands at out[4·w + b]. A fixed permutation of the
        // keystream is as random as the keystream, and storing whole vectors avoids a transpose.
        let o = UnsafeMutableRawPointer(out)
        @inline(__always) func store(_ v: SIMD4<UInt32>, _ w: Int) { o.storeBytes(of: v, toByteOffset: 16 * w, as: SIMD4<UInt32>.self) }
        store(x0 &+ i0, 0); store(x1 &+ i1, 1); store(x2 &+ i2, 2); store(x3 &+ i3, 3)
        store(x4 &+ i4, 4); store(x5 &+ i5, 5); store(x6 &+ i6, 6); store(x7 &+ i7, 7)
        store(x8 &+ i8, 8); store(x9 &+ i9, 9); store(x10 &+ i10, 10); store(x11 &+ i11, 11)
        store(x12 &+ i12, 12); store(x13 &+ i13, 13); store(x14 &+ i14, 14); store(x15 &+ i15, 15)
    }
}
