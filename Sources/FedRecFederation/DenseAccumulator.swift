import FedRecMath

/// A chunk's running sum of dense updates (any model's flat vector), with the number of updates
/// it holds: the ``ChunkAccumulator`` of models whose updates are always dense, and of the
/// aggregation server.
public struct DenseAccumulator: ChunkAccumulator {
    /// The sum so far.
    public private(set) var sum: [Float]
    /// Updates added since the last drain.
    public private(set) var count = 0

    /// An empty sum of `length` values.
    public init(length: Int) { sum = [Float](repeating: 0, count: length) }

    /// `sum ← sum + update`, element by element. - Complexity: O(length).
    public mutating func add(_ update: [Float]) {
        precondition(update.count == sum.count, "DenseAccumulator: update has \(update.count) values, the sum \(sum.count)")
        sum.withUnsafeMutableBufferPointer { s in update.withUnsafeBufferPointer { Kernels.axpy(1, $0, s) } }
        count += 1
    }

    /// Adds the sum into `target` and clears it. - Complexity: O(length).
    @discardableResult
    public mutating func drain(into target: UnsafeMutableBufferPointer<Float>) -> Int {
        precondition(target.count == sum.count, "DenseAccumulator: target has the wrong length")
        sum.withUnsafeMutableBufferPointer { s in
            Kernels.axpy(1, UnsafeBufferPointer(s), target)
            s.update(repeating: 0)
        }
        defer { count = 0 }
        return count
    }
}
