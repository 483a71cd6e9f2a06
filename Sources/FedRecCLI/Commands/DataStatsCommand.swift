import FedRecData

/// `fedrec data stats`: what a data set holds, before anyone trains on it.
public enum DataStatsCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["data", "stats"],
        summary: "Users, items, ratings, density, rating histogram and per-user/per-item count quantiles.",
        options: DataOptions.specs + [.flag("json", help: "Print one JSON object on stdout.")])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let input = try DataOptions.load(arguments)
        let stats = DatasetStats(input.dataset)
        if arguments.flag("json") {
            var o = JSONObjectBuilder()
            o.set("source", input.summary)
            if let r = input.report {
                o.set("lines", r.lines)
                o.set("skipped_lines", r.skippedLines)
                o.set("duplicates", r.duplicates)
            }
            o.set("stats", try JSONValue(encoding: stats))
            console.print(o.value.serialized())
        } else {
            console.print("data: \(input.summary)")
            if let r = input.report { console.print(r.description) }
            console.print(stats.description)
        }
    }
}
