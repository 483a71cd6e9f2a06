/// Removes repeated (user, item) pairs, keeping the latest rating of each pair: the one with the
/// largest timestamp, and among equal timestamps the one that comes last in the file.
enum PairDeduplicator {
    /// One dropped line: the pair's dense indices, the line kept and the line dropped.
    struct Example {
        var user: Int32
        var item: Int32
        var keptLine: Int
        var droppedLine: Int
    }

    /// Drops the superseded entries in place (keeping file order) and returns how many were
    /// dropped, with the first `maxExamples` of them (in user order) and the line that was kept.
    /// `lines` holds the file line of each entry.
    /// - Complexity: O(n + userCount + itemCount) time, one counting sort by user.
    static func deduplicate(
        users: inout [Int32], items: inout [Int32], ratings: inout [Float], timestamps: inout [Int64], lines: [Int32],
        userCount: Int, itemCount: Int, maxExamples: Int = 5
    ) -> (dropped: Int, examples: [Example]) {
        let n = users.count
        guard n > 1 else { return (0, []) }
        var offsets = [Int](repeating: 0, count: userCount + 1)
        for u in users { offsets[Int(u) + 1] += 1 }
        for u in 0..<userCount { offsets[u + 1] += offsets[u] }
        var cursor = offsets
        var order = [Int](repeating: 0, count: n)
        for k in 0..<n {
            let u = Int(users[k])
            order[cursor[u]] = k
            cursor[u] += 1
        }
        var owner = [Int32](repeating: -1, count: itemCount)  // the user who last touched item i
        var latest = [Int](repeating: 0, count: itemCount)    // that user's kept position of item i
        var keep = [Bool](repeating: true, count: n)
        var dropped = 0
        var examples: [Example] = []
        for u in 0..<userCount {
            let firstExample = examples.count
            for r in offsets[u]..<offsets[u + 1] {
                let k = order[r]
                let i = Int(items[k])
                if owner[i] == Int32(u) {
                    let previous = latest[i]
                    dropped += 1
                    let loser: Int
                    if timestamps[k] >= timestamps[previous] {  // later in file wins ties
                        keep[previous] = false
                        latest[i] = k
                        loser = previous
                    } else {
                        keep[k] = false
                        loser = k
                    }
                    if examples.count < maxExamples {
                        examples.append(Example(user: Int32(u), item: Int32(i), keptLine: 0, droppedLine: Int(lines[loser])))
                    }
                } else {
                    owner[i] = Int32(u)
                    latest[i] = k
                }
            }
            // The kept line of this user's pairs is final once the user is done.
            for e in firstExample..<examples.count { examples[e].keptLine = Int(lines[latest[Int(examples[e].item)]]) }
        }
        guard dropped > 0 else { return (0, []) }
        var w = 0
        for k in 0..<n where keep[k] {
            users[w] = users[k]
            items[w] = items[k]
            ratings[w] = ratings[k]
            timestamps[w] = timestamps[k]
            w += 1
        }
        users.removeLast(n - w)
        items.removeLast(n - w)
        ratings.removeLast(n - w)
        timestamps.removeLast(n - w)
        return (dropped, examples)
    }
}
