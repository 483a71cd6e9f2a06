/// The body of a `POST /v1/checkin` answer.
public struct CheckInResult: Codable, Sendable, Hashable {
    /// The open round.
    public var round: UInt64
    /// Whether this client should train and submit in `round`.
    public var selected: Bool
    /// Seconds until the round's deadline (selected clients).
    public var deadlineSeconds: Double?
    /// When to check in again (clients not selected).
    public var retryAfterSeconds: Double?
    /// Under adaptive clipping, the round's clip bound C_t: clients clip to it, noise with z_Δ·C_t
    /// and report 1[‖Δ‖ ≤ C_t] with their update. Nil (absent) when the bound is fixed.
    public var clipBound: Double?

    /// Creates a result.
    public init(round: UInt64, selected: Bool, deadlineSeconds: Double? = nil, retryAfterSeconds: Double? = nil,
                clipBound: Double? = nil) {
        self.round = round
        self.selected = selected
        self.deadlineSeconds = deadlineSeconds
        self.retryAfterSeconds = retryAfterSeconds
        self.clipBound = clipBound
    }
}
