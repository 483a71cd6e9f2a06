import FedRecPrivacy
import Foundation

/// The largest L2 norm an honest client's update can have, except with a stated small
/// probability: what the server refuses above (`update_norm_exceeded`, or `clip_bound_exceeded`
/// when the client adds no noise).
///
/// An honest update is `clip(Δ) + N(0, σ²I_d)`, with ‖clip(Δ)‖ ≤ C and σ the client's own noise
/// (``GaussianMechanism/clientNoiseStddev``: 0 under `central` trust or `aggregate` placement,
/// z·C/√m under `distributed`, z·C under `local`). By the triangle inequality its norm is at most
/// C + ‖N(0, σ²I_d)‖, and the Gaussian norm concentrates: x ↦ ‖x‖ is 1-Lipschitz and
/// E‖N(0, σ²I_d)‖ ≤ σ√d, so P(‖N(0, σ²I_d)‖ ≥ σ(√d + t)) ≤ exp(−t²/2) (Gaussian concentration
/// for Lipschitz functions, e.g. Boucheron, Lugosi & Massart 2013, Thm 5.6). The bound is
/// therefore
///
///     B = C·(1 + 10⁻⁴) + σ·(√d + t),   t = √(2 ln(1/p)),
///
/// and an honest update is refused with probability at most p. With the default
/// p = 10⁻⁹ (``defaultFalseRefusalProbability``), t ≈ 6.44. The relative slack 10⁻⁴ on C absorbs
/// float32 rounding of the client's clipping.
///
/// What the bound does **not** do: under noise it is far above C when d is large (σ√d ≫ C), so a
/// malicious token holder can still send a chosen vector of norm up to B; it only caps the damage
/// (no more 3·10³⁸ updates). It is not Byzantine robustness (docs/threat-model.md).
public struct UpdateNormBound: Sendable, Hashable {
    /// The clip bound C the client clipped to (the round's C_t under adaptive clipping).
    public var clipBound: Double
    /// σ: the standard deviation of the noise the client itself adds (0: none).
    public var clientNoiseStddev: Double
    /// d: the number of coordinates of an update.
    public var dimension: Int
    /// p: the probability that an honest update is refused.
    public var falseRefusalProbability: Double

    /// The p the server uses: one honest update in a billion may be refused.
    public static let defaultFalseRefusalProbability = 1e-9

    /// The relative slack on C for float32 rounding.
    public static let clipSlack = 1e-4

    /// Creates the bound.
    /// - Precondition: C > 0, σ ≥ 0, d ≥ 1, 0 < p < 1.
    public init(clipBound: Double, clientNoiseStddev: Double, dimension: Int,
                falseRefusalProbability: Double = Self.defaultFalseRefusalProbability) {
        precondition(clipBound > 0 && clientNoiseStddev >= 0 && dimension >= 1, "UpdateNormBound: C > 0, σ ≥ 0, d ≥ 1")
        precondition(falseRefusalProbability > 0 && falseRefusalProbability < 1, "UpdateNormBound: p must be in (0, 1)")
        self.clipBound = clipBound
        self.clientNoiseStddev = clientNoiseStddev
        self.dimension = dimension
        self.falseRefusalProbability = falseRefusalProbability
    }

    /// The bound of a mechanism's updates: its C and the client's σ under `placement` (the client
    /// adds no noise under `aggregate` placement, where the server draws it).
    public init(mechanism: GaussianMechanism, placement: NoisePlacement, dimension: Int,
                falseRefusalProbability: Double = Self.defaultFalseRefusalProbability) {
        self.init(clipBound: mechanism.clipBound, clientNoiseStddev: placement == .perParty ? mechanism.clientNoiseStddev : 0,
                  dimension: dimension, falseRefusalProbability: falseRefusalProbability)
    }

    /// t = √(2 ln(1/p)), the tail margin in units of σ.
    public var tailMargin: Double { (2 * Foundation.log(1 / falseRefusalProbability)).squareRoot() }

    /// B = C·(1 + 10⁻⁴) + σ·(√d + t).
    public var limit: Double {
        clipBound * (1 + Self.clipSlack) + clientNoiseStddev * (Double(dimension).squareRoot() + tailMargin)
    }
}
