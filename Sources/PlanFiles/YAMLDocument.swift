import Foundation
import Yams

/// A YAML (or JSON) mapping read from a file, with typed accessors whose errors name the file,
/// the key and the line. Unknown keys are ignored and `null` counts as absent, so a Hugging Face
/// `config.json` reads as it is.
package struct YAMLMapping {
    let file: String
    let path: String
    private let entries: [(key: String, value: Node)]
    let line: Int?
    /// Every lookup made through this mapping (see `nearMisses()`).
    let readLog = KeyReadLog()

    /// Parses `text` (from `file`, given with `flag` when a flag named it) whose top level must be a mapping.
    init(text: String, file: String, flag: String? = nil) throws {
        let unmarked = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let content = try Self.withoutLargeValues(unmarked, file: file, flag: flag)
        if Self.isBlank(content) {
            throw InputError(
                file: file, key: flag, "is empty; give a mapping of keys to values (for example `hidden_size: 4096`)")
        }
        guard Self.nestingBound(content, stoppingAbove: Self.maximumNesting) <= Self.maximumNesting else {
            let found = "nests lists or mappings more than \(Self.maximumNesting) levels deep"
            throw InputError(file: file, key: flag, "\(found); model and cluster files nest 3 or 4 levels")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: content)
        } catch let error as YamlError {
            throw InputError(file: file, key: flag, "is not valid YAML or JSON: \(Self.describe(error))")
        }
        guard let node, case .mapping = node else {
            let found = node.map { "found \(Self.shown($0))" } ?? "found nothing"
            throw InputError(
                file: file, key: flag, "must be a mapping of keys to values (for example `hidden_size: 4096`), \(found)"
            )
        }
        try self.init(node: node, file: file, path: "")
    }

    /// Files larger than this are refused unread: model, cluster and runs files are kilobytes.
    static let maximumBytes = 16 << 20

    /// Reads the file at `url`; `flag` (like `--model`) is named in errors about the file as a whole.
    package init(contentsOf url: URL, shownAs name: String, flag: String? = nil) throws {
        try self.init(data: try Self.read(url, shownAs: name, flag: flag), shownAs: name, flag: flag)
    }

    /// Parses a file's bytes, already read (`read(_:shownAs:flag:)`, or the fuzz target's input):
    /// refuses more than `maximumBytes` and anything but UTF-8, then parses as `init(text:)` does.
    package init(data: Data, shownAs name: String, flag: String? = nil) throws {
        if data.count > Self.maximumBytes {
            throw InputError(
                file: name, key: flag,
                "is larger than \(Self.maximumBytes >> 20) MiB; model, cluster "
                    + "and runs files are a few KiB, so this is likely the wrong file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: name, key: flag, "is not UTF-8 text (a binary file?); pass a YAML or JSON file")
        }
        try self.init(text: text, file: name, flag: flag)
    }

    /// The bytes of the file at `url`, at most one past `maximumBytes`; errors for a missing file,
    /// a directory or a failed read name the file as `name`.
    package static func read(_ url: URL, shownAs name: String, flag: String? = nil) throws -> Data {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError(file: name, key: flag, "does not exist; check the path")
        }
        if isDirectory.boolValue {
            throw InputError(
                file: name, key: flag,
                "is a directory; pass a YAML or JSON file (a Hugging Face config.json works as it is)")
        }
        // Read through a handle, at most one byte past the limit: pipes (`--model <(curl …)`) work,
        // and a device like /dev/zero cannot make the read endless.
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            return try handle.read(upToCount: Self.maximumBytes + 1) ?? Data()
        } catch {
            throw InputError(file: name, key: flag, "cannot be read: \(error.localizedDescription)")
        }
    }

    private init(node: Node, file: String, path: String) throws {
        guard case .mapping(let mapping) = node else {
            throw InputError(file: file, key: path, line: node.mark?.line, "must be a mapping")
        }
        self.file = file
        self.path = path
        self.line = node.mark?.line
        var entries: [(String, Node)] = []
        var lines: [String: Int?] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            // Yams keeps both of a repeated key and readers took the first: `nodes: 1` then
            // `nodes: 64` planned one node in silence.
            if let first = lines[name] {
                let places = [first, key.mark?.line].map { $0.map(String.init) ?? "?" }
                throw InputError(
                    file: file, key: path.isEmpty ? name : "\(path).\(name)", line: key.mark?.line,
                    "appears twice (lines \(places[0]) and \(places[1])); keep one")
            }
            lines[name] = key.mark?.line
            entries.append((name, value))
        }
        self.entries = entries
    }

    private static func describe(_ error: YamlError) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "parse error"
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The node under the first of `keys` present and not null.
    func node(_ keys: [String]) -> (key: String, node: Node)? {
        let found = present(keys)
        readLog.record(keys, found: found != nil)
        return found
    }

    /// `node(_:)` without recording the lookup.
    func present(_ keys: [String]) -> (key: String, node: Node)? {
        for key in keys {
            if let entry = entries.first(where: { $0.key == key }) {
                if case .scalar(let scalar) = entry.value, scalar.style == .plain,
                    ["null", "Null", "NULL", "~", ""].contains(scalar.string)
                {
                    continue
                }
                return (key, entry.value)
            }
        }
        return nil
    }

    func contains(_ key: String) -> Bool { node([key]) != nil }

    /// The keys of this mapping, in file order.
    var keys: [String] { entries.map(\.key) }

    func error(_ key: String, _ node: Node? = nil, _ message: String) -> InputError {
        InputError(file: file, key: keyPath(key), line: node?.mark?.line ?? line, message)
    }

    /// An error about whichever of `keys` is present (the first when none is), at its line.
    func error(at keys: String..., message: String) -> InputError {
        let found = node(keys)
        return error(found?.key ?? keys[0], found?.node, message)
    }

    /// A finite number, or nil when absent.
    func number(_ keys: String...) throws -> Double? { try number(keys) }

    /// A positive number, or nil when absent.
    func positiveNumber(_ keys: String..., fix: String = "give a positive number") throws -> Double? {
        guard let value = try number(keys) else { return nil }
        if value <= 0 {
            throw error(node(keys)!.key, node(keys)!.node, "must be positive, found \(Self.format(value)); \(fix)")
        }
        return value
    }

    /// A number in `range` (physical quantities: outside it the cost model's times and sizes stop
    /// being finite), or nil when absent.
    func number(_ keys: String..., in range: ClosedRange<Double>, fix: String) throws -> Double? {
        guard let value = try number(keys) else { return nil }
        if !range.contains(value) {
            let (key, node) = node(keys)!
            let bounds = "from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
            let expected = value <= 0 && range.lowerBound > 0 ? "positive (\(bounds))" : bounds
            throw error(key, node, "must be \(expected), found \(Self.shown(node)); \(fix)")
        }
        return value
    }

    private func number(_ keys: [String]) throws -> Double? {
        guard let (key, node) = node(keys) else { return nil }
        guard case .scalar(let scalar) = node, let value = Double(scalar.string.replacingOccurrences(of: "_", with: ""))
        else {
            let infinite = [".inf", "+.inf", "-.inf", ".nan"].contains((try? string(key))?.lowercased() ?? "")
            throw error(
                key, node,
                "must be a \(infinite ? "finite " : "plain ")number like 4096 or 2.5, found \(Self.shown(node))")
        }
        guard scalar.style == .plain else {
            throw error(key, node, "must be a number, found the quoted text \(Self.shown(node)); remove the quotes")
        }
        guard value.isFinite else {
            throw error(key, node, "must be a finite number, found \(Self.shown(node))")
        }
        return value
    }

    /// A whole number ≥ `minimum` (and ≤ `maximum`), or nil when absent.
    func integer(_ keys: String..., minimum: Int = 1, maximum: Int = 100_000_000) throws -> Int? {
        try integerList(keys, minimum: minimum, maximum: maximum)
    }

    /// A required whole number.
    func requiredInteger(_ keys: String..., minimum: Int = 1, maximum: Int = 100_000_000, fix: String) throws -> Int {
        guard let value = try integerList(keys, minimum: minimum, maximum: maximum) else {
            // A key one typo away is the likeliest reason (`num_hidden_layer`, `"hidden_size "`).
            let near = self.keys.first { key in
                !keys.contains(key)
                    && keys.contains { Self.editDistance(key.lowercased(), $0.lowercased()) <= ($0.count >= 6 ? 2 : 1) }
            }
            let hint = near.map { " ('\(Self.clipped($0))' is in the file: a misspelling?)" } ?? ""
            throw InputError(file: file, key: keyPath(keys[0]), line: line, "is missing\(hint); \(fix)")
        }
        return value
    }

    private func integerList(_ keys: [String], minimum: Int, maximum: Int) throws -> Int? {
        guard let value = try number(keys) else { return nil }
        let (key, node) = node(keys)!
        guard value == value.rounded(), value >= Double(minimum), value <= Double(maximum) else {
            throw error(key, node, "must be a whole number from \(minimum) to \(maximum), found \(Self.shown(node))")
        }
        return Int(value)
    }

    func string(_ keys: String...) throws -> String? {
        guard let (key, node) = node(keys) else { return nil }
        guard case .scalar(let scalar) = node else { throw error(key, node, "must be text, found \(Self.shown(node))") }
        return scalar.string
    }

    func bool(_ keys: String...) throws -> Bool? {
        guard let (key, node) = node(keys) else { return nil }
        guard case .scalar(let scalar) = node else {
            throw error(key, node, "must be true or false, found \(Self.shown(node))")
        }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, node, "must be true or false, found '\(scalar.string)'")
        }
    }

    func mapping(_ key: String) throws -> YAMLMapping? {
        guard let (name, node) = node([key]) else { return nil }
        guard case .mapping = node else { throw error(name, node, "must be a mapping, found \(Self.shown(node))") }
        return try YAMLMapping(node: node, file: file, path: keyPath(name))
    }

    func sequenceOfMappings(_ key: String) throws -> [YAMLMapping]? {
        guard let (name, node) = node([key]) else { return nil }
        guard case .sequence(let sequence) = node else {
            throw error(name, node, "must be a list, found \(Self.shown(node))")
        }
        return try sequence.enumerated().map { index, item in
            guard case .mapping = item else {
                throw InputError(
                    file: file, key: "\(keyPath(name))[\(index)]", line: item.mark?.line, "must be a mapping")
            }
            return try YAMLMapping(node: item, file: file, path: "\(keyPath(name))[\(index)]")
        }
    }

    static func shown(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "'\(clipped(scalar.string))'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// `text` as it can be quoted in a one-line message: at most 60 characters.
    static func clipped(_ text: String) -> String {
        text.count <= 60 ? text : text.prefix(57) + "…"
    }

    /// Whether `text` holds nothing but blank lines, comments and document markers. Reads lines one
    /// at a time up to the first that holds more: splitting a 12 MB file into lines first took 1.2 s.
    static func isBlank(_ text: String) -> Bool {
        var rest = Substring(text)
        while !rest.isEmpty {
            let end = rest.firstIndex(where: \.isNewline) ?? rest.endIndex
            let trimmed = rest[..<end].trimmingCharacters(in: .whitespaces)
            if !(trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed == "---" || trimmed == "...") { return false }
            rest = end == rest.endIndex ? "" : rest[rest.index(after: end)...]
        }
        return true
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
