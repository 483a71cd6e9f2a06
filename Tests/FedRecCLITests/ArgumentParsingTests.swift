import Foundation
import Testing
@testable import FedRecCLI

private let spec = CommandSpec(["demo"], summary: "A demo command.", options: [
    OptionSpec("rounds", .int(1...1000), valueName: "T", default: "50", help: "Training rounds."),
    OptionSpec("sampling-rate", .double(.probability), valueName: "q", default: "0.1", help: "Poisson rate."),
    OptionSpec("epsilon", .double(.positive), valueName: "E", help: "Target epsilon."),
    OptionSpec("trust", .choice(["central", "distributed", "local"]), default: "distributed", help: "Trust model."),
    OptionSpec("config", .string, valueName: "FILE", help: "JSON config."),
    .flag("json", help: "JSON output."),
])

@Suite struct ArgumentParsingTests {
    @Test func defaultsApplyWhenOptionsAreAbsent() throws {
        let args = try ParsedArguments([], spec: spec)
        #expect(args.int("rounds") == 50)
        #expect(args.double("sampling-rate") == 0.1)
        #expect(args.double("epsilon") == nil)
        #expect(args.string("trust") == "distributed")
        #expect(!args.flag("json"))
        #expect(!args.isSet("rounds"))
    }

    @Test func parsesSpaceAndEqualsFormsAndFlags() throws {
        let args = try ParsedArguments(["--rounds", "7", "--sampling-rate=1", "--json", "--epsilon", "inf"], spec: spec)
        #expect(args.int("rounds") == 7)
        #expect(args.double("sampling-rate") == 1)
        #expect(args.flag("json"))
        #expect(args.double("epsilon") == .infinity)
    }

    @Test(arguments: [
        (["--rounds", "0"], "'--rounds' got '0'; expected an integer in 1…1000"),
        (["--sampling-rate", "0"], "'--sampling-rate' got '0'; expected a number in (0, 1]"),
        (["--sampling-rate", "abc"], "'--sampling-rate' got 'abc'; expected a number in (0, 1]"),
        (["--trust", "none"], "'--trust' got 'none'; expected one of central, distributed, local"),
        (["--round", "3"], "unknown option '--round'; did you mean '--rounds'?"),
        (["--rounds"], "option '--rounds' needs a value: an integer in 1…1000"),
        (["--rounds", "3", "--rounds", "4"], "option '--rounds' was given more than once"),
        (["stray"], "unexpected argument 'stray'; options start with --"),
    ])
    func badUsageNamesTheFlagAndWhatIsAllowed(arguments: [String], message: String) {
        #expect(throws: UsageError(message, command: "fedrec demo")) {
            try ParsedArguments(arguments, spec: spec)
        }
    }

    @Test func configFileFillsOptionsTheCommandLineLeavesOpen() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-cfg-\(UUID()).json")
        try Data(#"{"rounds": 12, "sampling_rate": 0.5, "trust": "local", "json": true}"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let args = try ParsedArguments(["--config", url.path, "--rounds", "3"], spec: spec)
        #expect(args.int("rounds") == 3)
        #expect(args.double("sampling-rate") == 0.5)
        #expect(args.string("trust") == "local")
        #expect(args.flag("json"))
    }

    @Test func configFileWithUnknownKeyOrBadValueIsRefused() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-cfg-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"{"roundz": 12}"#.utf8).write(to: url)
        #expect(throws: UsageError.self) { try ParsedArguments(["--config", url.path], spec: spec) }
        try Data(#"{"rounds": 0}"#.utf8).write(to: url)
        #expect(throws: UsageError.self) { try ParsedArguments(["--config", url.path], spec: spec) }
        try Data(#"{"rounds": true}"#.utf8).write(to: url)
        #expect(throws: UsageError.self) { try ParsedArguments(["--config", url.path], spec: spec) }
    }

    @Test func helpListsEveryOptionWithDefaultAndRange() {
        let help = spec.helpText
        #expect(help.contains("USAGE: fedrec demo [options]"))
        #expect(help.contains("--rounds T"))
        #expect(help.contains("default: 50; an integer in 1…1000"))
        #expect(help.contains("default: 0.1; a number in (0, 1]"))
        #expect(help.contains("--help"))
    }
}

@Suite struct JSONValueTests {
    @Test func serializesInInsertionOrderWithEscapesAndNullForNonFinite() {
        var b = JSONObjectBuilder()
        b.set("rmse", 0.5)
        b.set("epsilon", Double.infinity)
        b.set("name", "a\"b\n")
        b.set("rounds", 3)
        b.set("list", .array([.bool(true), .null, .double(2)]))
        #expect(b.value.serialized() == #"{"rmse":0.5,"epsilon":null,"name":"a\"b\n","rounds":3,"list":[true,null,2.0]}"#)
    }

    @Test func outputParsesBackWithFoundation() throws {
        var b = JSONObjectBuilder()
        b.set("x", 1e-7)
        b.set("y", "\u{1}")
        let parsed = try JSONSerialization.jsonObject(with: Data(b.value.serialized().utf8)) as? [String: Any]
        #expect((parsed?["x"] as? Double) == 1e-7)
        #expect((parsed?["y"] as? String) == "\u{1}")
    }
}
