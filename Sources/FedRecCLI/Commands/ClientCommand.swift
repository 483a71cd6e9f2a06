import FedRecPrivacy
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

            Privacy floor: --min-noise-multiplier, --max-clip, --min-updates, --require-own-noise and \
            --max-server-epsilon make the client check the server's published plan before it sends \
            anything (and again after every server restart). A plan below the floor ends the client \
            with exit status 1 and the requirement it fails; no update is sent. --max-server-epsilon \
            bounds what the server itself can learn over the planned rounds (z/√m per update under \
            distributed trust, z under local trust; no sampling amplification: the server knows who \
            took part), at --server-delta.

            Exit status: 0 when the run finished or the privacy budget ended it (its planned end; the \
            reason is printed); 1 when the server stopped the run for another reason (the model \
            diverged, a ledger or checkpoint failure: the outcome is still printed, evaluated on the \
            last released model, then the reason), when the plan is below the floor, or when the \
            server stays unreachable longer than --max-outage. A graceful server shutdown is waited \
            out as an outage (the server is expected to restart).
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
            OptionSpec("min-noise-multiplier", .double(.positive), valueName: "Z", help: "Refuse plans whose noise multiplier z is below Z."),
            OptionSpec("max-clip", .double(.positive), valueName: "C", help: "Refuse plans whose clip bound is above C."),
            OptionSpec("min-updates", .int(1...Int.max), valueName: "M", help: "Refuse plans releasing aggregates of fewer than M updates (local trust counts as 1)."),
            .flag("require-own-noise", help: "Refuse plans where this client adds no noise itself (non-private, central trust, aggregate placement)."),
            OptionSpec("max-server-epsilon", .double(.positive), valueName: "E", help: "Refuse plans letting the server itself learn more than ε = E over the planned rounds."),
            OptionSpec("server-delta", .double(.openUnit), valueName: "D", default: "1e-5", help: "δ of --max-server-epsilon."),
            .flag("json", help: "Print one JSON object on stdout at the end."),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let url = try arguments.required(string: "server")
        let requirements = try Self.requirements(arguments)
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
        var runner = ClientRunner(
            serverURL: url, shard: shard, seed: arguments.int("seed").map(UInt64.init), seededNoise: arguments.flag("seeded-noise"),
            threads: arguments.int("threads")!, evaluate: !arguments.flag("no-eval"),
            maxOutage: .milliseconds(Int64(arguments.double("max-outage")! * 1000)), log: { console.note("fedrec client: \($0)") })
        runner.userStatePath = Self.userStatePath(forData: try arguments.required(string: "data"))
        runner.requirements = requirements.isEmpty ? nil : requirements
        let outcome = try runner.run()
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
        if let reason = outcome.stopReason {
            guard outcome.endedAsPlanned else { throw CLIError("the server stopped the run: \(reason)") }
            console.note("fedrec client: the run ended: \(reason)")
        }
    }

    /// The privacy floor the options describe (empty when none is given).
    static func requirements(_ arguments: ParsedArguments) throws -> ClientPrivacyRequirements {
        if arguments.isSet("server-delta") && !arguments.isSet("max-server-epsilon") {
            throw UsageError("--server-delta applies to --max-server-epsilon; give both", command: spec.invocation)
        }
        do {
            return try ClientPrivacyRequirements(
                minimumNoiseMultiplier: arguments.double("min-noise-multiplier"), maximumClipBound: arguments.double("max-clip"),
                minimumUpdates: arguments.int("min-updates"), requireOwnNoise: arguments.flag("require-own-noise"),
                maximumServerViewEpsilon: arguments.double("max-server-epsilon"), delta: arguments.double("server-delta")!)
        } catch let error as PrivacyError {
            throw UsageError(error.message, command: spec.invocation)
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
