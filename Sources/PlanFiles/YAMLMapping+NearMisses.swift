/// Which keys a decoder looked for, so that a key it never read but nearly spelt can be named.
/// Hugging Face `config.json` files carry dozens of keys `plan` does not read, and those must stay
/// harmless; but `num_key_value_head` (multi-head attention assumed: 7.2B → 8.0B parameters) or
/// `num_local_expert` (Mixtral planned as a dense model) deserve a word.
final class KeyReadLog {
    /// Each lookup: the keys tried (aliases of one quantity) and whether one of them was present.
    private(set) var lookups: [(keys: [String], found: Bool)] = []

    func record(_ keys: [String], found: Bool) { lookups.append((keys, found)) }
}

/// A key the file has that nothing read, close to a key that was looked for and not found.
package struct NearMiss: Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int?
    package var key: String
    package var meant: String

    package init(file: String, line: Int?, key: String, meant: String) {
        self.file = file
        self.line = line
        self.key = key
        self.meant = meant
    }

    /// One line for standard error.
    package var description: String {
        let place = file + (line.map { ":\($0)" } ?? "")
        return InputError(
            "warning: \(place): '\(key)' is not a key plan reads, so it has no effect; did you mean '\(meant)'?"
        ).description
    }
}

extension YAMLMapping {
    /// Keys of this mapping no lookup asked for that are within a typo of a key that was asked for
    /// and absent (its whole group of aliases absent: BLOOM's `n_embed` beside `hidden_size` is not
    /// one). Call after decoding. Close means the same letters in another case, or an edit distance
    /// of 1 (2 for keys of 6 or more characters).
    package func nearMisses() -> [NearMiss] {
        let asked = Set(readLog.lookups.flatMap(\.keys))
        let missing = readLog.lookups.filter { !$0.found }.flatMap(\.keys)
        var misses: [NearMiss] = []
        for key in keys where !asked.contains(key) && key.count >= 3 {
            let lower = key.lowercased()
            let candidates = missing.map { ($0, Self.editDistance(lower, $0.lowercased())) }
                .filter { $0.1 <= ($0.0.count >= 6 ? 2 : 1) }
            guard let meant = candidates.min(by: { $0.1 < $1.1 })?.0 else { continue }
            misses.append(NearMiss(file: file, line: present([key])?.node.mark?.line ?? line, key: key, meant: meant))
        }
        return misses
    }
}
