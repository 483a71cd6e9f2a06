import Foundation

/// The `fedrec` command-line tool: finds the subcommand, parses its options and runs it.
public enum FedRecTool {
    /// The tool's version.
    public static let version = "0.1.0"

    /// Every subcommand, in the order `fedrec --help` lists them.
    public static var commands: [any FedRecCommand.Type] {
        [
            SimulateCommand.self, SweepCommand.self, BaselineCommand.self, DataStatsCommand.self,
            PrivacyEpsilonCommand.self, PrivacyCalibrateCommand.self, ServeCommand.self, ClientCommand.self,
            TokensCommand.self, ShardCommand.self, BenchCommand.self,
        ]
    }

    /// Runs the tool on `arguments` (without the program name) and returns the exit status:
    /// 0 on success, 1 on a runtime failure, 2 on a usage error.
    public static func run(_ arguments: [String], console: Console = .standard()) -> Int32 {
        if arguments.isEmpty || arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            console.print(overview)
            return arguments.isEmpty ? 2 : 0
        }
        if arguments == ["--version"] {
            console.print("fedrec \(version)")
            return 0
        }
        // The longest command path that prefixes the arguments.
        let match = commands
            .filter { arguments.starts(with: $0.spec.path) }
            .max { $0.spec.path.count < $1.spec.path.count }
        guard let command = match else {
            let groups = commands.filter { $0.spec.path.first == arguments[0] }
            if !groups.isEmpty {
                let subs = groups.map { $0.spec.path.dropFirst().joined(separator: " ") }.joined(separator: ", ")
                let given = arguments.count > 1 ? "unknown subcommand '\(arguments[1])'" : "missing subcommand"
                return fail(UsageError("\(given) for '\(arguments[0])'; choose one of: \(subs)", command: "fedrec \(arguments[0])"), console)
            }
            return fail(UsageError("unknown command '\(arguments[0])'; commands: " + commands.map { $0.spec.path[0] }.uniqued().joined(separator: ", ")), console)
        }
        do {
            let parsed = try ParsedArguments(Array(arguments.dropFirst(command.spec.path.count)), spec: command.spec)
            if parsed.helpRequested {
                console.print(command.spec.helpText)
                return 0
            }
            try command.run(parsed, console: console)
            return 0
        } catch {
            return fail(error, console)
        }
    }

    private static func fail(_ error: any Error, _ console: Console) -> Int32 {
        if let usage = error as? UsageError {
            console.note(usage.description)
            return 2
        }
        console.note("error: \(error)")
        return 1
    }

    /// The top-level help: what FedRec is and the command list.
    static var overview: String {
        var lines = [
            "fedrec \(version): federated, differentially private recommenders.",
            "",
            "USAGE: fedrec <command> [options]     (fedrec <command> --help for its options)",
            "",
            "COMMANDS:",
        ]
        for c in commands {
            let name = c.spec.path.joined(separator: " ")
            lines.append("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0) + c.spec.summary)
        }
        return lines.joined(separator: "\n")
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
