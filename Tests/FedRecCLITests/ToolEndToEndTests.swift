import Testing
@testable import FedRecCLI

@Suite struct ToolEndToEndTests {
    @Test func unknownCommandExitsTwoAndListsCommands() throws {
        let run = try runBinary(["frobnicate"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("unknown command 'frobnicate'"))
        #expect(run.stdout.isEmpty)
    }

    @Test func versionPrintsAndExitsZero() throws {
        let run = try runBinary(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout == "fedrec \(FedRecTool.version)\n")
    }
}
