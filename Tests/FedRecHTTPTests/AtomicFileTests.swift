import Foundation
import Testing
@testable import FedRecHTTP

@Suite struct AtomicFileTests {
    @Test func writeReplacesContentsAndLeavesNoTemporaryFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/checkpoint.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write(Array(repeating: 9, count: 100_000), to: path)
        #expect(try AtomicFile.read(path) == Array(repeating: 9, count: 100_000))
        #expect(dir.contents() == ["checkpoint.bin"])
        #expect(try AtomicFile.permissions(of: path) == 0o644)
    }

    @Test func permissionsAreExactWhateverTheUmask() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try AtomicFile.write([], to: dir.path + "/secret", permissions: 0o600)
        #expect(try AtomicFile.permissions(of: dir.path + "/secret") == 0o600)
        #expect(try AtomicFile.read(dir.path + "/secret") == [])
    }

    @Test func failuresNameThePath() throws {
        let error = #expect(throws: HTTPError.self) { try AtomicFile.write([1], to: "/nonexistent-dir-fedrec/x") }
        #expect(error?.code == .ioFailure)
        #expect(error?.message.contains("/nonexistent-dir-fedrec") == true)
        let readError = #expect(throws: HTTPError.self) { try AtomicFile.read("/nonexistent-dir-fedrec/x") }
        #expect(readError?.message.contains("/nonexistent-dir-fedrec/x") == true)
    }

    @Test func readRefusesFilesOverTheLimit() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try AtomicFile.write(Array(repeating: 0, count: 100), to: dir.path + "/f")
        #expect(throws: HTTPError.self) { try AtomicFile.read(dir.path + "/f", maxBytes: 99) }
    }

    @Test func splitFindsDirectoryAndName() {
        #expect(AtomicFile.split("a/b/c") == ("a/b", "c"))
        #expect(AtomicFile.split("c") == (".", "c"))
        #expect(AtomicFile.split("/c") == ("/", "c"))
    }
}
