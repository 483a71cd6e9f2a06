/// A GitHub-flavoured markdown table whose source is aligned, so it reads well as plain text too.
///
/// Cells are padded to the widest cell of their column (counting characters, so `ε` and `±` count one),
/// the delimiter row carries the alignment (`:---`, `---:`, `:---:`), `|` inside a cell is escaped as
/// `\|` and line breaks become spaces, so a cell can never break the table.
///
///     var table = MarkdownTable(columns: [.init("ε"), .init("RMSE", alignment: .right)])
///     table.append(["1", "0.9512 ± 0.0031"])
///     table.render()
///     // | ε   |            RMSE |
///     // | :-- | --------------: |
///     // | 1   | 0.9512 ± 0.0031 |
public struct MarkdownTable: Sendable, Hashable {
    /// How the cells of a column are aligned.
    public enum Alignment: Sendable, Hashable {
        /// Left-aligned (text).
        case left
        /// Centred.
        case center
        /// Right-aligned (numbers).
        case right
    }

    /// A column: its header text and alignment.
    public struct Column: Sendable, Hashable {
        /// The header text.
        public var title: String
        /// The alignment of the column.
        public var alignment: Alignment

        /// Creates a column.
        public init(_ title: String, alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    /// The columns, in order.
    public let columns: [Column]
    /// The rows, one cell per column, unescaped.
    public private(set) var rows: [[String]] = []

    /// Creates an empty table.
    /// - Precondition: at least one column.
    public init(columns: [Column]) {
        precondition(!columns.isEmpty, "a markdown table needs at least one column")
        self.columns = columns
    }

    /// Appends a row of cells (plain text; escaping happens when rendering).
    /// - Precondition: `cells.count == columns.count`.
    public mutating func append(_ cells: [String]) {
        precondition(cells.count == columns.count, "row has \(cells.count) cells but the table has \(columns.count) columns")
        rows.append(cells)
    }

    /// Renders the table: header, delimiter and rows, each line ending in a newline.
    public func render() -> String {
        let header = columns.map { Self.escape($0.title) }
        let body = rows.map { $0.map(Self.escape) }
        let widths = columns.indices.map { column in
            max(3, ([header[column]] + body.map { $0[column] }).map(\.count).max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.indices.map { Self.pad(cells[$0], to: widths[$0], alignment: columns[$0].alignment) }
            return "| " + padded.joined(separator: " | ") + " |\n"
        }
        let delimiter = columns.indices.map { column -> String in
            let width = widths[column]
            switch columns[column].alignment {
            case .left: return ":" + String(repeating: "-", count: width - 1)
            case .right: return String(repeating: "-", count: width - 1) + ":"
            case .center: return ":" + String(repeating: "-", count: width - 2) + ":"
            }
        }
        return line(header) + "| " + delimiter.joined(separator: " | ") + " |\n" + body.map(line).joined()
    }

    /// Escapes a cell: `|` → `\|` (and a backslash before it kept literal), line breaks → spaces.
    static func escape(_ cell: String) -> String {
        var out = ""
        for character in cell {
            switch character {
            case "|": out += "\\|"
            case "\n", "\r", "\r\n": out += " "
            default: out.append(character)
            }
        }
        return out
    }

    private static func pad(_ text: String, to width: Int, alignment: Alignment) -> String {
        let missing = max(0, width - text.count)
        switch alignment {
        case .left: return text + String(repeating: " ", count: missing)
        case .right: return String(repeating: " ", count: missing) + text
        case .center:
            let left = missing / 2
            return String(repeating: " ", count: left) + text + String(repeating: " ", count: missing - left)
        }
    }
}
