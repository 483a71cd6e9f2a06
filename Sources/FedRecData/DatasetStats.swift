/// Summary statistics of a ratings data set, for `fedrec` to print (as text or JSON with
/// snake_case keys) and for tests to check the shape of synthetic data.
public struct DatasetStats: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Quantiles of a count (ratings per user or per item), by the nearest-rank rule on the sorted
    /// counts: the q-quantile of n sorted values is the value at index round(q·(n − 1)).
    public struct CountSummary: Sendable, Codable, Equatable {
        /// The smallest count.
        public var min: Int
        /// The 25th percentile.
        public var p25: Int
        /// The median.
        public var median: Int
        /// The 75th percentile.
        public var p75: Int
        /// The 90th percentile.
        public var p90: Int
        /// The largest count.
        public var max: Int
        /// The mean count.
        public var mean: Double

        /// Summarises `counts` (0 everywhere when empty).
        public init(_ counts: [Int]) {
            let sorted = counts.sorted()
            func quantile(_ q: Double) -> Int {
                sorted.isEmpty ? 0 : sorted[Int((q * Double(sorted.count - 1)).rounded())]
            }
            min = quantile(0)
            p25 = quantile(0.25)
            median = quantile(0.5)
            p75 = quantile(0.75)
            p90 = quantile(0.9)
            max = quantile(1)
            mean = sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count)
        }
    }

    /// One bar of the rating histogram: the ratings in `lower…upper` (equal for a single value).
    public struct RatingBin: Sendable, Codable, Equatable {
        /// The smallest rating in the bin.
        public var lower: Float
        /// The largest rating in the bin.
        public var upper: Float
        /// How many ratings fall in the bin.
        public var count: Int

        /// Creates a bin.
        public init(lower: Float, upper: Float, count: Int) {
            self.lower = lower
            self.upper = upper
            self.count = count
        }
    }

    /// Number of users (the index space, including users with no rating).
    public var users: Int
    /// Number of items (the index space, including items with no rating).
    public var items: Int
    /// Number of ratings.
    public var ratings: Int
    /// ratings / (users · items).
    public var density: Double
    /// Explicit or implicit.
    public var feedback: Feedback
    /// Mean rating.
    public var ratingMean: Double
    /// Standard deviation of the ratings (population formula).
    public var ratingStd: Double
    /// Counts per distinct rating value, ascending; when there are more than
    /// ``maxExactBins`` distinct values, ten equal-width bins over the range instead.
    public var ratingHistogram: [RatingBin]
    /// Ratings per user.
    public var perUser: CountSummary
    /// Ratings per item.
    public var perItem: CountSummary

    /// The most distinct rating values shown one per bin.
    public static let maxExactBins = 20

    /// Computes the statistics of `data`. - Complexity: O(n + users·log users + items·log items).
    public init(_ data: RatingsDataset) {
        users = data.userCount
        items = data.itemCount
        ratings = data.count
        density = users > 0 && items > 0 ? Double(ratings) / (Double(users) * Double(items)) : 0
        feedback = data.feedback
        var sum = 0.0
        var sumSquares = 0.0
        var values: [Float: Int] = [:]
        for r in data.ratings {
            sum += Double(r)
            sumSquares += Double(r) * Double(r)
            if values.count <= DatasetStats.maxExactBins || values[r] != nil { values[r, default: 0] += 1 }
        }
        let n = Double(Swift.max(ratings, 1))
        ratingMean = sum / n
        ratingStd = Swift.max(0, sumSquares / n - ratingMean * ratingMean).squareRoot()
        if values.count <= DatasetStats.maxExactBins {
            ratingHistogram = values.keys.sorted().map { RatingBin(lower: $0, upper: $0, count: values[$0]!) }
        } else {
            let lo = data.ratings.min()!
            let hi = data.ratings.max()!
            let width = (hi - lo) / 10
            var counts = [Int](repeating: 0, count: 10)
            for r in data.ratings { counts[Swift.min(9, Int((r - lo) / width))] += 1 }
            ratingHistogram = (0..<10).map { k in
                RatingBin(lower: lo + Float(k) * width, upper: k == 9 ? hi : lo + Float(k + 1) * width, count: counts[k])
            }
        }
        var userCounts = [Int](repeating: 0, count: users)
        for u in data.users { userCounts[Int(u)] += 1 }
        var itemCounts = [Int](repeating: 0, count: items)
        for i in data.items { itemCounts[Int(i)] += 1 }
        perUser = CountSummary(userCounts)
        perItem = CountSummary(itemCounts)
    }

    /// A few lines of text for the terminal.
    public var description: String {
        func row(_ name: String, _ c: CountSummary) -> String {
            "\(name): min \(c.min), p25 \(c.p25), median \(c.median), p75 \(c.p75), p90 \(c.p90), max \(c.max), mean \(DatasetStats.fixed(c.mean, 1))"
        }
        let bins = ratingHistogram.map { bin in
            let label = bin.lower == bin.upper ? DatasetStats.short(bin.lower) : "\(DatasetStats.short(bin.lower))–\(DatasetStats.short(bin.upper))"
            return "\(label): \(bin.count)"
        }
        return """
            \(users) users, \(items) items, \(ratings) ratings (\(feedback.rawValue)), density \(DatasetStats.fixed(density * 100, 3))%
            rating mean \(DatasetStats.fixed(ratingMean, 3)), std \(DatasetStats.fixed(ratingStd, 3)); histogram \(bins.joined(separator: ", "))
            \(row("ratings per user", perUser))
            \(row("ratings per item", perItem))
            """
    }

    enum CodingKeys: String, CodingKey {
        case users, items, ratings, density, feedback
        case ratingMean = "rating_mean"
        case ratingStd = "rating_std"
        case ratingHistogram = "rating_histogram"
        case perUser = "per_user"
        case perItem = "per_item"
    }

    /// `value` with `digits` decimals, without Foundation.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 1e15 else { return String(value) }
        let whole = Int(scaled) / Int(scale)
        let fraction = Int(scaled) % Int(scale)
        var text = String(fraction)
        while text.count < digits { text = "0" + text }
        return (value < 0 && scaled > 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + text : "")
    }

    /// A rating without a needless `.0`.
    static func short(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(value)
    }
}
