import Yams

extension YAMLMapping {
    /// A list of text values (`[none, full]`), or nil when absent.
    func strings(_ key: String) throws -> [String]? {
        guard let (name, node) = node([key]) else { return nil }
        guard case .sequence(let sequence) = node else {
            throw error(name, node, "must be a list, found \(Self.shown(node))")
        }
        return try sequence.map { item in
            guard case .scalar(let scalar) = item else {
                throw error(name, item, "must list text values, found \(Self.shown(item))")
            }
            return scalar.string
        }
    }

    /// A list of whole numbers from `range` (`[0, 1, 3]`), or nil when absent.
    func integers(_ key: String, in range: ClosedRange<Int>) throws -> [Int]? {
        try strings(key).map { texts in
            try texts.map { text in
                guard let value = Int(text), range.contains(value) else {
                    throw error(
                        key, nil,
                        "must list whole numbers from \(range.lowerBound) to \(range.upperBound), found "
                            + "'\(Self.clipped(text))'"
                    )
                }
                return value
            }
        }
    }

    /// Refuses a key this file format does not have, naming the nearest one it does: our own formats
    /// are strict, so a misspelt key is an error rather than a silent default.
    func requireKnownKeys(_ known: [String]) throws {
        for key in keys where !known.contains(key) {
            let nearest = known.min { Self.editDistance(key, $0) < Self.editDistance(key, $1) }
            let hint = nearest.map { Self.editDistance(key, $0) <= 3 ? "; did you mean '\($0)'?" : "" } ?? ""
            throw error(
                key, node([key])?.node,
                "is not a key of this file\(hint) (known keys: \(known.joined(separator: ", ")))")
        }
    }

    /// Levenshtein distance between two keys (insertions, deletions and substitutions of characters).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
