/// Whether ratings are graded preferences or bare interactions.
public enum Feedback: String, Sendable, Codable {
    /// Graded ratings on a scale (MovieLens stars): evaluated by RMSE and MAE.
    case explicit
    /// Interactions only (watched, clicked): evaluated by ranking metrics.
    case implicit
}

/// The closed range a rating may take, e.g. 1…5 stars.
public struct RatingScale: Sendable, Hashable, Codable {
    /// The smallest allowed rating.
    public var min: Float
    /// The largest allowed rating.
    public var max: Float

    /// Creates a scale; `min` must not exceed `max`.
    public init(min: Float, max: Float) {
        precondition(min <= max, "rating scale min \(min) exceeds max \(max)")
        self.min = min
        self.max = max
    }

    /// The MovieLens 1…5 star scale.
    public static let stars = RatingScale(min: 1, max: 5)

    /// Clamps `value` into the scale: predictions are evaluated clamped.
    @inlinable
    public func clamp(_ value: Float) -> Float { Swift.min(Swift.max(value, min), max) }
}

/// A set of (user, item, rating, timestamp) interactions with users and items mapped to
/// dense indices `0..<userCount` and `0..<itemCount`.
///
/// Stored as parallel arrays (structure of arrays) so training loops stream through
/// contiguous memory. The raw ids of the source file are kept so results can be mapped back.
/// A train/test split shares the same index space and id mappings.
public struct RatingsDataset: Sendable {
    /// Number of users (dense indices `0..<userCount`).
    public var userCount: Int
    /// Number of items (dense indices `0..<itemCount`).
    public var itemCount: Int
    /// User index of each interaction.
    public var users: [Int32]
    /// Item index of each interaction.
    public var items: [Int32]
    /// Rating of each interaction (1 for implicit data).
    public var ratings: [Float]
    /// Timestamp of each interaction (seconds; 0 when the source has none).
    public var timestamps: [Int64]
    /// Raw user id of each dense user index.
    public var userIDs: [String]
    /// Raw item id of each dense item index.
    public var itemIDs: [String]
    /// The rating scale predictions are clamped to.
    public var scale: RatingScale
    /// Whether the ratings are explicit or implicit.
    public var feedback: Feedback
    /// Where the data came from (a path, or a description of the synthetic generator).
    public var source: String

    /// Creates a dataset; all per-interaction arrays must have the same length and every
    /// index must be in range.
    public init(
        userCount: Int, itemCount: Int,
        users: [Int32], items: [Int32], ratings: [Float], timestamps: [Int64]? = nil,
        userIDs: [String]? = nil, itemIDs: [String]? = nil,
        scale: RatingScale = .stars, feedback: Feedback = .explicit, source: String = "memory"
    ) {
        precondition(users.count == items.count && items.count == ratings.count,
                     "RatingsDataset: users, items and ratings differ in length")
        precondition(timestamps == nil || timestamps!.count == users.count,
                     "RatingsDataset: timestamps differ in length")
        self.userCount = userCount
        self.itemCount = itemCount
        self.users = users
        self.items = items
        self.ratings = ratings
        self.timestamps = timestamps ?? [Int64](repeating: 0, count: users.count)
        self.userIDs = userIDs ?? (0..<userCount).map { String($0) }
        self.itemIDs = itemIDs ?? (0..<itemCount).map { String($0) }
        self.scale = scale
        self.feedback = feedback
        self.source = source
    }

    /// Number of interactions.
    @inlinable public var count: Int { users.count }

    /// Mean rating over all interactions (0 when empty).
    public var meanRating: Float {
        guard !ratings.isEmpty else { return 0 }
        var s = 0.0
        for r in ratings { s += Double(r) }
        return Float(s / Double(ratings.count))
    }

    /// A dataset with the same users, items and mappings holding only the interactions at `positions`.
    public func subset(_ positions: [Int]) -> RatingsDataset {
        var copy = self
        copy.users = positions.map { users[$0] }
        copy.items = positions.map { items[$0] }
        copy.ratings = positions.map { ratings[$0] }
        copy.timestamps = positions.map { timestamps[$0] }
        return copy
    }

    /// The interactions grouped by user (compressed sparse rows).
    public func byUser() -> UserMajorRatings { UserMajorRatings(self) }
}

/// Interactions grouped by user: the rows of user `u` are `offsets[u]..<offsets[u + 1]`
/// in `items`, `ratings` and `timestamps` (compressed sparse rows, stable in input order).
///
/// This is how a simulation hands each client its own history and how ALS visits users.
public struct UserMajorRatings: Sendable {
    /// Number of users.
    public let userCount: Int
    /// Number of items.
    public let itemCount: Int
    /// Row starts; `offsets.count == userCount + 1`.
    public let offsets: [Int]
    /// Item index of each row entry.
    public let items: [Int32]
    /// Rating of each row entry.
    public let ratings: [Float]
    /// Timestamp of each row entry.
    public let timestamps: [Int64]

    /// Groups `data` by user with a counting sort. - Complexity: O(n + users).
    public init(_ data: RatingsDataset) {
        userCount = data.userCount
        itemCount = data.itemCount
        var offsets = [Int](repeating: 0, count: data.userCount + 1)
        for u in data.users { offsets[Int(u) + 1] += 1 }
        for u in 0..<data.userCount { offsets[u + 1] += offsets[u] }
        var cursor = offsets
        var items = [Int32](repeating: 0, count: data.count)
        var ratings = [Float](repeating: 0, count: data.count)
        var timestamps = [Int64](repeating: 0, count: data.count)
        for k in 0..<data.count {
            let u = Int(data.users[k])
            let at = cursor[u]
            cursor[u] += 1
            items[at] = data.items[k]
            ratings[at] = data.ratings[k]
            timestamps[at] = data.timestamps[k]
        }
        self.offsets = offsets
        self.items = items
        self.ratings = ratings
        self.timestamps = timestamps
    }

    /// The row range of user `u`.
    @inlinable public func range(of u: Int) -> Range<Int> { offsets[u]..<offsets[u + 1] }

    /// Number of interactions of user `u`.
    @inlinable public func count(of u: Int) -> Int { offsets[u + 1] - offsets[u] }
}
