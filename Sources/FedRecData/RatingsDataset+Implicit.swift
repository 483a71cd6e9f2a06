extension RatingsDataset {
    /// The same interactions as implicit feedback: every rating becomes 1, and with a
    /// `threshold` only ratings at or above it are kept (e.g. 4 for "liked" on a 1…5 scale).
    ///
    /// Users, items, index space, id mappings and timestamps are kept, so a user whose ratings
    /// all fall below the threshold remains, with no interactions. The scale becomes 0…1.
    /// - Complexity: O(n).
    public func implicit(threshold: Float? = nil) -> RatingsDataset {
        var copy = self
        if let threshold {
            copy = subset((0..<count).filter { ratings[$0] >= threshold })
        }
        copy.ratings = [Float](repeating: 1, count: copy.count)
        copy.feedback = .implicit
        copy.scale = RatingScale(min: 0, max: 1)
        return copy
    }
}
