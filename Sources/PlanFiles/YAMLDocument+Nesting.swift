/// Yams composes a document recursively, so a few thousand nested lists or mappings overflow the
/// stack: a crash, not an error. Files are measured before parsing and refused past a depth no
/// model, cluster or runs file comes near (they nest 3 or 4 levels).
extension YAMLMapping {
    static let maximumNesting = 200

    /// An upper bound on how deeply `text` nests collections, found in one pass without parsing.
    ///
    /// Flow collections count their open brackets (`[`, `{`) outside quoted text and comments;
    /// block collections count, per line, the indentation plus the `-`, `?` and `:` indicators
    /// outside brackets (each block level needs one of them). The sum errs high, never low.
    ///
    /// The scan stops as soon as the bound passes `limit`: a 12 MB file of 5,000 ever deeper lines
    /// took 1.3 s to measure in full (5 s in a debug build; found by the libFuzzer target's tests).
    static func nestingBound(_ text: String, stoppingAbove limit: Int = .max) -> Int {
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " "),
            tab = UInt8(ascii: "\t")
        let doubleQuote = UInt8(ascii: "\""), singleQuote = UInt8(ascii: "'"), backslash = UInt8(ascii: "\\"),
            hash = UInt8(ascii: "#")
        let opens: Set<UInt8> = [UInt8(ascii: "["), UInt8(ascii: "{")]
        let closes: Set<UInt8> = [UInt8(ascii: "]"), UInt8(ascii: "}")]
        let indicators: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":")]
        // Where a quoted scalar may start: after these (or at the start of a line).
        let scalarStarts: Set<UInt8> = [
            UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: ":"),
            UInt8(ascii: "-"), UInt8(ascii: "?"),
        ]
        var deepest = 0, flow = 0, indent = 0, blockLevels = 0
        var atLineStart = true, inComment = false, escaped = false
        var quote: UInt8? = nil
        var previous = newline, lastVisible = newline
        for byte in text.utf8 {
            let isBreak = byte == newline || byte == carriageReturn
            let isBlank = byte == space || byte == tab
            if let open = quote {
                if escaped {
                    escaped = false
                } else if open == doubleQuote && byte == backslash {
                    escaped = true
                } else if byte == open {
                    quote = nil
                }
            } else if inComment {
                if isBreak { inComment = false }
            } else if byte == hash && (previous == space || previous == tab || atLineStart) {
                inComment = true
            } else if (byte == doubleQuote || byte == singleQuote)
                && (scalarStarts.contains(lastVisible) || lastVisible == newline)
            {
                quote = byte
            } else if opens.contains(byte) {
                flow += 1
            } else if closes.contains(byte) {
                flow = max(flow - 1, 0)
            } else if flow == 0 && (isBlank || isBreak) && indicators.contains(previous) {
                blockLevels += 1
            }
            if byte == space && atLineStart && quote == nil { indent += 1 }
            if !isBlank { atLineStart = false }
            deepest = max(deepest, flow + indent + blockLevels)
            if deepest > limit { return deepest }
            if isBreak && quote == nil {
                atLineStart = true
                indent = 0
                blockLevels = 0
                lastVisible = newline
            } else if !isBlank && !isBreak {
                lastVisible = byte
            }
            previous = byte
        }
        return deepest
    }
}
