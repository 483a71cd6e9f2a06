/// What differs between two setups, in words an operator can act on.
extension FederationSetup {
    /// The settings of `self` that differ from `stored`, one `name: stored → self` line each,
    /// limited to what the ``fingerprint`` covers (the deadline, `threads` and `evaluateEvery` may
    /// change). Empty when the fingerprints agree.
    /// - Complexity: O(size of the two setups).
    public func differences(from stored: FederationSetup) -> [String] {
        guard fingerprint != stored.fingerprint else { return [] }
        var out: [String] = []
        if clientIDs != stored.clientIDs {
            out.append(clientIDs.count == stored.clientIDs.count
                ? "clients: the same number (\(clientIDs.count)) but other ids or order (another token file?)"
                : "clients: \(stored.clientIDs.count) → \(clientIDs.count) (another token file?)")
        }
        Self.compare(stored, self, path: "", depth: 0, skip: ["clientIDs", "roundDeadlineSeconds", "threads", "evaluateEvery"], into: &out)
        if out.isEmpty { out.append("settings that change the run's fingerprint") }
        return out
    }

    /// Appends `path.label: a → b` for every child of `a` whose description differs from `b`'s,
    /// descending two levels into structs so the line names the setting.
    private static func compare(_ a: Any, _ b: Any, path: String, depth: Int, skip: Set<String>, into out: inout [String]) {
        let left = Mirror(reflecting: a), right = Mirror(reflecting: b)
        let rightChildren = Dictionary(right.children.compactMap { c in c.label.map { ($0, c.value) } }, uniquingKeysWith: { x, _ in x })
        for child in left.children {
            guard let label = child.label, !skip.contains(label), let other = rightChildren[label] else { continue }
            let was = String(describing: child.value), now = String(describing: other)
            guard was != now else { continue }
            let name = path.isEmpty ? label : "\(path).\(label)"
            let mirror = Mirror(reflecting: child.value)
            if depth < 2, mirror.displayStyle == .struct, !mirror.children.isEmpty {
                let before = out.count
                compare(child.value, other, path: name, depth: depth + 1, skip: skip, into: &out)
                if out.count > before { continue }
            }
            out.append("\(name): \(clip(was)) → \(clip(now))")
        }
    }

    private static func clip(_ text: String) -> String { text.count > 80 ? String(text.prefix(77)) + "..." : text }
}
