/// Text from a file or a flag (a model, cluster or GPU name, a run id, a path) made safe to show to
/// people: in a table, an error line or a comment of an exported script. A name holding a newline
/// would start a line of its own (in a script: a line of code after a `#` comment), a terminal escape
/// (ESC, CSI) would drive the terminal, and a bidirectional override would show text in another
/// order than it runs ("Trojan Source"). Every such scalar is written as its Swift escape (a newline
/// as the two characters `\n`, ESC as `\u{1B}`, U+202E as `\u{202E}`); all else, accents and emoji
/// included, is kept as it is.
package enum DisplayText {
    /// `text` with its control characters (U+0000–U+001F, U+007F–U+009F), line and paragraph
    /// separators (U+2028, U+2029) and bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E,
    /// U+2066–U+2069) escaped.
    package static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isHidden(scalar) {
                scalars.append(contentsOf: scalar.escaped(asASCII: true).unicodeScalars)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Whether `scalar` changes how the text around it is shown rather than showing itself.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x2028, 0x2029: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
