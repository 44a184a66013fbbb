import Foundation

/// Typed reads of dotted key paths from a JSON object, each failure an `InputError` naming the path.
struct JSONFields {
    var root: [String: Any]
    var origin: String
    var prefix = ""
    /// How to get a good file again, appended to every message.
    var remedy = "re-create the plan with `plan train --out FILE`"

    func value(_ path: String) -> Any? {
        var current: Any? = root
        for part in path.split(separator: ".") { current = (current as? [String: Any])?[String(part)] }
        return current is NSNull ? nil : current
    }

    func missing(_ path: String, _ expected: String) -> InputError {
        let found = value(path).map { "is \(String(describing: $0).prefix(40)), not \(expected)" } ?? "is missing"
        return InputError(file: origin, key: prefix + path, "\(found); \(remedy)")
    }

    func string(_ path: String) throws -> String {
        guard let text = value(path) as? String, !text.isEmpty else { throw missing(path, "a string") }
        return text
    }

    func optionalString(_ path: String) throws -> String? {
        value(path) == nil ? nil : try string(path)
    }

    /// JSON numbers arrive as NSNumber; a whole number is one whose value has no fraction.
    func int(_ path: String) throws -> Int {
        guard let number = value(path) as? NSNumber else { throw missing(path, "a whole number") }
        let double = number.doubleValue
        guard double.isFinite, double == double.rounded(), abs(double) < 1e15 else { throw missing(path, "a whole number") }
        return Int(double)
    }

    func optionalInt(_ path: String) throws -> Int? {
        value(path) == nil ? nil : try int(path)
    }

    func natural(_ path: String) throws -> Int {
        let number = try int(path)
        guard number >= 0 else { throw InputError(file: origin, key: prefix + path, "is \(number); it cannot be negative") }
        return number
    }

    func positive(_ path: String) throws -> Int {
        let number = try int(path)
        guard number >= 1 else {
            throw InputError(file: origin, key: prefix + path, "is \(number); it must be at least 1")
        }
        return number
    }

    func double(_ path: String) throws -> Double {
        guard let number = value(path) as? NSNumber, number.doubleValue.isFinite else { throw missing(path, "a number") }
        return number.doubleValue
    }

    func optionalDouble(_ path: String) throws -> Double? {
        value(path) == nil ? nil : try double(path)
    }

    func bool(_ path: String) throws -> Bool {
        guard let flag = value(path) as? Bool else { throw missing(path, "true or false") }
        return flag
    }

    func objects(_ path: String) throws -> [[String: Any]] {
        guard let rows = value(path) as? [[String: Any]], !rows.isEmpty else { throw missing(path, "a non-empty list of objects") }
        return rows
    }
}
