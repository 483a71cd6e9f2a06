import FedRecHTTP

/// Checks `Authorization: Bearer TOKEN` against the client tokens and names the client.
///
/// The presented token must be exactly the stored text (64 lowercase hex digits: `ABCD…` is not
/// `abcd…`), compared in constant time (every byte examined, no early exit), so response timing
/// does not reveal how much of a guess was right. To find the
/// candidate without scanning every client, tokens are indexed by their first 128 bits in a
/// `Dictionary`, whose hashing is seeded per process: timing can reveal at most whether a guess
/// shares its first 128 bits with some token, which is as hard to hit as guessing 128 random bits.
public struct BearerAuthenticator: Sendable {
    private let index: [[UInt8]: Int]
    /// The stored tokens' text as bytes (what a presented token must equal exactly).
    private let tokens: [[UInt8]]
    private let clientIDs: [String]

    /// Creates an authenticator for `tokens`.
    public init(tokens: ClientTokens) {
        var index: [[UInt8]: Int] = [:]
        var raw: [[UInt8]] = []
        for (i, entry) in tokens.entries.enumerated() {
            let bytes = Hex.decode(entry.token)!
            raw.append(Array(entry.token.utf8))
            index[Array(bytes.prefix(16))] = i
        }
        self.index = index
        self.tokens = raw
        self.clientIDs = tokens.entries.map(\.clientID)
    }

    /// The client whose token is `token`, or nil.
    public func clientID(forToken token: String) -> String? {
        guard token.utf8.count == 2 * ClientTokens.tokenBytes, let presented = Hex.decode(token) else { return nil }
        guard let i = index[Array(presented.prefix(16))] else { return nil }
        // Exact text, not the decoded bytes: hex decoding ignores case.
        return BearerAuthenticator.constantTimeEqual(Array(token.utf8), tokens[i]) ? clientIDs[i] : nil
    }

    /// The authenticated client of `request`.
    /// - Throws: `.unauthorized` (401) when the header is missing, malformed or the token unknown;
    ///   the message does not say which, so it gives an attacker nothing.
    public func authenticate(_ request: HTTPRequest) throws(ServerError) -> String {
        guard let token = request.bearerToken, let id = clientID(forToken: token) else {
            throw ServerError(.unauthorized, "send 'Authorization: Bearer TOKEN' with the token issued to this client")
        }
        return id
    }

    /// Whether `a` and `b` are equal, examining every byte whatever the contents (lengths are public).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
