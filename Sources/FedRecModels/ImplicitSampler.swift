import FedRecMath

/// Uniform negative sampling for implicit feedback: draws items a user has **not** interacted
/// with, knowing only that user's own history and the catalogue size (so it runs on a client).
///
/// Negatives are uniform over the complement of the user's items, as in NCF (He et al. 2017,
/// §4.1: "we uniformly sample them from unobserved interactions"). Instead of drawing an item
/// and rejecting it while it is a positive — which needs itemCount / (itemCount − k) draws on
/// average and almost never stops for a user who has nearly every item — it draws a rank
/// r uniformly in `0..<(itemCount − k)` and returns the r-th item not in the sorted history,
/// found by binary search. That is exactly the distribution rejection sampling gives, at one
/// draw and O(log k) per negative whatever the density.
public struct ImplicitSampler: Sendable {
    /// The user's distinct items, sorted ascending.
    public let positives: [Int32]
    /// Number of items in the catalogue.
    public let itemCount: Int

    /// Creates a sampler for one user.
    /// - Parameters:
    ///   - positives: the user's items, in any order, duplicates allowed.
    ///   - itemCount: the catalogue size; items are `0..<itemCount`.
    /// - Throws: ``ModelError`` with ``ModelError/Code/invalidInput`` when an item is
    ///   out of range, ``ModelError/Code/noNegativeItems`` when the user has every item.
    public init(positives: [Int32], itemCount: Int) throws {
        var sorted = positives.sorted()
        var unique = 0
        for k in sorted.indices where k == 0 || sorted[k] != sorted[k - 1] {
            sorted[unique] = sorted[k]
            unique += 1
        }
        sorted.removeLast(sorted.count - unique)
        if let first = sorted.first, first < 0 {
            throw ModelError(.invalidInput, "item index \(first) is negative")
        }
        if let last = sorted.last, Int(last) >= itemCount {
            throw ModelError(.invalidInput, "item index \(last) is out of range for \(itemCount) items")
        }
        guard sorted.count < itemCount else {
            throw ModelError(.noNegativeItems,
                                   "the user has interacted with all \(itemCount) items, so no negative can be sampled; "
                                   + "drop this user from implicit training or use fewer negatives")
        }
        self.positives = sorted
        self.itemCount = itemCount
    }

    /// Number of items the user has not interacted with (the support of the sampler).
    public var negativeCount: Int { itemCount - positives.count }

    /// One uniformly drawn item the user has not interacted with.
    /// - Complexity: O(log k) for k positives.
    public func sample(using rng: inout some RandomNumberGenerator) -> Int32 {
        positives.withUnsafeBufferPointer { Self.sample(sortedPositives: $0, itemCount: itemCount, using: &rng) }
    }

    /// Fills `output` with independent uniform negatives.
    public func sample(into output: UnsafeMutableBufferPointer<Int32>, using rng: inout some RandomNumberGenerator) {
        positives.withUnsafeBufferPointer { p in
            for k in output.indices { output[k] = Self.sample(sortedPositives: p, itemCount: itemCount, using: &rng) }
        }
    }

    /// One uniform negative for a user whose distinct items are `sortedPositives` (ascending,
    /// no duplicates, all in `0..<itemCount`, fewer than `itemCount` of them): the form the
    /// centralized trainer uses over its sorted per-user rows without building a sampler per user.
    /// - Complexity: O(log k); no allocation.
    @inlinable
    public static func sample(
        sortedPositives p: UnsafeBufferPointer<Int32>, itemCount: Int, using rng: inout some RandomNumberGenerator
    ) -> Int32 {
        let k = p.count
        precondition(k < itemCount, "ImplicitSampler: the user has every item")
        let r = rng.nextIndex(below: itemCount - k)
        // The r-th non-positive item is r + j, where j counts the positives p[i] with
        // p[i] − i ≤ r (p[i] − i, the number of non-positives below p[i], never decreases).
        var lo = 0, hi = k
        while lo < hi {
            let mid = (lo + hi) >> 1
            if Int(p[mid]) - mid <= r { lo = mid + 1 } else { hi = mid }
        }
        return Int32(r + lo)
    }
}
