/// The body of an accepted update's answer.
public struct UpdateReceipt: Codable, Sendable, Hashable {
    /// Always true (refusals are errors).
    public var accepted: Bool
    /// The round the update counted for.
    public var round: UInt64

    /// Creates a receipt.
    public init(accepted: Bool = true, round: UInt64) {
        self.accepted = accepted
        self.round = round
    }
}
