/// Builds a markdown document (GitHub-flavoured) block by block: headings, paragraphs, parameter lists,
/// tables, images and code blocks. Blocks are separated by one blank line; ``render()`` joins them.
///
///     var report = MarkdownReport()
///     report.heading("Privacy/accuracy sweep: synthetic-quick")
///     report.parameters([("privacy unit", "user"), ("δ", "1e-6"), ("accountant", "PLD")])
///     report.table(resultsTable)
///     report.image("RMSE vs ε", path: "rmse-vs-epsilon.svg")
///     try report.render().write(toFile: out + "/report.md", atomically: true, encoding: .utf8)
public struct MarkdownReport: Sendable, Hashable {
    /// The blocks so far, each rendered without a trailing blank line.
    public private(set) var blocks: [String] = []

    /// Creates an empty report.
    public init() {}

    /// Adds a heading (`#` × `level`); line breaks in `text` become spaces.
    /// - Precondition: `level` is in 1...6.
    public mutating func heading(_ text: String, level: Int = 1) {
        precondition((1...6).contains(level), "markdown heading levels are 1...6")
        blocks.append(String(repeating: "#", count: level) + " " + Self.singleLine(text))
    }

    /// Adds a paragraph of markdown text, written as given (so `*emphasis*` and links work).
    public mutating func paragraph(_ text: String) {
        blocks.append(text.trimmingCharacters(in: .newlines))
    }

    /// Adds a bulleted list of key–value pairs, `- **key**: value`, in the given order: the run's
    /// parameters (privacy unit, δ, accountant, q, T, C, trust model, data set, split…) for reproduction.
    /// Line breaks in keys and values become spaces.
    public mutating func parameters(_ items: [(key: String, value: String)]) {
        guard !items.isEmpty else { return }
        blocks.append(items.map { "- **\(Self.singleLine($0.key))**: \(Self.singleLine($0.value))" }.joined(separator: "\n"))
    }

    /// Adds a bulleted list; line breaks inside an item become spaces.
    public mutating func bulletList(_ items: [String]) {
        guard !items.isEmpty else { return }
        blocks.append(items.map { "- " + Self.singleLine($0) }.joined(separator: "\n"))
    }

    /// Adds a table (see ``MarkdownTable``).
    public mutating func table(_ table: MarkdownTable) {
        blocks.append(String(table.render().dropLast()))
    }

    /// Adds an image, `![alt](path)`, e.g. a chart written next to the report. Brackets in the alt text
    /// are escaped; spaces, parentheses and other unsafe characters in the path are percent-encoded.
    public mutating func image(_ altText: String, path: String) {
        var alt = ""
        for character in Self.singleLine(altText) {
            if character == "[" || character == "]" || character == "\\" { alt.append("\\") }
            alt.append(character)
        }
        blocks.append("![\(alt)](\(Self.encodePath(path)))")
    }

    /// Adds a fenced code block (for commands that reproduce the run); the fence is made longer than any
    /// run of backticks inside `code`.
    public mutating func codeBlock(_ code: String, language: String = "") {
        var longest = 0, current = 0
        for character in code {
            current = character == "`" ? current + 1 : 0
            longest = max(longest, current)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        blocks.append(fence + Self.singleLine(language) + "\n" + code.trimmingCharacters(in: .newlines) + "\n" + fence)
    }

    /// The whole document: blocks separated by blank lines, ending in one newline (empty if no blocks).
    public func render() -> String {
        blocks.isEmpty ? "" : blocks.joined(separator: "\n\n") + "\n"
    }

    private static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    private static func encodePath(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let safe = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-._~/:#?=&+,%".utf8.contains(byte)
            if safe {
                out.append(Character(Unicode.Scalar(byte)))
            } else {
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
