import Dispatch
import Synchronization

/// A pointer handed to worker threads that touch **disjoint** elements of it.
/// `@unchecked Sendable` is safe because every user writes only the elements of the chunks it
/// claimed (each chunk index is claimed exactly once), and the owner waits for all workers.
struct _SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    @inline(__always) subscript(i: Int) -> T {
        unsafeAddress { UnsafePointer(base + i) }
        nonmutating unsafeMutableAddress { base + i }
    }
}

/// Runs `body(chunk, workspace)` for every chunk in `0..<chunkCount` on up to `threads`
/// threads; each thread owns one ``ClientWorkspace``. Chunks are claimed dynamically, which
/// changes only *who* runs a chunk, never what it computes.
func _forEachChunk(
    _ chunkCount: Int, threads: Int, dim: Int, _ body: @Sendable (Int, ClientWorkspace) -> Void
) {
    let workers = min(threads, chunkCount)
    if workers <= 1 {
        let ws = ClientWorkspace(dim: dim)
        for c in 0..<chunkCount { body(c, ws) }
        return
    }
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        let ws = ClientWorkspace(dim: dim)
        while true {
            let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard c < chunkCount else { break }
            body(c, ws)
        }
    }
}

/// The bounds of chunk `c` when `count` items are split into `chunks` near-equal contiguous parts.
@inline(__always)
func _chunkRange(_ c: Int, of chunks: Int, count: Int) -> Range<Int> {
    (c * count / chunks)..<((c + 1) * count / chunks)
}
