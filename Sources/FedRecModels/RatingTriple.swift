import FedRecData

/// One (user, item, rating) interaction packed in 12 bytes.
///
/// SGD shuffles an array of these in place every epoch and then streams through it: reading
/// ratings by a shuffled *index* instead costs three cache misses per rating on large data.
public struct RatingTriple: Sendable, Hashable {
    /// Dense user index.
    public var user: Int32
    /// Dense item index.
    public var item: Int32
    /// The rating (1 for implicit data).
    public var rating: Float

    /// Creates a triple.
    @inlinable
    public init(user: Int32, item: Int32, rating: Float) {
        self.user = user
        self.item = item
        self.rating = rating
    }

    /// The interactions of `data` in input order.
    public static func pack(_ data: RatingsDataset) -> [RatingTriple] {
        (0..<data.count).map { RatingTriple(user: data.users[$0], item: data.items[$0], rating: data.ratings[$0]) }
    }
}
