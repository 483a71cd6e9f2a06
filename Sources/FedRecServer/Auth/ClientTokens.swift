import FedRecHTTP

/// The per-client bearer tokens of a deployment, and their file format.
///
/// File format (UTF-8, LF line ends; see docs/protocol.md §2):
/// ```
/// # comment lines start with '#'; blank lines are ignored
/// client-0001 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
/// ```
/// one `CLIENT_ID TOKEN` pair per line: the id is 1...128 characters of `A-Z a-z 0-9 . _ -`, the
/// token 64 lowercase hex digits (256 bits). Ids and tokens are unique. The file holds secrets: it is
/// written with mode 0600 and refused on load when group or others can read it.
public struct ClientTokens: Sendable, Hashable {
    /// One client's credentials.
    public struct Entry: Sendable, Hashable {
        /// The client's identifier (not secret).
        public var clientID: String
        /// The client's token, 64 lowercase hex digits (secret).
        public var token: String
    }

    /// The entries in file order.
    public private(set) var entries: [Entry]

    /// The number of bytes of a token (256 bits).
    public static let tokenBytes = 32

    /// Creates a token set from entries.
    /// - Precondition: ids valid and distinct, tokens 64 lowercase hex digits and distinct.
    public init(entries: [Entry]) {
        precondition(entries.allSatisfy { ClientTokens.isValidClientID($0.clientID) && ClientTokens.isValidToken($0.token) }, "invalid client id or token")
        precondition(Set(entries.map(\.clientID)).count == entries.count && Set(entries.map(\.token)).count == entries.count, "client ids and tokens must be distinct")
        self.entries = entries
    }

    /// Generates a fresh 256-bit token for each client id.
    ///
    /// Pass the system CSPRNG (`SystemRandomNumberGenerator`, the default overload) for real
    /// deployments; a seeded generator only for tests.
    /// - Precondition: ids are valid and distinct.
    public static func generate(clientIDs: [String], using generator: inout some RandomNumberGenerator) -> ClientTokens {
        var tokens = Set<String>()
        let entries = clientIDs.map { id -> Entry in
            // Bounded: a collision among 256-bit tokens has probability ~2^-200; retry a few times.
            for _ in 0..<8 {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(tokenBytes)
                for _ in 0..<(tokenBytes / 8) {
                    withUnsafeBytes(of: generator.next().littleEndian) { bytes.append(contentsOf: $0) }
                }
                let token = Hex.encode(bytes)
                if tokens.insert(token).inserted { return Entry(clientID: id, token: token) }
            }
            preconditionFailure("the random generator keeps repeating itself")
        }
        return ClientTokens(entries: entries)
    }

    /// Generates tokens from the operating system's CSPRNG.
    public static func generate(clientIDs: [String]) -> ClientTokens {
        var system = SystemRandomNumberGenerator()
        return generate(clientIDs: clientIDs, using: &system)
    }

    /// The token of `clientID`, for writing a client's configuration.
    public func token(for clientID: String) -> String? {
        entries.first { $0.clientID == clientID }?.token
    }

    /// The file text.
    public func serialized() -> String {
        var text = "# fedrec client tokens, format 1: CLIENT_ID TOKEN (256-bit, hex). Secret: keep mode 0600.\n"
        for entry in entries { text += "\(entry.clientID) \(entry.token)\n" }
        return text
    }

    /// Writes the file atomically with mode 0600.
    /// - Throws: `.ioFailure` naming the path.
    public func write(to path: String) throws(ServerError) {
        try ServerError.bridging(AtomicFile.write(Array(serialized().utf8), to: path, permissions: 0o600))
    }

    /// Loads and validates a token file.
    /// - Throws: `.invalidTokenFile` when group or others may read it, or a line is malformed
    ///   (the message names the file and line); `.ioFailure` when it cannot be read.
    public static func load(from path: String) throws(ServerError) -> ClientTokens {
        let mode = try ServerError.bridging(AtomicFile.permissions(of: path))
        guard mode & 0o077 == 0 else {
            throw ServerError(.invalidTokenFile, "\(path) has mode \(String(mode, radix: 8)); token files must be private: run chmod 600 \(path)")
        }
        let bytes = try ServerError.bridging(AtomicFile.read(path, maxBytes: 64 << 20))
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ServerError(.invalidTokenFile, "\(path) is not UTF-8 text")
        }
        return try parse(text, source: path)
    }

    /// Parses token-file text; `source` names it in error messages.
    public static func parse(_ text: String, source: String = "token file") throws(ServerError) -> ClientTokens {
        var entries: [Entry] = []
        var ids = Set<String>()
        var tokens = Set<String>()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2 else {
                throw ServerError(.invalidTokenFile, "\(source) line \(lineNumber): expected 'CLIENT_ID TOKEN', found \(fields.count) fields")
            }
            let id = String(fields[0])
            let token = String(fields[1])
            guard isValidClientID(id) else {
                throw ServerError(.invalidTokenFile, "\(source) line \(lineNumber): client id must be 1...128 characters of A-Z a-z 0-9 . _ -")
            }
            guard isValidToken(token) else {
                throw ServerError(.invalidTokenFile, "\(source) line \(lineNumber): the token of \(id) must be 64 lowercase hex digits (256 bits)")
            }
            guard ids.insert(id).inserted else { throw ServerError(.invalidTokenFile, "\(source) line \(lineNumber): client id \(id) appears twice") }
            guard tokens.insert(token).inserted else { throw ServerError(.invalidTokenFile, "\(source) line \(lineNumber): the token of \(id) is also another client's token") }
            entries.append(Entry(clientID: id, token: token))
        }
        return ClientTokens(entries: entries)
    }

    /// Whether `id` is a valid client id.
    public static func isValidClientID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }

    static func isValidToken(_ token: String) -> Bool {
        token.utf8.count == 2 * tokenBytes && token.utf8.allSatisfy { b in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b)
        }
    }
}
