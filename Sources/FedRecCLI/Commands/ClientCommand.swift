import FedRecServer
import Foundation

/// `fedrec client`: one client process (one user or a shard of users) of a `fedrec serve` federation.
public enum ClientCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["client"],
        summary: "Take part in a federation: check in, fetch, train locally, clip + noise, submit.",
        discussion: """
            --data is a shard directory (one <client-id>.json per user: its token, item indices as the \
            server numbers them, ratings and held-out ratings) or one user file. Each user is a separate \
            client. --token/--token-file override the token of a single-user file. The model (MF or NeuMF) \
            comes from the server's plan. Loops until the server reports the run finished, retrying with \
            backoff while it is unreachable, then evaluates the users' held-out data locally (MF: rating \
            errors; NeuMF: HR@10/NDCG@10 of the held-out items; only sums are printed). User embeddings \
            persist in user-state.json beside the data when the plan keeps user state.
            """,
        options: [
            OptionSpec("server", .string, valueName: "URL", help: "Server, http://HOST:PORT."),
            OptionSpec("token", .string, valueName: "TOKEN", help: "Bearer token (single-user data)."),
            OptionSpec("token-file", .string, valueName: "FILE", help: "File holding the bearer token (single-user data)."),
            OptionSpec("data", .string, valueName: "PATH", help: "Shard directory or user file."),
            OptionSpec("seed", .int(0...Int.max), valueName: "S", help: "Seeded local training (simulations; default: system randomness)."),
            .flag("seeded-noise", help: "Draw privacy noise from the seeded generator (simulations only: NOT private)."),
            OptionSpec("threads", .int(1...1024), valueName: "N", default: "1", help: "Threads for local training."),
            OptionSpec("max-outage", .double(.positive), valueName: "SECONDS", default: "120", help: "Give up after the server is unreachable this long."),
            .flag("no-eval", help: "Skip the final held-out scoring."),
            .flag("json", help: "Print one JSON object on stdout at the end."),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let url = try arguments.required(string: "server")
        var shard = try ClientShard.load(from: try arguments.required(string: "data"))
        var token = arguments.string("token")
        if let file = arguments.string("token-file") {
            if token != nil { throw UsageError("give --token or --token-file, not both", command: spec.invocation) }
            guard let text = FileManager.default.contents(atPath: file).flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw CLIError("cannot read the token file \(file)")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let token {
            guard shard.users.count == 1 else { throw UsageError("--token applies to single-user data; \(shard.users.count) users carry their own tokens", command: spec.invocation) }
            shard.users[0].token = token
        }
        if arguments.flag("seeded-noise") && !arguments.isSet("seed") {
            throw UsageError("--seeded-noise needs --seed", command: spec.invocation)
        }
        let runner = ClientRunner(
            serverURL: url, shard: shard, seed: arguments.int("seed").map(UInt64.init), seededNoise: arguments.flag("seeded-noise"),
            threads: arguments.int("threads")!, evaluate: !arguments.flag("no-eval"),
            maxOutage: .milliseconds(Int64(arguments.double("max-outage")! * 1000)), log: { console.note("fedrec client: \($0)") })
        var stateful = runner
        stateful.userStatePath = Self.userStatePath(forData: try arguments.required(string: "data"))
        let outcome = try stateful.run()
        if arguments.flag("json") {
            console.print(outcome.jsonLine())
        } else {
            var line = "fedrec client: \(shard.users.count) users; joined \(outcome.roundsJoined) rounds, \(outcome.updatesSubmitted) updates accepted, \(outcome.updatesRefused) refused; run \(outcome.endState)"
            if let e = outcome.evaluation, e.count > 0 { line += String(format: "; held-out rmse %.4f over %d ratings", e.rmse, e.count) }
            if let full = outcome.ranking?.first, full.userCount > 0, full.cutoffs.contains(10) {
                line += String(format: "; HR@10 %.4f, NDCG@10 %.4f over %d users (full ranking)", full.hitRate(at: 10), full.ndcg(at: 10), full.userCount)
            }
            console.print(line)
        }
    }

    /// Where a client keeps its users' local state: `user-state.json` inside a shard directory,
    /// or beside a single-user file.
    static func userStatePath(forData path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return (path as NSString).appendingPathComponent("user-state.json")
        }
        return path + ".user-state.json"
    }
}
