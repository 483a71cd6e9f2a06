/// The file formats FedRec reads.
///
/// The MovieLens formats are described at https://grouplens.org/datasets/movielens/ and in the
/// README of each archive:
/// - ml-100k `u.data`: `user \t item \t rating \t timestamp`, no header, ratings 1…5;
/// - ml-1m and ml-10m `ratings.dat`: `UserID::MovieID::Rating::Timestamp`, no header; ml-1m rates
///   1…5 in whole stars but ml-10m has half stars from 0.5, so `.dat` files are checked against
///   0.5…5 and the loaded data set gets the 1…5 scale when no rating below 1 occurs;
/// - ml-20m, ml-25m, ml-latest `ratings.csv`: header `userId,movieId,rating,timestamp`, 0.5…5 in half stars.
///
/// In every MovieLens format user and item ids are non-negative integers
/// (``DelimitedFormat/IDKind/integer``); anything else is refused with the file and line.
public enum DataFormat: Sendable, Hashable, CustomStringConvertible {
    /// MovieLens 100K `u.data`: tab-separated `user item rating timestamp`, no header, 1…5.
    case movieLens100K
    /// MovieLens 1M/10M `ratings.dat`: `user::item::rating::timestamp`, no header, 0.5…5
    /// (the data set's scale becomes 1…5 when every rating is at least 1, as in ml-1m).
    case movieLensDat
    /// MovieLens 20M/25M/latest `ratings.csv`: header `userId,movieId,rating,timestamp`, 0.5…5.
    case movieLensCSV
    /// Any delimited text file with the given layout.
    case delimited(DelimitedFormat)

    /// The delimited layout this format reads as.
    public var layout: DelimitedFormat {
        switch self {
        case .movieLens100K:
            return DataFormat.fixed(separator: "\t", hasHeader: false, scale: .stars)
        case .movieLensDat:
            // ml-10m uses half stars (0.5…5): the one MovieLens .dat file outside 1…5.
            return DataFormat.fixed(separator: "::", hasHeader: false, scale: RatingScale(min: 0.5, max: 5))
        case .movieLensCSV:
            return DataFormat.fixed(separator: ",", hasHeader: true, scale: RatingScale(min: 0.5, max: 5))
        case .delimited(let format):
            return format
        }
    }

    /// A short name: `movielens-100k`, `movielens-dat`, `movielens-csv` or `delimited(…)`.
    public var description: String {
        switch self {
        case .movieLens100K: return "movielens-100k"
        case .movieLensDat: return "movielens-dat"
        case .movieLensCSV: return "movielens-csv"
        case .delimited(let f):
            let sep = f.separator.replacingTabs()
            return "delimited(separator \"\(sep)\", columns \(f.columnSpec)\(f.hasHeader ? ", header" : "")\(f.ids == .integer ? ", integer ids" : ""))"
        }
    }

    private static func fixed(separator: String, hasHeader: Bool, scale: RatingScale) -> DelimitedFormat {
        // The presets are valid by construction.
        try! DelimitedFormat(
            separator: separator, columns: [.user, .item, .rating, .timestamp], hasHeader: hasHeader, scale: scale,
            ids: .integer)
    }
}

extension String {
    /// The text with tabs written as `\t`, for messages.
    func replacingTabs() -> String {
        var out = ""
        for c in self { out += c == "\t" ? "\\t" : String(c) }
        return out
    }
}
