/// A strict HTTP/1.1 request parser: a pure state machine fed bytes, with no I/O.
///
/// Feed bytes with `append(_:)` as they arrive and call `next()` until it returns `.needMoreData`.
/// One parser serves one connection and handles pipelined requests in order. It implements the
/// subset of RFC 9112 this service needs, strictly:
/// - request line `METHOD SP origin-form SP HTTP/1.x CRLF`; other versions get 505;
/// - every line must end in CRLF: a bare LF or CR is refused with 400 (no lenient line endings,
///   which are a request-smuggling risk when proxies disagree);
/// - header names are tokens compared case-insensitively, values valid UTF-8 without controls,
///   no obsolete line folding; HTTP/1.1 requests need exactly one `Host`; at most one `Authorization`;
/// - bodies only with one `Content-Length` (digits only, duplicates refused with 400, over the limit
///   413); `Transfer-Encoding: chunked` gets 411 (send `Content-Length`), other codings 501, and
///   `Transfer-Encoding` with `Content-Length` 400;
/// - `Expect: 100-continue` is reported as `.continueExpected` so the connection can answer
///   `100 Continue`; any other expectation gets 417;
/// - the path is percent-decoded into valid UTF-8 without control characters; `%2F` in a path,
///   fragments and non-origin targets are refused with 400.
/// After a failure the parser stays failed; the connection must answer the error and close.
public struct HTTPRequestParser: Sendable {
    /// Size limits; every one of them bounds memory per connection.
    public struct Limits: Sendable, Hashable {
        /// The longest request line in bytes, CRLF included (longer: 414).
        public var maxRequestLineBytes: Int
        /// The largest header section in bytes after the request line (larger: 431).
        public var maxHeaderBytes: Int
        /// The most header fields (more: 431).
        public var maxHeaderCount: Int
        /// The largest body in bytes (larger: 413). Derive it from the model size.
        public var maxBodyBytes: Int

        /// Creates limits; the defaults suit a control API with bodies up to 1 MiB.
        public init(maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 16384, maxHeaderCount: Int = 64, maxBodyBytes: Int = 1 << 20) {
            precondition(maxRequestLineBytes >= 16 && maxHeaderBytes >= 16 && maxHeaderCount >= 1 && maxBodyBytes >= 0, "limits too small")
            self.maxRequestLineBytes = maxRequestLineBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// What the parser has for the caller after the bytes fed so far.
    public enum Event: Sendable {
        /// Nothing complete yet: read more bytes.
        case needMoreData
        /// The head of a request with a body asked for `100 Continue`; answer it, then keep reading.
        case continueExpected
        /// A complete request.
        case request(HTTPRequest)
        /// The request is malformed or over a limit; answer this error and close the connection.
        case failure(HTTPError)
    }

    /// Where in a request the parser is; the connection picks its read timeout from it.
    public enum Phase: Sendable, Hashable {
        /// Between requests with nothing buffered: the keep-alive idle timeout applies.
        case idle
        /// Inside a request line or header section: the header timeout applies.
        case head
        /// Inside a body: the body timeout applies.
        case body
        /// After a failure.
        case failed
    }

    private enum State: Sendable {
        case requestLine
        case headers(Head)
        case body(Head, remaining: Int, body: [UInt8])
        case failed(HTTPError)
    }

    private struct Head: Sendable {
        var method: HTTPMethod
        var path: String
        var query: String?
        var version: HTTPVersion
        var headers = HTTPHeaders()
        var headerBytes = 0
    }

    /// The limits in force.
    public let limits: Limits
    private var state: State = .requestLine
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Where the search for the next LF resumes (so trickled bytes are scanned once).
    private var scanIndex = 0

    /// Creates a parser with `limits`.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The phase the parser is in.
    public var phase: Phase {
        switch state {
        case .requestLine: readIndex == buffer.count ? .idle : .head
        case .headers: .head
        case .body: .body
        case .failed: .failed
        }
    }

    /// Whether bytes are buffered that `next()` has not consumed (a pipelined request).
    public var hasBufferedBytes: Bool { readIndex < buffer.count }

    /// Feeds bytes received from the peer.
    /// - Complexity: amortized O(bytes); body bytes are copied once into the body.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if case .body(let head, let remaining, var body) = state, readIndex == buffer.count {
            let take = min(remaining, bytes.count)
            state = .requestLine  // release the body's storage so the append does not copy it
            body.append(contentsOf: bytes[..<take])
            state = .body(head, remaining: remaining - take, body: body)
            if take < bytes.count { appendToBuffer(UnsafeRawBufferPointer(rebasing: bytes[take...])) }
        } else {
            appendToBuffer(bytes)
        }
    }

    /// Feeds bytes received from the peer.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    private mutating func appendToBuffer(_ bytes: UnsafeRawBufferPointer) {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            scanIndex -= readIndex
            readIndex = 0
        } else if readIndex > 4096 && readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Advances as far as the buffered bytes allow.
    public mutating func next() -> Event {
        while true {
            switch state {
            case .failed(let error):
                return .failure(error)
            case .requestLine:
                guard let line = nextLine(limit: limits.maxRequestLineBytes, tooLong: HTTPError(
                    .uriTooLong, "the request line is longer than \(limits.maxRequestLineBytes) bytes"))
                else { return pendingFailure ?? .needMoreData }
                switch parseRequestLine(line) {
                case .success(let head): state = .headers(head)
                case .failure(let error): return fail(error)
                }
            case .headers(var head):
                let remainingHeaderBytes = limits.maxHeaderBytes - head.headerBytes
                guard let line = nextLine(limit: remainingHeaderBytes, tooLong: HTTPError(
                    .headersTooLarge, "the header section is larger than \(limits.maxHeaderBytes) bytes"))
                else { return pendingFailure ?? .needMoreData }
                head.headerBytes += line.count + 2
                if line.isEmpty {
                    return finishHead(head)
                }
                if let error = parseHeaderLine(line, into: &head) { return fail(error) }
                if head.headers.count > limits.maxHeaderCount {
                    return fail(HTTPError(.headersTooLarge, "more than \(limits.maxHeaderCount) header fields"))
                }
                state = .headers(head)
            case .body(let head, let remaining, var body):
                if remaining > 0 {
                    let available = buffer.count - readIndex
                    guard available > 0 else { return .needMoreData }
                    let take = min(remaining, available)
                    state = .requestLine
                    body.append(contentsOf: buffer[readIndex..<readIndex + take])
                    readIndex += take
                    scanIndex = max(scanIndex, readIndex)
                    if take < remaining {
                        state = .body(head, remaining: remaining - take, body: body)
                        return .needMoreData
                    }
                }
                state = .requestLine
                return .request(makeRequest(head, body: body))
            }
        }
    }

    /// Tells the parser the peer closed its side; returns an error if a request was cut short.
    public mutating func finish() -> HTTPError? {
        switch phase {
        case .idle, .failed: return nil
        case .head: return HTTPError(.badRequest, "the connection closed in the middle of the request head")
        case .body: return HTTPError(.badRequest, "the connection closed before the whole body arrived")
        }
    }

    // MARK: Lines

    /// Set by `nextLine` when a line is over its limit or badly terminated.
    private var pendingFailure: Event? {
        if case .failed(let error) = state { return .failure(error) }
        return nil
    }

    /// The next CRLF-terminated line without its CRLF, or nil if it is incomplete (or failed).
    private mutating func nextLine(limit: Int, tooLong: HTTPError) -> ArraySlice<UInt8>? {
        let lf = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")
        var index = max(scanIndex, readIndex)
        let end = buffer.count
        while index < end && buffer[index] != lf { index += 1 }
        guard index < end else {
            scanIndex = end
            if end - readIndex > limit { state = .failed(tooLong) }
            return nil
        }
        // index is the LF.
        let lineLength = index - readIndex + 1
        if lineLength > limit {
            state = .failed(tooLong)
            return nil
        }
        guard index > readIndex, buffer[index - 1] == cr else {
            state = .failed(HTTPError(.badRequest, "lines must end in CRLF; found a bare LF"))
            return nil
        }
        let line = buffer[readIndex..<(index - 1)]
        if line.contains(cr) {
            state = .failed(HTTPError(.badRequest, "a bare CR inside a line"))
            return nil
        }
        readIndex = index + 1
        scanIndex = readIndex
        return line
    }

    private mutating func fail(_ error: HTTPError) -> Event {
        state = .failed(error)
        return .failure(error)
    }

    // MARK: Request line

    private func parseRequestLine(_ line: ArraySlice<UInt8>) -> Result<Head, HTTPError> {
        if line.isEmpty { return .failure(HTTPError(.badRequest, "empty line where a request line was expected")) }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .failure(HTTPError(.badRequest, "the request line must be METHOD SP target SP HTTP-version"))
        }
        guard parts[0].allSatisfy(HTTPHeaders.isTokenByte) else {
            return .failure(HTTPError(.badRequest, "the method is not a valid token"))
        }
        let method = HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self))
        let version: HTTPVersion
        switch Array(parts[2]) {
        case Array("HTTP/1.1".utf8): version = .http1_1
        case Array("HTTP/1.0".utf8): version = .http1_0
        case let v where v.count == 8 && v.starts(with: "HTTP/".utf8) && isDigit(v[5]) && v[6] == UInt8(ascii: ".") && isDigit(v[7]):
            return .failure(HTTPError(.httpVersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are supported, not \(String(decoding: v, as: UTF8.self))"))
        default:
            return .failure(HTTPError(.badRequest, "the request line does not end with an HTTP version"))
        }
        let target = parts[1]
        guard target.first == UInt8(ascii: "/") else {
            return .failure(HTTPError(.badRequest, "the request target must be a path starting with '/'"))
        }
        guard target.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "#") }) else {
            return .failure(HTTPError(.badRequest, "the request target contains a byte that is not printable ASCII (non-ASCII must be percent-encoded)"))
        }
        let targetString = String(decoding: target, as: UTF8.self)
        let pathPart: Substring
        var query: String?
        if let question = targetString.firstIndex(of: "?") {
            pathPart = targetString[..<question]
            query = String(targetString[targetString.index(after: question)...])
        } else {
            pathPart = targetString[...]
        }
        let lowered = pathPart.lowercased()
        if lowered.contains("%2f") || lowered.contains("%00") {
            return .failure(HTTPError(.badRequest, "the path contains an encoded '/' or NUL"))
        }
        guard let path = PercentDecoding.decode(pathPart) else {
            return .failure(HTTPError(.badRequest, "the path has a malformed percent escape or is not valid UTF-8"))
        }
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .failure(HTTPError(.badRequest, "the path contains control characters"))
        }
        return .success(Head(method: method, path: path, query: query, version: version))
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    // MARK: Headers

    private func parseHeaderLine(_ line: ArraySlice<UInt8>, into head: inout Head) -> HTTPError? {
        if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") {
            return HTTPError(.badRequest, "obsolete header line folding is not accepted")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            return HTTPError(.badRequest, "a header line has no ':'")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(HTTPHeaders.isTokenByte) else {
            return HTTPError(.badRequest, "a header name is empty or not a token (no spaces before ':')")
        }
        var value = line[(colon + 1)...]
        while let b = value.first, b == 32 || b == 9 { value.removeFirst() }
        while let b = value.last, b == 32 || b == 9 { value.removeLast() }
        guard !value.contains(where: { ($0 < 0x20 && $0 != 9) || $0 == 0x7F }) else {
            return HTTPError(.badRequest, "header \(String(decoding: name, as: UTF8.self)) contains control characters")
        }
        guard let valueString = String(validating: value, as: UTF8.self) else {
            return HTTPError(.badRequest, "header \(String(decoding: name, as: UTF8.self)) is not valid UTF-8")
        }
        head.headers.add(String(decoding: name, as: UTF8.self), valueString)
        return nil
    }

    private mutating func finishHead(_ head: Head) -> Event {
        let headers = head.headers
        let hosts = headers.values(for: "Host")
        if hosts.count > 1 || (head.version == .http1_1 && hosts.isEmpty) {
            return fail(HTTPError(.badRequest, "an HTTP/1.1 request needs exactly one Host header"))
        }
        if headers.values(for: "Authorization").count > 1 {
            return fail(HTTPError(.badRequest, "send one Authorization header, not several: which credential counts would be ambiguous"))
        }
        let lengths = headers.values(for: "Content-Length")
        let codings = headers.values(for: "Transfer-Encoding")
        if !codings.isEmpty {
            if !lengths.isEmpty {
                return fail(HTTPError(.badRequest, "a request must not carry both Transfer-Encoding and Content-Length"))
            }
            let last = codings.joined(separator: ",").split(separator: ",").last.map { $0.trimmingSpaces() } ?? ""
            if HTTPHeaders.equalsIgnoringCase(last, "chunked") {
                return fail(HTTPError(.lengthRequired, "chunked uploads are not supported: send the body with a Content-Length header"))
            }
            return fail(HTTPError(.notImplemented, "Transfer-Encoding \(codings.joined(separator: ", ")) is not supported: send the body with a Content-Length header"))
        }
        var length = 0
        if lengths.count > 1 {
            return fail(HTTPError(.badRequest, "more than one Content-Length header"))
        }
        if let text = lengths.first {
            guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy(isDigit), let value = Int(text) else {
                return fail(HTTPError(.badRequest, "Content-Length must be one non-negative decimal number, not '\(text.prefix(40))'"))
            }
            length = value
        }
        if length > limits.maxBodyBytes {
            return fail(HTTPError(.payloadTooLarge, "the body is \(length) bytes; the limit is \(limits.maxBodyBytes) bytes"))
        }
        var expectsContinue = false
        if let expect = headers["Expect"] {
            guard HTTPHeaders.equalsIgnoringCase(expect.trimmingSpaces(), "100-continue") else {
                return fail(HTTPError(.expectationFailed, "only 'Expect: 100-continue' is supported"))
            }
            expectsContinue = length > 0 && head.version == .http1_1
        }
        if length == 0 {
            state = .requestLine
            return .request(makeRequest(head, body: []))
        }
        var body: [UInt8] = []
        body.reserveCapacity(length)
        state = .body(head, remaining: length, body: body)
        return expectsContinue && !hasBufferedBytes ? .continueExpected : next()
    }

    private func makeRequest(_ head: Head, body: [UInt8]) -> HTTPRequest {
        HTTPRequest(method: head.method, path: head.path, query: head.query, version: head.version, headers: head.headers, body: body)
    }
}
