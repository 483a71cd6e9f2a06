import FedRecData
import FedRecExperiments
import FedRecServer

/// `fedrec shard`: splits a data set into per-process client shards for `fedrec client`, so each
/// client process holds only its own users' histories (and their tokens).
public enum ShardCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["shard"],
        summary: "Split data into per-process client shards (each user's history + token) for fedrec client.",
        discussion: """
            Users map to tokens in order: user k (dense index, first-seen order in the file) is line k of \
            the token file (create it with fedrec tokens --clients N, N = the number of users). The held-out \
            part is the same split simulate uses for --seed, so a served run is evaluated like a simulated one. \
            Serve with the same --data so the server's model has the data's item count. \
            With --model neumf the shards hold implicit feedback split leave-one-out, as simulate --model neumf \
            splits it (each user's latest interaction held out; --implicit-threshold R keeps ratings ≥ R).
            """,
        options: DataOptions.specs + NeuMFRuns.specs + [
            OptionSpec("model", .choice(["mf", "neumf"]), valueName: "NAME", default: "mf",
                       help: "Split for MF (explicit ratings, --holdout) or NeuMF (implicit, leave-one-out)."),
            OptionSpec("tokens", .string, valueName: "FILE", help: "Token file from fedrec tokens (one line per user, in user order)."),
            OptionSpec("processes", .int(1...100_000), valueName: "P", default: "1", help: "Number of shards (client processes)."),
            OptionSpec("out", .string, valueName: "DIR", help: "Folder to write shard-0 … shard-(P−1) into."),
            OptionSpec("holdout", .double(Bounds(lower: 0, lowerOpen: true, upper: 0.9)), valueName: "F", default: "0.1",
                       help: "Fraction of each user's ratings held out for the final evaluation."),
            OptionSpec("seed", .int(0...Int.max), valueName: "S", default: "42", help: "Seed of the split (as in simulate)."),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let tokens = try ClientTokens.load(from: try arguments.required(string: "tokens"))
        let out = try OutputFolder(path: try arguments.required(string: "out"))
        let input = try DataOptions.load(arguments)
        let split: DataSplit
        if arguments.string("model") == "neumf" {
            if arguments.isSet("holdout") { throw UsageError("--holdout applies to --model mf; NeuMF holds out each user's latest interaction", command: spec.invocation) }
            split = NeuMFExperiment.leaveOneOut(input.dataset, threshold: arguments.double("implicit-threshold").map(Float.init))
        } else {
            split = try ModelOptions.split(input.dataset, arguments, seed: UInt64(arguments.int("seed")!))
        }
        guard tokens.entries.count == split.train.userCount else {
            throw CLIError("the token file lists \(tokens.entries.count) clients but the data has \(split.train.userCount) users: create it with fedrec tokens --clients \(split.train.userCount)")
        }
        let processes = arguments.int("processes")!
        guard processes <= split.train.userCount else {
            throw UsageError("--processes is \(processes) but there are only \(split.train.userCount) users", command: spec.invocation)
        }
        for (p, shard) in ClientShard.split(train: split.train, heldOut: split.test, tokens: tokens, processes: processes).enumerated() {
            try shard.write(to: out.url("shard-\(p)").path)
        }
        console.print("wrote \(processes) shard(s) of \(split.train.userCount) users, \(input.dataset.itemCount) items to \(out.path)")
    }
}
