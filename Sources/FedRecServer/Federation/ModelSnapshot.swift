/// The current model as served by `GET /v1/model`: encode it once per released version and hand
/// out the same bytes to every client (943 clients × 220 KB should not mean 943 encodings).
public struct ModelSnapshot: Sendable {
    /// The open round (the `round` field inside `encoded`).
    public var round: UInt64
    /// The model version, sent as the `ETag`.
    public var version: UInt64
    /// The tensor-format body (docs/protocol.md §3).
    public var encoded: [UInt8]

    /// Creates a snapshot.
    public init(round: UInt64, version: UInt64, encoded: [UInt8]) {
        self.round = round
        self.version = version
        self.encoded = encoded
    }

    /// Encodes `model` (whose `round` is the open round) as a snapshot.
    public init(model: TensorMessage, version: UInt64) {
        self.init(round: model.round, version: version, encoded: TensorWireFormat.encode(model))
    }
}
