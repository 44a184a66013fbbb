import Foundation

/// A problem with what the user gave: names the file (or flag), the key, the YAML line where
/// known, what was found and what would be valid. Printed as one line; exit status 1.
package struct InputError: Error, LocalizedError, CustomStringConvertible {
    var file: String?
    var key: String?
    var line: Int?
    var message: String

    package init(file: String? = nil, key: String? = nil, line: Int? = nil, _ message: String) {
        self.file = file
        self.key = key
        self.line = line
        self.message = message
    }

    package var description: String {
        var place = ""
        if let file { place += file }
        if let line { place += ":\(line)" }
        if let key { place += place.isEmpty ? "'\(key)'" : ": '\(key)'" }
        let line = place.isEmpty ? message : "\(place): \(message)"
        // One line, whatever the file held: control characters (a block scalar's newlines) escaped.
        return DisplayText.escaped(line)
    }

    package var errorDescription: String? { description }
}
