import FedRecMath

/// Vose's alias method (Vose 1991, "A linear algorithm for generating random numbers with a given
/// distribution"): O(n) set-up, then O(1) draws from a discrete distribution.
struct AliasTable: Sendable {
    private var probability: [Double]
    private var alias: [Int32]

    /// Builds the table for weights proportional to `weights` (non-negative, not all zero).
    init(weights: [Double]) {
        let n = weights.count
        precondition(n > 0, "AliasTable: no weights")
        let total = weights.reduce(0, +)
        precondition(total > 0 && total.isFinite, "AliasTable: weights must have a positive finite sum")
        var scaled = weights.map { $0 * Double(n) / total }
        probability = [Double](repeating: 1, count: n)
        alias = [Int32](repeating: 0, count: n)
        var small: [Int] = []
        var large: [Int] = []
        for k in 0..<n {
            if scaled[k] < 1 { small.append(k) } else { large.append(k) }
        }
        while let s = small.popLast() {
            guard let l = large.last else { small.append(s); break }
            probability[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // Leftovers are 1 up to rounding.
        for k in small + large {
            probability[k] = 1
            alias[k] = Int32(k)
        }
    }

    /// One draw: index k with probability weights[k] / Σ weights.
    @inline(__always)
    func sample(using rng: inout some RandomNumberGenerator) -> Int {
        let k = rng.nextIndex(below: probability.count)
        return rng.nextUnitDouble() < probability[k] ? k : Int(alias[k])
    }
}
