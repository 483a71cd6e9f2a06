import FedRecHTTP
import Foundation
import Testing
@testable import FedRecServer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ClientTokensTests {
    @Test func generatedTokensAre256BitHexAndDistinct() {
        let tokens = ClientTokens.generate(clientIDs: (0..<50).map { "client-\($0)" })
        #expect(tokens.entries.count == 50)
        #expect(tokens.entries.allSatisfy { $0.token.utf8.count == 64 && ClientTokens.isValidToken($0.token) })
        #expect(Set(tokens.entries.map(\.token)).count == 50)
    }

    @Test func seededGenerationIsReproducibleAndSystemGenerationIsNot() {
        var a = TestGenerator(seed: 1)
        var b = TestGenerator(seed: 1)
        #expect(ClientTokens.generate(clientIDs: ["x"], using: &a) == ClientTokens.generate(clientIDs: ["x"], using: &b))
        #expect(ClientTokens.generate(clientIDs: ["x"]) != ClientTokens.generate(clientIDs: ["x"]))
    }

    @Test func fileIsWrittenWithMode0600AndLoadsBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/tokens"
        let tokens = ClientTokens.generate(clientIDs: ["alice", "bob.2", "c_3-x"])
        try tokens.write(to: path)
        #expect(try AtomicFile.permissions(of: path) == 0o600)
        #expect(try ClientTokens.load(from: path) == tokens)
        #expect(dir.contents() == ["tokens"])
    }

    @Test func loadRefusesAFileOthersCanRead() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/tokens"
        try ClientTokens.generate(clientIDs: ["a"]).write(to: path)
        chmod(path, 0o644)
        let error = #expect(throws: ServerError.self) { try ClientTokens.load(from: path) }
        #expect(error?.code == .invalidTokenFile)
        #expect(error?.message.contains("chmod 600") == true)
    }

    @Test(arguments: [
        ("a", "line 1"),
        ("a " + String(repeating: "0", count: 63), "64 lowercase hex"),
        ("a " + String(repeating: "A", count: 64), "64 lowercase hex"),
        ("bad/id " + String(repeating: "0", count: 64), "client id"),
        ("a " + String(repeating: "0", count: 64) + "\na " + String(repeating: "1", count: 64), "appears twice"),
        ("a " + String(repeating: "0", count: 64) + "\nb " + String(repeating: "0", count: 64), "another client's token"),
        ("# ok\n\na " + String(repeating: "0", count: 64) + " extra", "line 3"),
    ])
    func malformedFilesNameTheLineAndProblem(text: String, expected: String) {
        let error = #expect(throws: ServerError.self) { try ClientTokens.parse(text, source: "t") }
        #expect(error?.code == .invalidTokenFile)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test func authenticatorAcceptsOnlyKnownTokens() throws {
        var generator = TestGenerator(seed: 7)
        let tokens = ClientTokens.generate(clientIDs: (0..<100).map { "c\($0)" }, using: &generator)
        let auth = BearerAuthenticator(tokens: tokens)
        for entry in tokens.entries {
            #expect(auth.clientID(forToken: entry.token) == entry.clientID)
        }
        let known = tokens.entries[5].token
        // Same first 128 bits, different last byte: found in the index, refused by the full comparison.
        let nearMiss = String(known.dropLast(2)) + (known.hasSuffix("00") ? "01" : "00")
        #expect(auth.clientID(forToken: nearMiss) == nil)
        #expect(auth.clientID(forToken: known.uppercased()) == nil)  // exact text only (issue #16): upper case is another token
        #expect(auth.clientID(forToken: String(repeating: "0", count: 64)) == nil)
        #expect(auth.clientID(forToken: "short") == nil)
        #expect(auth.clientID(forToken: String(repeating: "z", count: 64)) == nil)
    }

    @Test func authenticateRequestMaps401() throws {
        let tokens = ClientTokens.generate(clientIDs: ["alice"])
        let auth = BearerAuthenticator(tokens: tokens)
        let good = HTTPRequest(method: .get, path: "/v1/model", headers: ["Authorization": "Bearer \(tokens.entries[0].token)"])
        #expect(try auth.authenticate(good) == "alice")
        for headers: HTTPHeaders in [[:], ["Authorization": "Bearer nope"], ["Authorization": "Basic \(tokens.entries[0].token)"]] {
            let error = #expect(throws: ServerError.self) { try auth.authenticate(HTTPRequest(method: .get, path: "/", headers: headers)) }
            #expect(error?.status == 401)
            #expect(HTTPResponse.error(error!).headers["WWW-Authenticate"] == "Bearer realm=\"fedrec\"")
        }
    }

    @Test func constantTimeEqualityComparesWholeArrays() {
        #expect(BearerAuthenticator.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!BearerAuthenticator.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!BearerAuthenticator.constantTimeEqual([0, 2, 3], [1, 2, 3]))
        #expect(!BearerAuthenticator.constantTimeEqual([1, 2], [1, 2, 3]))
    }
}
