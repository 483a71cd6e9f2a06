/// A delimited text layout of ratings: the separator, the order of the columns, whether a
/// header line comes first, and the rating scale values must lie in.
///
/// Every supported file format is one of these; the MovieLens formats are fixed presets
/// (``DataFormat/movieLens100K`` and friends). Build a custom one from a column spec:
///
///     let format = try DelimitedFormat(separator: ";", columns: "user,item,rating", hasHeader: true)
public struct DelimitedFormat: Sendable, Hashable {
    /// The role of one column of a delimited file.
    public enum Column: String, Sendable, Hashable, CaseIterable {
        /// The raw user id (any text without the separator).
        case user
        /// The raw item id (any text without the separator).
        case item
        /// The rating, a decimal number within the scale. Without it the data are implicit.
        case rating
        /// The time of the interaction in integer seconds. Without it every timestamp is 0.
        case timestamp
        /// A column that is read past and ignored.
        case ignore
    }

    /// What user and item ids may be.
    public enum IDKind: String, Sendable, Hashable, CaseIterable {
        /// Non-negative decimal integers of at most 18 digits (below 10¹⁸, so they fit an `Int64`),
        /// optionally in double quotes: no sign, no decimal point, no exponent. Leading zeros are
        /// allowed and ignored (`007` is `7`). The MovieLens formats' ids.
        case integer
        /// Any text without control characters, at most ``DelimitedFormat/maxIDLength`` bytes.
        case text
    }

    /// The longest text id in bytes (``IDKind/text``); longer fields are refused.
    public static let maxIDLength = 256

    /// The text between fields, e.g. `","`, `"\t"` or `"::"`; never empty.
    public var separator: String
    /// The role of each column in order; contains `user` and `item` exactly once each.
    public var columns: [Column]
    /// Whether the first line is a header to skip.
    public var hasHeader: Bool
    /// The scale ratings must lie in; a rating outside it is an error.
    public var scale: RatingScale
    /// What ids may be: ``IDKind/integer`` for the MovieLens presets, ``IDKind/text`` (the default)
    /// for a generic file unless asked otherwise.
    public var ids: IDKind = .text

    /// The scale a delimited file gets when none is given: 0.5…5 covers both MovieLens star scales.
    public static let defaultScale = RatingScale(min: 0.5, max: 5)

    /// Creates a format from column roles.
    /// - Parameter ids: what ids may be (``IDKind/text`` keeps any text id).
    /// - Throws: ``DataError/Code/invalidOptions`` if the separator is empty or contains a line
    ///   break, or if `user` or `item` is missing or repeated, or `rating`/`timestamp` is repeated.
    public init(
        separator: String, columns: [Column], hasHeader: Bool = false,
        scale: RatingScale = DelimitedFormat.defaultScale, ids: IDKind = .text
    ) throws(DataError) {
        guard !separator.isEmpty else {
            throw DataError(.invalidOptions, "the separator is empty; give the text between fields, e.g. \",\" or \"\\t\"")
        }
        guard !separator.utf8.contains(10), !separator.utf8.contains(13) else {
            throw DataError(.invalidOptions, "the separator may not contain a line break")
        }
        for role in [Column.user, .item, .rating, .timestamp] {
            let n = columns.filter { $0 == role }.count
            if n > 1 {
                throw DataError(.invalidOptions, "the column spec names '\(role.rawValue)' \(n) times; name it once")
            }
            if n == 0 && (role == .user || role == .item) {
                throw DataError(.invalidOptions, "the column spec has no '\(role.rawValue)' column; it needs at least user and item, e.g. user,item,rating,timestamp")
            }
        }
        self.separator = separator
        self.columns = columns
        self.hasHeader = hasHeader
        self.scale = scale
        self.ids = ids
    }

    /// Creates a format from a comma-separated column spec such as `"user,item,rating,timestamp"`.
    ///
    /// Names are case-insensitive; `_`, `-`, `skip` and `ignore` mark an ignored column.
    /// `rating` and `timestamp` are optional (implicit feedback and timestamp 0 when absent).
    /// - Throws: ``DataError/Code/invalidOptions`` for an unknown name or an invalid spec.
    public init(
        separator: String, columns spec: String, hasHeader: Bool = false,
        scale: RatingScale = DelimitedFormat.defaultScale, ids: IDKind = .text
    ) throws(DataError) {
        try self.init(
            separator: separator, columns: try DelimitedFormat.parseColumns(spec),
            hasHeader: hasHeader, scale: scale, ids: ids)
    }

    /// Parses a column spec such as `"user,item,rating,timestamp"` into column roles.
    /// - Throws: ``DataError/Code/invalidOptions`` naming the unknown column.
    public static func parseColumns(_ spec: String) throws(DataError) -> [Column] {
        var out: [Column] = []
        for raw in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let name = raw.trimmingSpaces().lowercased()
            switch name {
            case "user", "u", "userid", "user_id": out.append(.user)
            case "item", "i", "itemid", "item_id", "movie", "movieid", "movie_id": out.append(.item)
            case "rating", "r", "score": out.append(.rating)
            case "timestamp", "t", "time", "ts": out.append(.timestamp)
            case "_", "-", "skip", "ignore": out.append(.ignore)
            default:
                throw DataError(.invalidOptions, "unknown column '\(name)' in column spec '\(spec)'; use user, item, rating, timestamp or _ (ignore)")
            }
        }
        return out
    }

    /// The separator a command-line word stands for: `tab` or `\t` (backslash, t) for a tab,
    /// `comma`, `semicolon`, `pipe`, `space`, `colons` (`::`); any other text stands for itself.
    public static func separator(named word: String) -> String {
        switch word.lowercased() {
        case "tab", "\\t", "tsv": return "\t"
        case "comma", "csv": return ","
        case "semicolon": return ";"
        case "pipe": return "|"
        case "space": return " "
        case "colons", "double-colon": return "::"
        default: return word
        }
    }

    /// Whether the format has a rating column (explicit feedback) or not (implicit).
    public var feedback: Feedback { columns.contains(.rating) ? .explicit : .implicit }

    /// The column spec, e.g. `"user,item,rating,timestamp"` (ignored columns as `_`).
    public var columnSpec: String {
        columns.map { $0 == .ignore ? "_" : $0.rawValue }.joined(separator: ",")
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
