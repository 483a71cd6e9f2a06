import FedRecHTTP
import Testing
@testable import FedRecServer

@Suite struct CheckpointArchiveTests {
    static let archive = CheckpointArchive(sections: [
        .init(name: "model", bytes: (0..<1000).map { UInt8($0 % 251) }),
        .init(name: "ledger.json", bytes: Array("{\"rounds\":3}".utf8)),
        .init(name: "empty", bytes: []),
    ])

    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum(Array("6789".utf8), continuing: CRC32C.checksum(Array("12345".utf8))) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func roundTripsThroughAFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/state.frck"
        #expect(try CheckpointArchive.load(from: path) == nil)
        try Self.archive.write(to: path)
        let loaded = try #require(try CheckpointArchive.load(from: path))
        #expect(loaded == Self.archive)
        #expect(loaded["ledger.json"] == Array("{\"rounds\":3}".utf8))
        #expect(try AtomicFile.permissions(of: path) == 0o600)
    }

    @Test func everySingleByteCorruptionIsDetected() {
        let bytes = Self.archive.encoded()
        for position in stride(from: 0, to: bytes.count, by: 7) {
            var damaged = bytes
            damaged[position] ^= 0x10
            let error = #expect(throws: ServerError.self) { try CheckpointArchive.decode(damaged) }
            #expect(error?.code == .corruptCheckpoint, "byte \(position)")
        }
    }

    @Test func truncationIsDetectedAndTheMessageSaysWhatToDo() {
        let bytes = Self.archive.encoded()
        for cut in [0, 3, 15, 40, bytes.count / 2, bytes.count - 1] {
            let error = #expect(throws: ServerError.self) { try CheckpointArchive.decode(Array(bytes.prefix(cut)), source: "state.frck") }
            #expect(error?.message.hasPrefix("state.frck is corrupt") == true)
            #expect(error?.message.contains("privacy budget") == true)
        }
    }
}
