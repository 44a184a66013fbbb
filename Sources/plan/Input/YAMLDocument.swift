import Foundation
import Yams

/// A YAML (or JSON) mapping read from a file, with typed accessors whose errors name the file,
/// the key and the line. Unknown keys are ignored and `null` counts as absent, so a Hugging Face
/// `config.json` reads as it is.
struct YAMLMapping {
    let file: String
    let path: String
    private let entries: [(key: String, value: Node)]
    let line: Int?

    /// Parses `text` (from `file`) whose top level must be a mapping.
    init(text: String, file: String) throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw InputError(file: file, "is not valid YAML or JSON: \(Self.describe(error))")
        }
        guard let node, case .mapping = node else {
            throw InputError(file: file, "must be a mapping of keys to values (for example `hidden_size: 4096`)")
        }
        try self.init(node: node, file: file, path: "")
    }

    /// Reads the file at `url`.
    init(contentsOf url: URL, shownAs name: String) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw InputError(file: name, "cannot be read: \(error.localizedDescription)")
        }
        try self.init(text: text, file: name)
    }

    private init(node: Node, file: String, path: String) throws {
        guard case .mapping(let mapping) = node else {
            throw InputError(file: file, key: path, line: node.mark?.line, "must be a mapping")
        }
        self.file = file
        self.path = path
        self.line = node.mark?.line
        var entries: [(String, Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else { continue }
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
        for key in keys {
            if let entry = entries.first(where: { $0.key == key }) {
                if case .scalar(let scalar) = entry.value, scalar.style == .plain, ["null", "Null", "NULL", "~", ""].contains(scalar.string) {
                    continue
                }
                return (key, entry.value)
            }
        }
        return nil
    }

    func contains(_ key: String) -> Bool { node([key]) != nil }

    func error(_ key: String, _ node: Node? = nil, _ message: String) -> InputError {
        InputError(file: file, key: keyPath(key), line: node?.mark?.line ?? line, message)
    }

    /// A finite number, or nil when absent.
    func number(_ keys: String...) throws -> Double? { try number(keys) }

    /// A positive number, or nil when absent.
    func positiveNumber(_ keys: String..., fix: String = "give a positive number") throws -> Double? {
        guard let value = try number(keys) else { return nil }
        if value <= 0 { throw error(node(keys)!.key, node(keys)!.node, "must be positive, found \(Self.format(value)); \(fix)") }
        return value
    }

    private func number(_ keys: [String]) throws -> Double? {
        guard let (key, node) = node(keys) else { return nil }
        guard case .scalar(let scalar) = node, scalar.style == .plain,
              let value = Double(scalar.string.replacingOccurrences(of: "_", with: "")), value.isFinite
        else {
            throw error(key, node, "must be a number, found \(Self.shown(node))")
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
            throw InputError(file: file, key: keyPath(keys[0]), line: line, "is missing; \(fix)")
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
        guard case .scalar(let scalar) = node else { throw error(key, node, "must be true or false, found \(Self.shown(node))") }
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
        guard case .sequence(let sequence) = node else { throw error(name, node, "must be a list, found \(Self.shown(node))") }
        return try sequence.enumerated().map { index, item in
            guard case .mapping = item else {
                throw InputError(file: file, key: "\(keyPath(name))[\(index)]", line: item.mark?.line, "must be a mapping")
            }
            return try YAMLMapping(node: item, file: file, path: "\(keyPath(name))[\(index)]")
        }
    }

    static func shown(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
