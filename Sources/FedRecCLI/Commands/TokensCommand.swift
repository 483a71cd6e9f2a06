import FedRecHTTP
import FedRecServer
import Foundation

/// `fedrec tokens`: creates the per-client bearer tokens `fedrec serve` authenticates clients with.
public enum TokensCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["tokens"],
        summary: "Create per-client bearer tokens (256-bit, file mode 0600) for fedrec serve.",
        discussion: """
            Writes one line per client, CLIENT_ID TOKEN. The order of the file is the order of the \
            population (client k is user k). Give --clients N for ids PREFIX0000000…, or --ids a,b,c. \
            Tokens are secrets: hand each client only its own.
            """,
        options: [
            OptionSpec("clients", .int(1...10_000_000), valueName: "N", help: "Number of clients (ids PREFIX0000000 …)."),
            OptionSpec("ids", .string, valueName: "LIST", help: "Comma-separated client ids instead of --clients."),
            OptionSpec("prefix", .string, valueName: "TEXT", default: "user-", help: "Id prefix for --clients."),
            OptionSpec("out", .string, valueName: "FILE", help: "Token file to create (refuses to replace one)."),
            .flag("force", help: "Replace an existing token file (every client needs its new token)."),
            .flag("json", help: "Print {\"clients\": N, \"path\": FILE} on stdout."),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let out = try arguments.required(string: "out")
        var ids: [String]
        if let list = arguments.string("ids") {
            if arguments.isSet("clients") { throw UsageError("give --clients or --ids, not both", command: spec.invocation) }
            ids = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } else {
            let n = try arguments.required(int: "clients")
            let prefix = arguments.string("prefix")!
            ids = (0..<n).map { prefix + String(format: "%07d", $0) }
        }
        guard !ids.isEmpty else { throw UsageError("no client ids given", command: spec.invocation) }
        if let bad = ids.first(where: { !ClientTokens.isValidClientID($0) }) {
            throw UsageError("client id '\(bad)' must be 1…128 characters of A-Z a-z 0-9 . _ -", command: spec.invocation)
        }
        guard Set(ids).count == ids.count else { throw UsageError("client ids must be distinct", command: spec.invocation) }
        if FileManager.default.fileExists(atPath: out) && !arguments.flag("force") {
            throw CLIError("\(out) already exists; a running federation's tokens are never replaced silently (use --force to issue new ones)")
        }
        try ClientTokens.generate(clientIDs: ids).write(to: out)
        if arguments.flag("json") {
            console.print("{\"clients\":\(ids.count),\"path\":\(HTTPResponse.jsonString(out))}")
        } else {
            console.print("wrote \(ids.count) client tokens to \(out) (mode 0600)")
        }
    }
}
