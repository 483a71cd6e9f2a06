import FedRecMath

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Adaptive clipping (Andrew, Thakkar, McMahan & Ramaswamy, "Differentially Private Learning with
/// Adaptive Clipping", NeurIPS 2021): the clip bound C tracks the γ-quantile of the update norms,
/// privately.
///
/// Each round, every participant reports bᵢ = 1[‖Δᵢ‖ ≤ C]; the aggregator releases the **centred**
/// count Σ(bᵢ − ½) + N(0, σ_b²) over the n bits it summed, forms the noised fraction
/// b̄ = (Σ(bᵢ − ½) + N(0, σ_b²)) / n̄ + ½ over the expected number of participants n̄, and takes the
/// geometric step C ← C·exp(−η(b̄ − γ)) (their Algorithm 1; tf-privacy's quantile estimator centres
/// the same way).
///
/// **Privacy cost.** Under add/remove adjacency (the participant count n is itself secret under
/// Poisson sampling) one user adds or removes one term bᵢ − ½ ∈ {−½, +½}: the centred count has
/// sensitivity ½ (``countSensitivity``). A raw sum Σbᵢ would have sensitivity 1 — the bug this type
/// once had. Releasing the update sum (sensitivity C, noise z_Δ·C) and the count (sensitivity ½,
/// noise σ_b) is one Gaussian mechanism with 1/z² = 1/z_Δ² + (½/σ_b)², so to keep the accounted
/// multiplier at z the update noise must use z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) (their §3.1) — see
/// ``updateNoiseMultiplier(forAccounted:)`` and ``accountedNoiseMultiplier(updateMultiplier:countNoiseStddev:)``.
/// The accountant then composes the usual subsampled Gaussian with z: the count's cost is folded in.
///
/// Why centre rather than account sensitivity 1: centring halves the sensitivity for free (the
/// aggregator knows n, and Σbᵢ − n/2 equals each client sending bᵢ − ½), so the update noise only
/// needs 2σ_b > z instead of σ_b > z and z_Δ stays closer to z; and the published plan (z_Δ, σ_b)
/// keeps meaning the same accounted z, so clients' floors are unchanged (docs/privacy.md).
public struct AdaptiveClipping: Sendable, Hashable, Codable {
    /// The current clip bound C.
    public private(set) var clipBound: Double
    /// γ: the quantile of update norms C should track (0.5 = the median).
    public let targetQuantile: Double
    /// η: the geometric learning rate of C (the paper uses 0.2).
    public let learningRate: Double
    /// σ_b: the standard deviation of the noise on the count of unclipped updates (the paper
    /// suggests n̄/20).
    public let countNoiseStddev: Double

    /// Creates the adaptive clipping state.
    /// - Throws: `PrivacyError.invalidParameter` for C ≤ 0, γ ∉ (0, 1), η ≤ 0 or σ_b ≤ 0.
    public init(initialClipBound: Double, targetQuantile: Double = 0.5, learningRate: Double = 0.2, countNoiseStddev: Double) throws {
        try PrivacyError.checkClip(initialClipBound, name: "initial clip bound C")
        guard targetQuantile > 0, targetQuantile < 1 else {
            throw PrivacyError(.invalidParameter, "target quantile γ = \(targetQuantile) is outside (0, 1)")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw PrivacyError(.invalidParameter, "clip learning rate η = \(learningRate) must be a positive finite number")
        }
        guard countNoiseStddev > 0, countNoiseStddev.isFinite else {
            throw PrivacyError(.invalidParameter, "count noise σ_b = \(countNoiseStddev) must be a positive finite number")
        }
        clipBound = initialClipBound
        self.targetQuantile = targetQuantile
        self.learningRate = learningRate
        self.countNoiseStddev = countNoiseStddev
    }

    /// The L2 sensitivity of the released count Σ(bᵢ − ½) under add/remove adjacency: ½.
    public static let countSensitivity = 0.5

    /// The count query before noise: Σ(bᵢ − ½) = `unclippedCount` − `bitsSummed`/2, the centred sum
    /// of the bits of the updates actually aggregated (sensitivity ``countSensitivity``).
    /// - Precondition: 0 ≤ `unclippedCount` ≤ `bitsSummed`.
    public static func centredCount(unclippedCount: Double, bitsSummed: Int) -> Double {
        precondition(bitsSummed >= 0 && unclippedCount >= 0 && unclippedCount <= Double(bitsSummed),
                     "unclipped count must lie in 0...bitsSummed")
        return unclippedCount - 0.5 * Double(bitsSummed)
    }

    /// The multiplier of the pair (update sum with multiplier `updateMultiplier`, centred count with
    /// noise σ_b): z = (z_Δ⁻² + (½/σ_b)²)^(−1/2), what the accountant composes.
    /// For two Gaussian queries with sensitivities s₁, s₂ and noise σ₁, σ₂ the pair is a Gaussian
    /// mechanism with multiplier (s₁²/σ₁² + s₂²/σ₂²)^(−1/2).
    public static func accountedNoiseMultiplier(updateMultiplier zDelta: Double, countNoiseStddev sigma: Double) -> Double {
        let ratio = countSensitivity / sigma
        return 1 / (1 / (zDelta * zDelta) + ratio * ratio).squareRoot()
    }

    /// The noise multiplier the *update* must use so that update and count together cost exactly a
    /// Gaussian mechanism with multiplier `z`: z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2).
    /// - Throws: `PrivacyError.invalidParameter` unless 2σ_b > z (else the count alone costs more than z allows).
    public func updateNoiseMultiplier(forAccounted z: Double) throws -> Double {
        try PrivacyError.checkNoiseMultiplier(z)
        let ratio = Self.countSensitivity / countNoiseStddev
        let rest = 1 / (z * z) - ratio * ratio
        guard rest > 0 else {
            throw PrivacyError(.invalidParameter, "count noise σ_b = \(countNoiseStddev) is too small for noise multiplier z = \(z): adaptive clipping needs 2σ_b > z (raise σ_b, e.g. to expected participants / 20, or z)")
        }
        return 1 / rest.squareRoot()
    }

    /// The bit a client reports: 1 if its update norm (before clipping) is within the current bound.
    public func unclippedIndicator(norm: Double) -> Double { norm <= clipBound ? 1 : 0 }

    /// Updates C from the round's bits: releases the centred count Σ(bᵢ − ½) + N(0, σ_b²) over the
    /// `bitsSummed` bits the aggregator summed, forms b̄ = noised / n̄ + ½ with n̄ the expected number
    /// of participants, and steps C ← C·exp(−η(b̄ − γ)). Returns the noised fraction b̄.
    /// - Precondition: `expectedParticipants` > 0 and 0 ≤ `unclippedCount` ≤ `bitsSummed`.
    @discardableResult
    public mutating func update(
        unclippedCount: Double, bitsSummed: Int, expectedParticipants: Double,
        using rng: inout some RandomNumberGenerator
    ) -> Double {
        precondition(expectedParticipants > 0, "expected participants must be positive")
        let centred = Self.centredCount(unclippedCount: unclippedCount, bitsSummed: bitsSummed)
        let noised = centred + countNoiseStddev * Gaussian.sample(using: &rng)
        let fraction = noised / expectedParticipants + 0.5
        clipBound *= exp(-learningRate * (fraction - targetQuantile))
        return fraction
    }
}
