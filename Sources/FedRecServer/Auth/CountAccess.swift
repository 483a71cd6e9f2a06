import FedRecHTTP
import Foundation

/// Who may see the exact per-round participant counts: `selected` and `received` in
/// `/v1/status`, and `/metrics` (which counts accepted updates).
///
/// Under add/remove adjacency a participant count is a sensitivity-1 query; released exactly it
/// is outside the (ε, δ) guarantee the ledger accounts for (docs/threat-model.md). The server
/// knows the counts in every trust model (it draws the coins and receives the updates), so its
/// operator may see them; the clients need not. By default a client's `/v1/status` leaves the
/// counts out and `/metrics` is refused to clients; the operator (``operatorToken``) sees both.
/// `publicCounts` restores the exact counts for everyone (trusted test deployments).
public struct CountAccess: Sendable {
    /// The operator's bearer token (64 hex characters), if an operator is configured.
    public var operatorToken: String?
    /// True: every authenticated client sees the exact counts and may scrape `/metrics`.
    public var publicCounts: Bool

    /// Creates the policy; the default shows the counts to nobody but an operator.
    public init(operatorToken: String? = nil, publicCounts: Bool = false) {
        self.operatorToken = operatorToken
        self.publicCounts = publicCounts
    }

    /// Whether `request` carries exactly the operator's token (the same text, case included,
    /// compared in constant time; the operator need not be a registered client).
    func isOperator(_ request: HTTPRequest) -> Bool {
        guard let expected = operatorToken, let presented = request.bearerToken else { return false }
        return BearerAuthenticator.constantTimeEqual(Array(presented.utf8), Array(expected.utf8))
    }

    /// Whether `request` may see the exact counts: everyone with ``publicCounts``, else the operator.
    func allowsCounts(_ request: HTTPRequest) -> Bool { publicCounts || isOperator(request) }
}

extension RoundStatus {
    /// This status with the participant counts withheld (absent from the JSON).
    var withoutCounts: RoundStatus {
        var s = self
        s.selected = nil
        s.received = nil
        return s
    }
}

extension CountAccess {
    /// The operator token kept in `path` (one line: 64 hex digits, the format Prometheus'
    /// `bearer_token_file` reads), created from the system CSPRNG with mode 0600 when the file does
    /// not exist.
    /// - Returns: the token, and whether the file was created now.
    /// - Throws: `.invalidTokenFile` when the file is readable by group or others or holds no
    ///   valid token; `.ioFailure` when it cannot be read or written.
    public static func operatorToken(at path: String) throws(ServerError) -> (token: String, created: Bool) {
        if !FileManager.default.fileExists(atPath: path) {
            let token = ClientTokens.generate(clientIDs: ["operator"]).entries[0].token
            try ServerError.bridging(AtomicFile.write(Array((token + "\n").utf8), to: path, permissions: 0o600))
            return (token, true)
        }
        let mode = try ServerError.bridging(AtomicFile.permissions(of: path))
        guard mode & 0o077 == 0 else {
            throw ServerError(.invalidTokenFile, "\(path) has mode \(String(mode, radix: 8)); the operator token must be private: run chmod 600 \(path)")
        }
        let text = String(decoding: try ServerError.bridging(AtomicFile.read(path, maxBytes: 4096)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard ClientTokens.isValidToken(text) else {
            throw ServerError(.invalidTokenFile, "\(path) must hold one operator token: 64 lowercase hex digits (delete it and the server writes a new one)")
        }
        return (text, false)
    }
}
