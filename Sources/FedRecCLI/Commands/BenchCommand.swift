import Foundation

/// `fedrec bench`: the standard performance figures, so anyone can reproduce them.
public enum BenchCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["bench"],
        summary: "Standard performance figures (parse, SGD/ALS, federated rounds, accountants, noise, HTTP).",
        discussion: """
            Build in release first: swift run -c release fedrec bench. Each figure is the median of \
            --repetitions runs after one warm-up, on built-in synthetic data of the reference sizes \
            (ML-1M: 6,040 users, 3,706 items, ~1M ratings). Peak memory is the process's.
            """,
        options: [
            OptionSpec("only", .string, valueName: "GROUPS", help: "Comma-separated groups: " + BenchSuite.groups.joined(separator: ", ") + " (default: all)."),
            OptionSpec("repetitions", .int(1...1000), valueName: "N", default: "5", help: "Timed repetitions per figure."),
            .flag("quick", help: "Small sizes, no targets: a smoke test of the benchmark code."),
            .flag("json", help: "Print one JSON object on stdout."),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let only = Set((arguments.string("only") ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        for g in only where !BenchSuite.groups.contains(g) {
            throw UsageError("'--only' got unknown group '\(g)'; groups: " + BenchSuite.groups.joined(separator: ", "), command: spec.invocation)
        }
        let json = arguments.flag("json")
        if _isDebugAssertConfiguration() {
            console.note("warning: this is a debug build; figures are meaningless. Run: swift run -c release fedrec bench")
        }
        let results = try BenchSuite.run(only: only, quick: arguments.flag("quick"), repetitions: arguments.int("repetitions")!) { line in
            if json { console.note(line) } else { console.print(line) }
        }
        let peak = ProcessMemory.peakResidentBytes()
        if json {
            var o = JSONObjectBuilder()
            o.set("benchmarks", .array(results.map { m in
                var b = JSONObjectBuilder()
                b.set("name", m.name)
                b.set("description", m.description)
                b.set("median_seconds", m.seconds)
                b.set("best_seconds", m.best)
                b.set("repetitions", m.repetitions)
                b.set("target_seconds", m.target)
                b.set("meets_target", m.meetsTarget)
                return b.value
            }))
            o.set("peak_memory_bytes", peak.map { .int($0) } ?? .null)
            o.set("cores", ProcessInfo.processInfo.activeProcessorCount)
            console.print(o.value.serialized())
        } else if let peak {
            console.print(String(format: "peak memory %.0f MB; %d cores", Double(peak) / 1e6, ProcessInfo.processInfo.activeProcessorCount))
        }
    }
}
