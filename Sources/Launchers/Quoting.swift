import PlanFiles

/// The one way each exported file takes a value the planner did not write itself: a model, cluster or
/// GPU name from a plan, a host name from `--hosts`, a path. In a script such a value is a shell word
/// (`shell`, `shellDefault`), in TOML a basic string (`toml`), and in a comment of either text with its
/// line breaks and other control characters escaped (`comment`), so no name can end a quote or a
/// comment and run as code. JSON files are written by `JSONEncoder`, which escapes on its own.
package enum Quoting {
    /// `text` as one word for bash and POSIX sh that expands to exactly `text`: as it is when it is
    /// non-empty and every character is one of A-Z a-z 0-9 and `_ . / : = , + - @ %` (none of which
    /// the shell treats specially inside a word), otherwise in single quotes, inside which the shell
    /// reads every byte as itself; each `'` of `text` closes the quotes, is written as `\'` and
    /// opens them again (`'\''`).
    package static func shell(_ text: String) -> String {
        if !text.isEmpty, text.utf8.allSatisfy(isPlainShellByte) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `variable=…` keeping the variable's value from the environment when it is set and not empty,
    /// `value` otherwise. A plain word keeps the familiar `NAME="${NAME:-value}"`; any other value is
    /// quoted by `shell` and left outside double quotes (`NAME=${NAME:-'value'}`), because inside them
    /// bash keeps single quotes as characters. An assignment splits no words and expands no globs, so
    /// both forms give the variable exactly the environment's value or `value`.
    package static func shellDefault(_ variable: String, _ value: String) -> String {
        let word = shell(value)
        return word == value ? "\(variable)=\"${\(variable):-\(value)}\"" : "\(variable)=${\(variable):-\(word)}"
    }

    /// `text` as a TOML 1.0 basic string: in double quotes, with `"` and `\` escaped, and every control
    /// character (U+0000–U+001F, U+007F) written as \b \t \n \f \r or \uXXXX. The rest, UTF-8 and all,
    /// is kept as it is.
    package static func toml(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\u{08}": quoted += "\\b"
            case "\t": quoted += "\\t"
            case "\n": quoted += "\\n"
            case "\u{0C}": quoted += "\\f"
            case "\r": quoted += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// `text` for the inside of a `#` comment line of a script or a TOML file: control characters,
    /// line separators and bidirectional controls escaped (`DisplayText.escaped`, as tables show
    /// names), so it cannot end the comment, nor show the reader other code than runs.
    package static func comment(_ text: String) -> String {
        DisplayText.escaped(text)
    }

    /// A byte `shell` may leave unquoted.
    private static func isPlainShellByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: "_./:=,+-@%".utf8.contains(byte)
        }
    }
}
