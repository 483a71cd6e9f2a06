#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A privacy loss distribution discretized on the grid {iΔ : i = lowerIndex, …} plus a mass at +∞
/// (Meiser & Mohammadi 2018; Koskela, Jälkö & Honkela 2020; Doroshenko et al. 2022).
///
/// The PLD of a pair (P, Q) is the law of L = log(P(x)/Q(x)) for x ∼ P; its hockey-stick divergence
/// δ(ε) = E[(1 − e^(ε−L))₊] + P(L = ∞) is the δ of (ε, δ)-DP, and composition convolves PLDs. Every
/// operation here keeps the result *pessimistic*: it dominates the true PLD, so δ(ε) and ε(δ) are upper
/// bounds. Truncated upper tails go to the +∞ mass; truncated lower tails are dropped or moved up.
struct DiscretePLD: Hashable, Sendable {
    /// The grid spacing Δ.
    var interval: Double
    /// The grid index of `probs[0]`.
    var lowerIndex: Int
    /// Probability of loss (lowerIndex + i)·Δ.
    var probs: [Double]
    /// Probability of an infinite loss.
    var infinityMass: Double

    /// The PLD of a mechanism that reveals nothing: all mass at loss 0.
    static func identity(interval: Double) -> DiscretePLD {
        DiscretePLD(interval: interval, lowerIndex: 0, probs: [1], infinityMass: 0)
    }

    /// True for the PLD of "nothing released".
    var isIdentity: Bool { lowerIndex == 0 && probs == [1] && infinityMass == 0 }

    /// The pessimistic connect-the-dots PLD (Doroshenko et al. 2022, Algorithm 1) supported on the
    /// grid indices lower…upper and +∞, from the mechanism's exact δ(ε) at those grid points.
    ///
    /// The result has exactly the mechanism's δ at every grid ε and, between grid points, a δ curve
    /// that is linear in e^ε and hence above the true (convex in e^ε) curve.
    static func connectTheDots(interval: Double, lowerIndex: Int, deltas rawDeltas: [Double]) -> DiscretePLD {
        precondition(!rawDeltas.isEmpty, "connect-the-dots needs at least one point")
        var deltas = rawDeltas.map { min(1, max(0, $0)) }
        for i in 1..<deltas.count { deltas[i] = min(deltas[i], deltas[i - 1]) }  // non-increasing
        let n = deltas.count
        if n == 1 {
            return DiscretePLD(interval: interval, lowerIndex: lowerIndex, probs: [1 - deltas[0]], infinityMass: deltas[0])
        }
        let em1 = expm1(interval)
        let e = exp(interval)
        var probs = [Double](repeating: 0, count: n)
        probs[0] = 1 - deltas[0] + (deltas[1] - deltas[0]) / em1
        for i in 1..<(n - 1) {
            probs[i] = ((deltas[i + 1] - deltas[i]) - (deltas[i] - deltas[i - 1]) * e) / em1
        }
        probs[n - 1] = (deltas[n - 1] - deltas[n - 2]) / expm1(-interval)
        for i in 0..<n where probs[i] < 0 { probs[i] = 0 }
        return DiscretePLD(interval: interval, lowerIndex: lowerIndex, probs: probs, infinityMass: deltas[n - 1])
    }

    /// δ(ε) = P(L = ∞) + Σ_{Lᵢ > ε} pᵢ(1 − e^(ε − Lᵢ)).
    /// - Complexity: O(n).
    func delta(epsilon: Double) -> Double {
        var upper = infinityMass
        var lower = 0.0
        var i = probs.count - 1
        while i >= 0 {
            let loss = Double(lowerIndex + i) * interval
            if loss <= epsilon { break }
            upper += probs[i]
            lower += probs[i] * exp(-loss)
            i -= 1
        }
        return min(1, max(0, upper - exp(epsilon) * lower))
    }

    /// The smallest ε ≥ 0 with δ(ε) ≤ `delta` (∞ if the infinite-loss mass alone exceeds δ); solved
    /// exactly on the piecewise curve, as `dp_accounting`'s `_get_epsilon_for_delta`.
    /// - Complexity: O(n).
    func epsilon(delta: Double) -> Double {
        if infinityMass > delta { return .infinity }
        var upper = infinityMass
        var lower = 0.0
        var i = probs.count - 1
        while i >= 0 {
            let loss = Double(lowerIndex + i) * interval
            if upper > delta && lower > 0 && log((upper - delta) / lower) >= loss { break }
            upper += probs[i]
            lower += exp(-loss) * probs[i]
            if upper >= delta && lower == 0 { return max(0, loss) }
            i -= 1
        }
        if upper <= lower + delta { return 0 }
        return max(0, log((upper - delta) / lower))
    }

    /// The grid window [lo, hi] (offsets from T·lowerIndex) outside which the T-fold self-convolution
    /// has at most `tailMass`/2 on each side, by Chernoff bounds at 40 orders (as `dp_accounting`'s
    /// `compute_self_convolve_bounds`).
    func selfConvolutionWindow(count: Int, tailMass: Double) -> (lo: Int, hi: Int) {
        let n = probs.count
        var hi = (n - 1) * count
        var lo = 0
        guard tailMass > 0 else { return (lo, hi) }
        let logTwoOverTail = log(2 / tailMass)
        for k in -20...20 where k != 0 {
            let t = Double(k) / Double(n)
            // log Σ pᵢ e^(t i); |t i| ≤ 20 so the direct sum cannot overflow.
            let r = exp(t)
            var w = 1.0
            var sum = 0.0
            for p in probs {
                sum += p * w
                w *= r
            }
            let bound = (Double(count) * log(sum) + logTwoOverTail) / t
            guard bound.isFinite else { continue }
            if t > 0 { hi = min(hi, Int(bound.rounded(.up))) } else { lo = max(lo, Int(bound.rounded(.down))) }
        }
        return (lo, max(hi, lo))
    }

    /// The grid length the T-fold self-composition needs (for choosing the discretization).
    func selfCompositionLength(count: Int, tailMass: Double) -> Int {
        if count == 1 { return probs.count }
        let (lo, hi) = selfConvolutionWindow(count: count, tailMass: tailMass)
        return FFT.length(atLeast: max(hi - lo + 1, probs.count))
    }

    /// The PLD of `count` compositions with itself: one FFT, a per-frequency power by repeated
    /// squaring, one inverse FFT over a window chosen by Chernoff bounds. The at most `tailMass` of
    /// probability outside the window (which the cyclic convolution folds back into it) is added to the
    /// +∞ mass, so the result still dominates (cf. `dp_accounting`'s `DensePLDPmf.self_compose`).
    /// - Complexity: O(N log N + N log T) with N the window length.
    func selfComposed(_ count: Int, tailMass: Double) -> DiscretePLD {
        precondition(count >= 1, "composition count must be >= 1")
        if count == 1 { return self }
        let (lo, hi) = selfConvolutionWindow(count: count, tailMass: tailMass)
        let width = hi - lo + 1
        let size = FFT.length(atLeast: max(width, probs.count))
        let fft = FFT(size: size)
        var re = [Double](repeating: 0, count: size)
        var im = [Double](repeating: 0, count: size)
        for i in probs.indices { re[i] = probs[i] }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { m in
                fft.forward(re: r, im: m)
                for k in 0..<size {
                    // (r + im)^count by repeated squaring.
                    var br = r[k], bi = m[k]
                    var ar = 1.0, ai = 0.0
                    var e = count
                    while e > 0 {
                        if e & 1 == 1 { (ar, ai) = (ar * br - ai * bi, ar * bi + ai * br) }
                        e >>= 1
                        if e > 0 { (br, bi) = (br * br - bi * bi, 2 * br * bi) }
                    }
                    r[k] = ar
                    m[k] = ai
                }
                fft.inverse(re: r, im: m)
            }
        }
        var out = [Double](repeating: 0, count: width)
        for j in 0..<width {
            let index = ((lo + j) % size + size) % size
            out[j] = max(0, re[index])
        }
        let infinity = min(1, -expm1(Double(count) * log1p(-infinityMass)) + tailMass)
        return DiscretePLD(interval: interval, lowerIndex: lowerIndex * count + lo, probs: out, infinityMass: infinity)
    }

    /// The `count`-fold self-compositions of two PLDs on the same grid (the remove and add directions of
    /// one mechanism) with one forward and one inverse FFT for both: `a` is packed into the real part and
    /// `b` into the imaginary part, their spectra are separated by conjugate symmetry
    /// (A_k = (X_k + X̄_(N−k))/2, B_k = (X_k − X̄_(N−k))/2i), raised to the power, and packed back.
    /// Windows, tail handling and pessimism are exactly those of ``selfComposed(_:tailMass:)``.
    /// - Complexity: about half the work of two separate ``selfComposed(_:tailMass:)`` calls.
    static func selfComposedPair(_ a: DiscretePLD, _ b: DiscretePLD, count: Int, tailMass: Double) -> (DiscretePLD, DiscretePLD) {
        precondition(count >= 1 && a.interval == b.interval, "invalid PLD pair")
        if count == 1 { return (a, b) }
        let (loA, hiA) = a.selfConvolutionWindow(count: count, tailMass: tailMass)
        let (loB, hiB) = b.selfConvolutionWindow(count: count, tailMass: tailMass)
        let size = FFT.length(atLeast: max(hiA - loA + 1, hiB - loB + 1, a.probs.count, b.probs.count))
        let bits = size.trailingZeroBitCount
        let fft = FFT(size: size)
        var re = [Double](repeating: 0, count: size)
        var im = [Double](repeating: 0, count: size)
        for i in a.probs.indices { re[i] = a.probs[i] }
        for i in b.probs.indices { im[i] = b.probs[i] }
        func power(_ r: Double, _ i: Double) -> (Double, Double) {
            var br = r, bi = i, ar = 1.0, ai = 0.0, e = count
            while e > 0 {
                if e & 1 == 1 { (ar, ai) = (ar * br - ai * bi, ar * bi + ai * br) }
                e >>= 1
                if e > 0 { (br, bi) = (br * br - bi * bi, 2 * br * bi) }
            }
            return (ar, ai)
        }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { m in
                fft.forward(re: r, im: m)  // bit-reversed: position p holds frequency rev(p)
                for p in 0..<size {
                    let k = bitReversed(p, bits: bits)
                    let q = bitReversed((size - k) & (size - 1), bits: bits)  // position of frequency N − k
                    if q < p { continue }  // each pair once
                    let (xr, xi, yr, yi) = (r[p], m[p], r[q], m[q])
                    let (pr, pi) = power(0.5 * (xr + yr), 0.5 * (xi - yi))  // A_k^T
                    let (qr, qi) = power(0.5 * (xi + yi), -0.5 * (xr - yr))  // B_k^T
                    r[p] = pr - qi
                    m[p] = pi + qr
                    if q != p {
                        r[q] = pr + qi
                        m[q] = qr - pi
                    }
                }
                fft.inverse(re: r, im: m)
            }
        }
        func extract(_ source: [Double], lo: Int, hi: Int, from pld: DiscretePLD) -> DiscretePLD {
            var out = [Double](repeating: 0, count: hi - lo + 1)
            for j in out.indices { out[j] = max(0, source[((lo + j) % size + size) % size]) }
            let infinity = min(1, -expm1(Double(count) * log1p(-pld.infinityMass)) + tailMass)
            return DiscretePLD(interval: pld.interval, lowerIndex: pld.lowerIndex * count + lo, probs: out, infinityMass: infinity)
        }
        return (extract(re, lo: loA, hi: hiA, from: a), extract(im, lo: loB, hi: hiB, from: b))
    }

    /// `x` with its lowest `bits` bits in reverse order.
    @inline(__always)
    static func bitReversed(_ x: Int, bits: Int) -> Int {
        guard bits > 0 else { return 0 }
        var v = UInt64(x)
        v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
        v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        v = v.byteSwapped
        return Int(v >> UInt64(64 - bits))
    }

    /// The PLD of composing `self` then `other` (a linear convolution by FFT), with at most
    /// `tailMass`/2 trimmed from each end: the lower tail moved up onto the first kept loss, the
    /// upper tail moved to +∞.
    func composed(with other: DiscretePLD, tailMass: Double) -> DiscretePLD {
        precondition(interval == other.interval, "PLDs on different grids")
        if isIdentity { return other }
        if other.isIdentity { return self }
        let n = probs.count + other.probs.count - 1
        let size = FFT.length(atLeast: n)
        let fft = FFT(size: size)
        var ar = [Double](repeating: 0, count: size), ai = ar
        var br = ar, bi = ar
        for i in probs.indices { ar[i] = probs[i] }
        for i in other.probs.indices { br[i] = other.probs[i] }
        ar.withUnsafeMutableBufferPointer { pr in
            ai.withUnsafeMutableBufferPointer { pi in
                br.withUnsafeMutableBufferPointer { qr in
                    bi.withUnsafeMutableBufferPointer { qi in
                        fft.forward(re: pr, im: pi)
                        fft.forward(re: qr, im: qi)
                        for k in 0..<size {
                            let (x, y) = (pr[k] * qr[k] - pi[k] * qi[k], pr[k] * qi[k] + pi[k] * qr[k])
                            pr[k] = x
                            pi[k] = y
                        }
                        fft.inverse(re: pr, im: pi)
                    }
                }
            }
        }
        var out = (0..<n).map { max(0, ar[$0]) }
        var infinity = 1 - (1 - infinityMass) * (1 - other.infinityMass)
        // Trim the tails.
        var left = 0
        var leftMass = 0.0
        while left < n - 1 && leftMass + out[left] <= tailMass / 2 { leftMass += out[left]; left += 1 }
        var right = n - 1
        var rightMass = 0.0
        while right > left && rightMass + out[right] <= tailMass / 2 { rightMass += out[right]; right -= 1 }
        out = Array(out[left...right])
        out[0] += leftMass
        infinity = min(1, infinity + rightMass)
        return DiscretePLD(interval: interval, lowerIndex: lowerIndex + other.lowerIndex + left, probs: out, infinityMass: infinity)
    }

    /// The same PLD on a grid `factor` times coarser, every loss rounded *up* to the new grid
    /// (which dominates the original).
    func coarsened(by factor: Int) -> DiscretePLD {
        precondition(factor >= 1, "coarsening factor must be >= 1")
        if factor == 1 { return self }
        func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }
        let newLower = ceilDiv(lowerIndex, factor)
        let newUpper = ceilDiv(lowerIndex + probs.count - 1, factor)
        var out = [Double](repeating: 0, count: newUpper - newLower + 1)
        for i in probs.indices { out[ceilDiv(lowerIndex + i, factor) - newLower] += probs[i] }
        return DiscretePLD(interval: interval * Double(factor), lowerIndex: newLower, probs: out, infinityMass: infinityMass)
    }
}
