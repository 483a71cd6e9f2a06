/// Maps raw ids (bytes of a field) to dense indices `0, 1, 2, …` in first-seen order and keeps
/// the raw id of every index.
///
/// Ids written as canonical decimal integers (digits, no sign, no leading zero) take a fast path
/// with no `String` per lookup: small ones index a lookup table, larger ones a `[Int64: Int32]`
/// dictionary. Any other id is compared as text. The two paths cannot collide: `"12"` always
/// goes the integer way and `"012"` the text way, so distinct raw texts get distinct indices
/// (except invalid UTF-8, which is decoded with replacement characters).
struct IDIndexer {
    /// Integer ids below this index the lookup table (16 MiB of `Int32` at most).
    static let tableLimit = 1 << 22

    private var table: [Int32] = []
    private var integers: [Int64: Int32] = [:]
    private var texts: [String: Int32] = [:]
    /// The raw id of each dense index.
    private(set) var ids: [String] = []

    /// Number of distinct ids seen.
    var count: Int { ids.count }

    /// The dense index of the id in `bytes[start..<end]`, assigning the next index if it is new.
    /// - Precondition: the range is not empty.
    @inline(__always)
    mutating func index(of bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int32 {
        let length = end - start
        if length <= 18 && (bytes[start] != 48 || length == 1) {
            var value: Int64 = 0
            var k = start
            while k < end {
                let d = bytes[k] &- 48
                if d > 9 { break }
                value = value &* 10 &+ Int64(d)
                k += 1
            }
            if k == end { return index(ofInteger: value) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        if let found = texts[text] { return found }
        let next = Int32(ids.count)
        texts[text] = next
        ids.append(text)
        return next
    }

    /// The dense index of the integer id `value` (the same index as its canonical digits).
    /// - Precondition: `value >= 0`.
    @inline(__always)
    mutating func index(ofInteger value: Int64) -> Int32 {
        if value < Int64(IDIndexer.tableLimit) {
            let k = Int(value)
            if k >= table.count {
                let size = Swift.min(IDIndexer.tableLimit, Swift.max(k + 1, table.count * 2, 1024))
                table.append(contentsOf: repeatElement(-1, count: size - table.count))
            }
            let found = table[k]
            if found >= 0 { return found }
            let next = Int32(ids.count)
            table[k] = next
            ids.append(String(value))
            return next
        }
        if let found = integers[value] { return found }
        let next = Int32(ids.count)
        integers[value] = next
        ids.append(String(value))
        return next
    }
}
