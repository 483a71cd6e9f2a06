#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What NeuMF's output means and which loss trains it.
///
/// - ``implicit``: the output is a probability σ(z) that the user interacts with the item,
///   trained with binary cross-entropy ℓ = −y·log σ(z) − (1 − y)·log(1 − σ(z)), y ∈ {0, 1}
///   (He et al. 2017, eq. 7). dℓ/dz = σ(z) − y.
/// - ``explicit``: the output z is the predicted rating itself, trained with squared error
///   ℓ = (z − y)². dℓ/dz = 2·(z − y).
public enum NeuMFObjective: String, Sendable, Hashable, Codable {
    /// Sigmoid output with binary cross-entropy (interactions and sampled negatives).
    case implicit
    /// Linear output with mean squared error (graded ratings).
    case explicit

    /// The loss of one example with logit `z` and target `y`. The cross-entropy is evaluated
    /// as max(z, 0) − z·y + log(1 + e^−|z|), which neither overflows nor loses precision for large |z|.
    @inlinable
    public func loss(logit z: Float, target y: Float) -> Float {
        switch self {
        case .implicit: return max(z, 0) - z * y + log1pf(expf(-abs(z)))
        case .explicit: return (z - y) * (z - y)
        }
    }

    /// dℓ/dz for one example.
    @inlinable
    public func gradient(logit z: Float, target y: Float) -> Float {
        switch self {
        case .implicit: return Self.sigmoid(z) - y
        case .explicit: return 2 * (z - y)
        }
    }

    /// The model's prediction from its logit: σ(z) for implicit feedback, z for ratings.
    @inlinable
    public func prediction(logit z: Float) -> Float {
        switch self {
        case .implicit: return Self.sigmoid(z)
        case .explicit: return z
        }
    }

    /// The logistic function 1 / (1 + e^−z), evaluated without overflow for either sign.
    @inlinable
    public static func sigmoid(_ z: Float) -> Float {
        if z >= 0 { return 1 / (1 + expf(-z)) }
        let e = expf(z)
        return e / (1 + e)
    }
}
