#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cryptographically secure generator for noise that protects real people.
///
/// A ChaCha20 keystream (RFC 8439) with fast key erasure (Bernstein, "Fast-key-erasure random-number
/// generators", 2017), keyed from the operating system's CSPRNG — the source of the standard library's
/// `SystemRandomNumberGenerator` (`getrandom` on Linux, via glibc's `arc4random_buf`). This is the
/// construction of OpenBSD's `arc4random` and of the Linux kernel's own generator. Nothing about its
/// output can be reproduced, by design.
///
/// **Why not the system generator directly.** `SystemRandomNumberGenerator.next()` is one system call
/// per 8 bytes on Linux (about 400 ns here), and even 4 KiB reads are bound by the kernel's throughput
/// (about 350 MB/s): noising every client's dense update made a private round 5–10× slower than
/// training. ChaCha20 in user space produces the same quality of bytes several times faster.
///
/// **Key erasure.** Each refill computes 16 blocks under the current key; the first 32 bytes
/// immediately become the next key and the old key is overwritten, so a later compromise of the
/// generator's memory reveals nothing about output already handed out. The key is re-drawn from the
/// system CSPRNG every 4,096 refills (~4 MB) and whenever a copy of the generator would otherwise
/// share state.
///
/// **Copies never repeat output.** The state lives in a reference; a copy that finds it shared
/// re-keys from the system before drawing, so `var b = a` never yields the same noise twice.
public struct SecureGenerator: RandomNumberGenerator, @unchecked Sendable {
    // @unchecked Sendable: `storage` is only read or written while uniquely referenced (checked
    // with `isKnownUniquelyReferenced` before every draw); a shared state is abandoned, never
    // mutated, so no two values (or threads) ever touch the same storage concurrently.
    @usableFromInline final class Storage {
        // Raw memory behind `let` pointers: reading a word costs no dynamic exclusivity check
        // (a `var` array in a class would, on every draw).
        @usableFromInline let words: UnsafeMutablePointer<UInt64>
        let key: UnsafeMutablePointer<UInt32>
        var refillsSinceReseed = 0
        @usableFromInline init() {
            words = .allocate(capacity: SecureGenerator.bufferWords)
            words.initialize(repeating: 0, count: SecureGenerator.bufferWords)
            key = .allocate(capacity: 8)
            SecureGenerator.systemBytes(into: UnsafeMutableRawBufferPointer(start: key, count: 32))
        }
        deinit {
            // Erase secrets before the memory is returned.
            words.update(repeating: 0, count: SecureGenerator.bufferWords)
            key.update(repeating: 0, count: 8)
            words.deallocate()
            key.deallocate()
        }
    }

    /// Words per refill: 16 ChaCha20 blocks of 64 bytes.
    @usableFromInline static let bufferWords = 128
    /// The first words of each refill become the next key and are never handed out.
    @usableFromInline static let keyWords = 4
    @usableFromInline var storage: Storage
    @usableFromInline var position: Int

    /// Creates a generator keyed from the system CSPRNG.
    public init() {
        storage = Storage()
        position = SecureGenerator.bufferWords
    }

    /// Returns the next 64 secure random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        if position == SecureGenerator.bufferWords || !isKnownUniquelyReferenced(&storage) {
            refill()
        }
        let value = storage.words[position]
        position += 1
        return value
    }

    /// Computes the next 16 keystream blocks, takes the next key from their start (erasing the old
    /// one) and hands out the rest; re-keys from the system when shared or every 4,096 refills.
    @usableFromInline
    mutating func refill() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage() }
        let s = storage
        s.refillsSinceReseed += 1
        if s.refillsSinceReseed >= 4096 {
            Self.systemBytes(into: UnsafeMutableRawBufferPointer(start: s.key, count: 32))
            s.refillsSinceReseed = 0
        }
        let out = UnsafeMutableRawPointer(s.words).assumingMemoryBound(to: UInt32.self)
        for batch in 0..<4 {
            ChaCha20.fourBlocks(key: s.key, counter: UInt32(batch * 4), nonce: (0, 0, 0), into: out + batch * 64)
        }
        for i in 0..<8 { s.key[i] = out[i] }
        for i in 0..<8 { out[i] = 0 }
        position = Self.keyWords
    }

    /// Fills `bytes` from the system CSPRNG.
    static func systemBytes(into bytes: UnsafeMutableRawBufferPointer) {
        #if canImport(Glibc) || canImport(Darwin)
        arc4random_buf(bytes.baseAddress!, bytes.count)
        #else
        var system = SystemRandomNumberGenerator()
        for i in 0..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: system.next()) }
        #endif
    }
}
