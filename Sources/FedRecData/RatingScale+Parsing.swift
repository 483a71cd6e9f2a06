extension RatingScale {
    /// Parses a scale written as `min..max`, `min…max`, `min:max` or `min-max` (e.g. `1-5`,
    /// `0.5..5`, `-10:10`), as a command line gives it.
    /// - Throws: ``DataError/Code/invalidOptions`` if the text is not two numbers with min ≤ max.
    public static func parse(_ text: String) throws(DataError) -> RatingScale {
        let trimmed = text[...].trimmingSpaces()
        var bounds: (Substring, Substring)?
        for separator in ["..", "…", ":"] {
            if let range = trimmed.firstRange(of: separator) {
                bounds = (trimmed[..<range.lowerBound], trimmed[range.upperBound...])
                break
            }
        }
        if bounds == nil, let dash = trimmed.dropFirst().firstIndex(of: "-") {
            bounds = (trimmed[..<dash], trimmed[trimmed.index(after: dash)...])
        }
        guard let (lowText, highText) = bounds,
            let low = Float(lowText.trimmingSpaces()), let high = Float(highText.trimmingSpaces()),
            low.isFinite, high.isFinite, low <= high
        else {
            throw DataError(
                .invalidOptions, "the rating scale \"\(text)\" is not min..max with min ≤ max; write it like 1..5 or 0.5..5")
        }
        return RatingScale(min: low, max: high)
    }
}
