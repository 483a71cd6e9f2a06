/// The declaration of one subcommand: its words, summary, options and a longer description.
public struct CommandSpec: Sendable {
    /// The words that select it, e.g. `["privacy", "epsilon"]`.
    public var path: [String]
    /// One line for the command list.
    public var summary: String
    /// Extra paragraphs for `--help`.
    public var discussion: String
    /// The options it accepts (`--help` is implicit).
    public var options: [OptionSpec]

    /// Declares a command.
    public init(_ path: [String], summary: String, discussion: String = "", options: [OptionSpec]) {
        self.path = path
        self.summary = summary
        self.discussion = discussion
        self.options = options
    }

    /// The command as typed, e.g. `fedrec privacy epsilon`.
    public var invocation: String { (["fedrec"] + path).joined(separator: " ") }

    /// The option named `name`, if declared.
    public func option(named name: String) -> OptionSpec? { options.first { $0.name == name } }

    /// The `--help` text: usage, summary, and every option with its default and allowed range.
    public var helpText: String {
        var lines = ["USAGE: \(invocation) [options]", "", summary]
        if !discussion.isEmpty { lines += ["", discussion] }
        lines += ["", "OPTIONS:"]
        let rows = options.map { o -> (String, String) in
            let left = o.kind.isFlag ? "--\(o.name)" : "--\(o.name) \(o.valueName)"
            var right = o.help
            var details: [String] = []
            if let d = o.defaultValue { details.append("default: \(d)") }
            if !o.kind.isFlag, !o.kind.isString { details.append(o.allowedDescription) }
            if !details.isEmpty { right += " (" + details.joined(separator: "; ") + ")" }
            return (left, right)
        } + [("--help", "Show this help and exit.")]
        let width = min(34, (rows.map(\.0.count).max() ?? 0) + 2)
        for (left, right) in rows {
            if left.count + 2 > width {
                lines.append("  " + left)
                lines.append("  " + String(repeating: " ", count: width) + right)
            } else {
                lines.append("  " + left.padding(toLength: width, withPad: " ", startingAt: 0) + right)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension OptionSpec.Kind {
    var isFlag: Bool { if case .flag = self { return true } else { return false } }
    var isString: Bool { if case .string = self { return true } else { return false } }
}
