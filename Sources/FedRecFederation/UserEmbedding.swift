/// A user's embedding: the part of biased MF that never leaves the client.
public struct UserEmbedding: Sendable, Hashable, Codable {
    /// User factors p_u (d values).
    public var factors: [Float]
    /// User bias b_u.
    public var bias: Float

    /// Creates an embedding.
    public init(factors: [Float], bias: Float) {
        self.factors = factors
        self.bias = bias
    }
}
