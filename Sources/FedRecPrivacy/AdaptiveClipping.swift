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
/// Each round, every participant reports bᵢ = 1[‖Δᵢ‖ ≤ C]; the server forms the noised fraction
/// b̄ = (Σbᵢ + N(0, σ_b²)) / n̄ over the expected number of participants n̄, and takes the geometric
/// step C ← C·exp(−η(b̄ − γ)) (their Algorithm 1).
///
/// **Privacy cost.** The count is a second Gaussian query on the same users, with sensitivity ½ when
/// the bits are centred (bᵢ − ½). Releasing both is a Gaussian mechanism with 1/z² = 1/z_Δ² + (2σ_b)⁻²,
/// so to keep the accounted multiplier at z the update noise must use
/// z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) (their §3.1) — see ``updateNoiseMultiplier(forAccounted:)``. The
/// accountant then composes the usual subsampled Gaussian with z: the count's cost is folded in.
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

    /// The noise multiplier the *update* must use so that update and count together cost exactly a
    /// Gaussian mechanism with multiplier `z`: z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2).
    /// - Throws: `PrivacyError.invalidParameter` unless 2σ_b > z (else the count alone costs more than z allows).
    public func updateNoiseMultiplier(forAccounted z: Double) throws -> Double {
        try PrivacyError.checkNoiseMultiplier(z)
        let rest = 1 / (z * z) - 1 / (4 * countNoiseStddev * countNoiseStddev)
        guard rest > 0 else {
            throw PrivacyError(.invalidParameter, "count noise σ_b = \(countNoiseStddev) is too small for noise multiplier z = \(z): adaptive clipping needs 2σ_b > z (raise σ_b, e.g. to expected participants / 20, or z)")
        }
        return 1 / rest.squareRoot()
    }

    /// The bit a client reports: 1 if its update norm (before clipping) is within the current bound.
    public func unclippedIndicator(norm: Double) -> Double { norm <= clipBound ? 1 : 0 }

    /// Updates C from the round's count of unclipped updates: adds N(0, σ_b²) to the count, divides by
    /// the expected number of participants, and steps C ← C·exp(−η(b̄ − γ)). Returns the noised fraction b̄.
    /// - Precondition: `expectedParticipants` > 0.
    @discardableResult
    public mutating func update(
        unclippedCount: Double, expectedParticipants: Double, using rng: inout some RandomNumberGenerator
    ) -> Double {
        precondition(expectedParticipants > 0, "expected participants must be positive")
        let noised = unclippedCount + countNoiseStddev * Gaussian.sample(using: &rng)
        let fraction = noised / expectedParticipants
        clipBound *= exp(-learningRate * (fraction - targetQuantile))
        return fraction
    }
}
