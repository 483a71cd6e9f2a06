import Testing
@testable import FedRecHTTP

/// Feeds `text` to a fresh parser in chunks of `chunk` bytes and collects events until it stalls.
private func parse(_ bytes: [UInt8], chunk: Int = .max, limits: HTTPRequestParser.Limits = .init()) -> [HTTPRequestParser.Event] {
    var parser = HTTPRequestParser(limits: limits)
    var events: [HTTPRequestParser.Event] = []
    var offset = 0
    // Bounded: at most one iteration per chunk plus one per produced event.
    for _ in 0...(bytes.count + 64) {
        if offset < bytes.count {
            let end = min(bytes.count, offset + max(1, min(chunk, bytes.count)))
            parser.append(Array(bytes[offset..<end]))
            offset = end
        }
        loop: for _ in 0..<64 {
            let event = parser.next()
            switch event {
            case .needMoreData: break loop
            case .failure:
                events.append(event)
                return events
            default: events.append(event)
            }
        }
        if offset >= bytes.count { break }
    }
    return events
}

private func parse(_ text: String, chunk: Int = .max, limits: HTTPRequestParser.Limits = .init()) -> [HTTPRequestParser.Event] {
    parse(Array(text.utf8), chunk: chunk, limits: limits)
}

private func requests(_ events: [HTTPRequestParser.Event]) -> [HTTPRequest] {
    events.compactMap { if case .request(let r) = $0 { r } else { nil } }
}

private func failure(_ events: [HTTPRequestParser.Event]) -> HTTPError? {
    events.compactMap { if case .failure(let e) = $0 { e } else { nil } }.first
}

@Suite struct HTTPRequestParserTests {
    @Test(arguments: [1, 3, 7, 1000])
    func parsesGetWithHeadersWhateverTheChunking(chunk: Int) throws {
        let events = parse("GET /v1/status?x=1 HTTP/1.1\r\nHost: a\r\nX-Thing:  spaced value \t\r\n\r\n", chunk: chunk)
        let request = try #require(requests(events).first)
        #expect(request.method == .get)
        #expect(request.path == "/v1/status")
        #expect(request.query == "x=1")
        #expect(request.queryParameter("x") == "1")
        #expect(request.headers["x-thing"] == "spaced value")
        #expect(request.headers["HOST"] == "a")
        #expect(request.body.isEmpty)
        #expect(request.keepAlive)
    }

    @Test(arguments: [1, 5, 4096])
    func parsesContentLengthBodyAndPipelinedRequests(chunk: Int) {
        let text = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        let reqs = requests(parse(text, chunk: chunk))
        #expect(reqs.map(\.path) == ["/a", "/b"])
        #expect(reqs.first?.body == Array("hello".utf8))
    }

    @Test func keepAliveFollowsVersionAndConnectionHeader() {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ]
        for (text, keepAlive) in cases {
            #expect(requests(parse(text)).first?.keepAlive == keepAlive, "\(text)")
        }
    }

    @Test func percentDecodesPathIntoUTF8() {
        let request = requests(parse("GET /caf%C3%A9/x%20y HTTP/1.1\r\nHost: h\r\n\r\n")).first
        #expect(request?.path == "/café/x y")
    }

    @Test func expectContinueIsReportedBeforeTheBody() {
        var parser = HTTPRequestParser()
        parser.append(Array("POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        guard case .continueExpected = parser.next() else { Issue.record("expected continueExpected"); return }
        #expect(parser.phase == .body)
        parser.append(Array("abc".utf8))
        guard case .request(let request) = parser.next() else { Issue.record("expected a request"); return }
        #expect(request.body == Array("abc".utf8))
        #expect(parser.phase == .idle)
    }

    @Test func phaseTracksWhereInTheRequestTheParserIs() {
        var parser = HTTPRequestParser()
        #expect(parser.phase == .idle)
        parser.append(Array("GET / HT".utf8))
        _ = parser.next()
        #expect(parser.phase == .head)
        parser.append(Array("TP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab".utf8))
        _ = parser.next()
        #expect(parser.phase == .body)
        #expect(parser.finish()?.code == .badRequest)
    }

    /// The malformed-request corpus: every entry must fail with the given code, never crash or hang.
    static let malformed: [(String, [UInt8], HTTPError.Code)] = [
        ("bare LF line ending", Array("GET / HTTP/1.1\nHost: h\n\n".utf8), .badRequest),
        ("bare LF in headers", Array("GET / HTTP/1.1\r\nHost: h\n\r\n".utf8), .badRequest),
        ("bare CR", Array("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("empty request line", Array("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("two spaces", Array("GET  / HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("missing version", Array("GET /\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("lowercase version", Array("GET / http/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("HTTP/2.0", Array("GET / HTTP/2.0\r\nHost: h\r\n\r\n".utf8), .httpVersionNotSupported),
        ("HTTP/0.9", Array("GET / HTTP/0.9\r\n\r\n".utf8), .httpVersionNotSupported),
        ("bad method token", Array("G(T / HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("absolute-form target", Array("GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("asterisk target", Array("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("raw non-ASCII path", Array("GET /caf".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("raw invalid UTF-8 path", Array("GET /".utf8) + [0xFF, 0xFE] + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("percent-encoded invalid UTF-8", Array("GET /%FF%FE HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("truncated percent escape", Array("GET /a%4 HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("encoded slash", Array("GET /a%2Fb HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("encoded NUL", Array("GET /a%00 HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("encoded control", Array("GET /a%0A HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("fragment", Array("GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n".utf8), .badRequest),
        ("no Host in 1.1", Array("GET / HTTP/1.1\r\n\r\n".utf8), .badRequest),
        ("two Hosts", Array("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".utf8), .badRequest),
        ("header without colon", Array("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n".utf8), .badRequest),
        ("space before colon", Array("GET / HTTP/1.1\r\nHost : h\r\n\r\n".utf8), .badRequest),
        ("empty header name", Array("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n".utf8), .badRequest),
        ("obs-fold", Array("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  b\r\n\r\n".utf8), .badRequest),
        ("control in value", Array("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1}b\r\n\r\n".utf8), .badRequest),
        ("invalid UTF-8 value", Array("GET / HTTP/1.1\r\nHost: h\r\nX: ".utf8) + [0xC3, 0x28] + Array("\r\n\r\n".utf8), .badRequest),
        ("duplicate Content-Length", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na".utf8), .badRequest),
        ("conflicting Content-Length", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".utf8), .badRequest),
        ("Content-Length list", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\na".utf8), .badRequest),
        ("negative Content-Length", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n".utf8), .badRequest),
        ("plus Content-Length", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\na".utf8), .badRequest),
        ("hex Content-Length", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n".utf8), .badRequest),
        ("empty Content-Length", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n".utf8), .badRequest),
        ("overflowing Content-Length", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n".utf8), .badRequest),
        ("chunked upload", Array("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8), .lengthRequired),
        ("gzip transfer coding", Array("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n".utf8), .notImplemented),
        ("TE with CL", Array("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello".utf8), .badRequest),
        ("body over the limit", Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n".utf8), .payloadTooLarge),
        ("unknown expectation", Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\nContent-Length: 1\r\n\r\na".utf8), .expectationFailed),
        ("huge request line", Array("GET /".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 9000) + Array(" HTTP/1.1\r\n".utf8), .uriTooLong),
        ("endless request line", [UInt8](repeating: UInt8(ascii: "a"), count: 20000), .uriTooLong),
        ("huge header", Array("GET / HTTP/1.1\r\nHost: h\r\nX: ".utf8) + [UInt8](repeating: UInt8(ascii: "v"), count: 17000) + Array("\r\n\r\n".utf8), .headersTooLarge),
        ("endless header", Array("GET / HTTP/1.1\r\nHost: h\r\nX: ".utf8) + [UInt8](repeating: UInt8(ascii: "v"), count: 20000), .headersTooLarge),
        ("too many headers", Array(("GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X: y\r\n", count: 65) + "\r\n").utf8), .headersTooLarge),
    ]

    @Test func everyMalformedRequestFailsWithItsCodeWhateverTheChunking() {
        for (label, bytes, code) in Self.malformed {
            for chunk in [1, 7, Int.max] where !(chunk == 1 && bytes.count > 4096) {
                let error = failure(parse(bytes, chunk: chunk))
                #expect(error?.code == code, "\(label) in chunks of \(chunk): \(String(describing: error))")
                #expect(error.map { !$0.message.isEmpty } ?? false, "\(label) has no message")
            }
        }
    }

    @Test func failedParserStaysFailed() {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/2.0\r\n".utf8))
        guard case .failure = parser.next() else { Issue.record("expected failure"); return }
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        guard case .failure = parser.next() else { Issue.record("expected failure to persist"); return }
        #expect(parser.phase == .failed)
    }

    @Test func truncatedRequestIsReportedAtEndOfStream() {
        for text in ["GE", "GET / HTTP/1.1\r\nHost", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc"] {
            var parser = HTTPRequestParser()
            parser.append(Array(text.utf8))
            _ = parser.next()
            #expect(parser.finish()?.code == .badRequest, "\(text)")
        }
        var clean = HTTPRequestParser()
        #expect(clean.finish() == nil)
    }

    @Test func bodyLimitIsConfigurable() {
        let limits = HTTPRequestParser.Limits(maxBodyBytes: 4)
        #expect(failure(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", limits: limits))?.code == .payloadTooLarge)
        #expect(requests(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nhell", limits: limits)).count == 1)
    }

    @Test func deterministicGarbageNeverCrashesOrHangs() {
        // A fixed-seed LCG over a small alphabet of HTTP-significant bytes; each input is bounded.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet = Array("GET POST/ HTTP/1.1\r\n:Content-Length: 0123456789%Host\r\n\r\n".utf8) + [0, 0xFF, 0xC3]
        for _ in 0..<300 {
            var bytes: [UInt8] = []
            for _ in 0..<200 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            var parser = HTTPRequestParser(limits: .init(maxRequestLineBytes: 64, maxHeaderBytes: 128, maxBodyBytes: 64))
            parser.append(bytes)
            var steps = 0
            loop: while steps < 100 {
                steps += 1
                switch parser.next() {
                case .needMoreData, .failure: break loop
                default: continue
                }
            }
            #expect(steps < 100)
        }
    }
}
