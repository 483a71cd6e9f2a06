/// The fixed order in which a round's updates are summed: the one owner of the invariant that
/// makes a seeded run give the same model bits on 1 thread or 16, and over HTTP (`simulate
/// --processes`, `fedrec serve`) as in process.
///
/// A round's participants, in client order (positions 0..<n), are split into
/// `k = min(maxChunks, n)` (at least 1) contiguous chunks, chunk c holding positions
/// `⌊c·n/k⌋ ..< ⌊(c+1)·n/k⌋`. Each chunk's updates are added to that chunk's running sum in
/// position order; the chunk sums are then added to the round's sum in chunk order
/// (``fold(into:partials:drain:)``). Threads only decide *who* computes a chunk; a server only
/// decides *when* an update arrives (``DenseChunkSums`` buffers early arrivals), never the order of
/// the floating-point additions.
///
/// Used by ``FederatedSimulation`` (in process) and by the aggregation server's round coordinator.
public struct OrderedReduction: Sendable, Hashable {
    /// The number of participants n in the round.
    public let participants: Int
    /// The number of chunks k, `min(maxChunks, n)`, at least 1.
    public let chunkCount: Int

    /// The layout of a round of `participants` updates reduced in at most `maxChunks` chunks.
    /// - Precondition: `participants ≥ 0`, `maxChunks ≥ 1`.
    public init(participants: Int, maxChunks: Int) {
        precondition(participants >= 0 && maxChunks >= 1, "OrderedReduction: \(participants) participants, \(maxChunks) chunks")
        self.participants = participants
        chunkCount = max(1, min(maxChunks, participants))
    }

    /// The positions chunk `c` sums, in the order it sums them.
    @inline(__always)
    public func positions(inChunk c: Int) -> Range<Int> {
        (c * participants / chunkCount)..<((c + 1) * participants / chunkCount)
    }

    /// The chunk that sums position `p`. - Complexity: O(1).
    public func chunk(containing p: Int) -> Int {
        precondition(p >= 0 && p < participants, "OrderedReduction: position \(p) outside 0..<\(participants)")
        var c = min(chunkCount - 1, p * chunkCount / participants)
        while c > 0 && p < c * participants / chunkCount { c -= 1 }
        while p >= (c + 1) * participants / chunkCount { c += 1 }
        return c
    }

    /// Adds the chunk sums to `sum` in chunk order, each through `drain` (which adds one partial
    /// element by element and clears it).
    public func fold<Partial>(
        into sum: inout [Float], partials: inout [Partial],
        drain: (inout Partial, UnsafeMutableBufferPointer<Float>) -> Void
    ) {
        precondition(partials.count >= chunkCount, "OrderedReduction: \(partials.count) partials for \(chunkCount) chunks")
        sum.withUnsafeMutableBufferPointer { s in
            for c in 0..<chunkCount { drain(&partials[c], s) }
        }
    }
}
