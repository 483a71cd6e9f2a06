#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FedRecData
import FedRecMath

/// Centralized SGD for ``ImplicitMF`` with binary cross-entropy over sampled negatives.
///
/// Each epoch visits every distinct (user, item) positive in a fresh random order; each is
/// followed by ``ImplicitMFOptions/negativesPerPositive`` items drawn uniformly from those the
/// user never interacted with (``ImplicitSampler``). For an example (u, i, y) with
/// z = b + b_u + b_i + p_u·q_i, the loss is −y·log σ(z) − (1−y)·log(1−σ(z)), its gradient in
/// z is g = σ(z) − y, and the step is
/// b ← b − η·g, b_u ← b_u − η(g + λb_u), b_i ← b_i − η(g + λb_i),
/// p_u ← p_u − η(g·q_i + λp_u), q_i ← q_i − η(g·p_u + λq_i) (both from the old values).
public struct ImplicitMFTrainer: Sendable {
    /// The training options.
    public let options: ImplicitMFOptions

    /// Creates a trainer. - Throws: ``ModelError`` for invalid options.
    public init(options: ImplicitMFOptions = .init()) throws {
        try options.validate()
        self.options = options
    }

    /// Trains a fresh model on the interactions of `data` (every row is a positive; duplicates merged).
    /// - Parameter onEpoch: called after each epoch with its number (from 1) and mean loss per example.
    /// - Throws: ``ModelError`` for empty or out-of-range data, or when training diverges.
    /// - Complexity: O(epochs · positives · (1 + negatives) · (d + log k)).
    public func train(
        _ data: RatingsDataset, using rng: inout some RandomNumberGenerator,
        onEpoch: (_ epoch: Int, _ meanLoss: Double) throws -> Void = { _, _ in }
    ) throws -> ImplicitMF {
        for k in 0..<data.count where data.users[k] < 0 || Int(data.users[k]) >= data.userCount
            || data.items[k] < 0 || Int(data.items[k]) >= data.itemCount {
            throw ModelError(.invalidInput, "interaction \(k) has user \(data.users[k]) or item \(data.items[k]) out of range")
        }
        var model = ImplicitMF(userCount: data.userCount, itemCount: data.itemCount, dim: options.dim,
                               initStddev: options.initStddev, using: &rng)
        // Distinct positives per user, sorted (the sampler needs them so).
        let rows = data.byUser()
        var offsets = [0], items: [Int32] = [], owner: [Int32] = []
        var full = [Bool](repeating: false, count: data.userCount)
        for u in 0..<rows.userCount {
            let row = Array(Set(rows.items[rows.range(of: u)])).sorted()
            items += row
            owner += repeatElement(Int32(u), count: row.count)
            offsets.append(items.count)
            full[u] = row.count >= data.itemCount
        }
        guard !items.isEmpty else { throw ModelError(.invalidInput, "no interactions to train on") }
        var local = SeededGenerator(seed: rng.next())
        var order = (0..<items.count).map { $0 }
        let d = options.dim, eta = options.learningRate, lambda = options.regularization
        let negatives = options.negativesPerPositive, itemCount = data.itemCount
        var old = [Float](repeating: 0, count: d)
        guard options.epochs > 0 else { return model }
        for epoch in 1...options.epochs {
            for k in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(k, local.nextIndex(below: k + 1)) }
            var lossSum = 0.0, count = 0
            model.userFactors.withUnsafeMutableBufferPointer { pf in
            model.itemFactors.withUnsafeMutableBufferPointer { qf in
            model.userBias.withUnsafeMutableBufferPointer { bu in
            model.itemBias.withUnsafeMutableBufferPointer { bi in
            items.withUnsafeBufferPointer { pos in
            old.withUnsafeMutableBufferPointer { tmp in
                var b = model.globalBias
                @inline(__always) func step(_ u: Int, _ i: Int, _ y: Float) {
                    let p = pf.baseAddress! + u * d, q = qf.baseAddress! + i * d
                    let z = b + bu[u] + bi[i] + Kernels.dot(p, q, count: d)
                    let prob = 1 / (1 + expf(-z))
                    // −log σ(z) = softplus(−z), −log(1 − σ(z)) = softplus(z), computed stably.
                    let m = y > 0.5 ? -z : z
                    lossSum += Double(max(m, 0) + log1pf(expf(-abs(m))))
                    count += 1
                    let g = prob - y
                    b -= eta * g
                    bu[u] -= eta * (g + lambda * bu[u])
                    bi[i] -= eta * (g + lambda * bi[i])
                    for a in 0..<d { tmp[a] = p[a] }
                    for a in 0..<d {
                        p[a] -= eta * (g * q[a] + lambda * p[a])
                        q[a] -= eta * (g * tmp[a] + lambda * q[a])
                    }
                }
                for k in order {
                    let u = Int(owner[k])
                    step(u, Int(pos[k]), 1)
                    guard !full[u] else { continue }
                    let userItems = UnsafeBufferPointer(rebasing: pos[offsets[u]..<offsets[u + 1]])
                    for _ in 0..<negatives {
                        let j = ImplicitSampler.sample(sortedPositives: userItems, itemCount: itemCount, using: &local)
                        step(u, Int(j), 0)
                    }
                }
                model.globalBias = b
            }}}}}}
            let mean = lossSum / Double(max(1, count))
            guard mean.isFinite else {
                throw ModelError(.diverged, "the implicit MF loss became \(mean) in epoch \(epoch); lower the learning rate")
            }
            try onEpoch(epoch, mean)
        }
        return model
    }
}
