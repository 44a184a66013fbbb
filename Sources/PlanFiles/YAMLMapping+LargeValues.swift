/// Yams builds a node per list element: a 9 MB config.json with a 3-million-element list in a key
/// `plan` never reads took 12 s and 400 MB. A JSON file's top-level values longer than
/// `largeValueBytes` are replaced, before parsing, by a short string naming their size, padded with
/// the newlines they held so every later line keeps its number. No key `plan` reads holds anything
/// near that size; one that did would be refused with the placeholder as its value.
extension YAMLMapping {
    static let largeValueBytes = 64 << 10
    /// YAML (not JSON) larger than this is refused: Yams took 3 s and 280 MB on 12 MB of YAML, and
    /// block YAML cannot be skipped through as safely. Model, cluster and runs files are KiB.
    static let maximumYAMLBytes = 1 << 20

    /// `text` with its large top-level JSON values replaced; `text` itself when it is small or holds
    /// no large value. Refuses YAML (anything but a JSON object) over `maximumYAMLBytes`.
    static func withoutLargeValues(_ text: String, file: String, flag: String?) throws -> String {
        guard text.utf8.count > largeValueBytes else { return text }
        var bytes = Array(text.utf8)
        guard let ranges = topLevelJSONValues(bytes) else {
            guard bytes.count <= maximumYAMLBytes else {
                throw InputError(
                    file: file, key: flag,
                    "is \(bytes.count >> 10) KiB of YAML, more than the \(maximumYAMLBytes >> 20) MiB read as YAML "
                        + "(JSON objects up to \(maximumBytes >> 20) MiB are read); model, cluster and runs files "
                        + "are a few KiB, so this is likely the wrong file")
            }
            return text
        }
        guard ranges.contains(where: { $0.count > largeValueBytes }) else { return text }
        let newline = UInt8(ascii: "\n")
        for range in ranges.reversed() where range.count > largeValueBytes {
            let lines = bytes[range].reduce(0) { $0 + ($1 == newline ? 1 : 0) }
            let placeholder = "\"(a value of \(range.count) bytes, not read)\"" + String(repeating: "\n", count: lines)
            bytes.replaceSubrange(range, with: Array(placeholder.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The byte ranges of the values of a JSON object's members, or nil when `bytes` is not one
    /// (a YAML file, or JSON the parser should report on).
    static func topLevelJSONValues(_ bytes: [UInt8]) -> [Range<Int>]? {
        var scanner = JSONScanner(bytes: bytes)
        scanner.skipSpace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var ranges: [Range<Int>] = []
        scanner.skipSpace()
        if scanner.take(UInt8(ascii: "}")) { return ranges }
        while true {
            scanner.skipSpace()
            guard scanner.peek == UInt8(ascii: "\""), scanner.skipValue() else { return nil }
            scanner.skipSpace()
            guard scanner.take(UInt8(ascii: ":")) else { return nil }
            scanner.skipSpace()
            let start = scanner.index
            guard scanner.skipValue() else { return nil }
            ranges.append(start..<scanner.index)
            scanner.skipSpace()
            if scanner.take(UInt8(ascii: ",")) { continue }
            return scanner.take(UInt8(ascii: "}")) ? ranges : nil
        }
    }
}

/// Skips over JSON values without building them.
private struct JSONScanner {
    let bytes: [UInt8]
    var index = 0

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    /// Moves past one value (string, number, literal, array or object); false on malformed input.
    mutating func skipValue() -> Bool {
        guard let first = peek else { return false }
        switch first {
        case UInt8(ascii: "\""): return skipString()
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            // Brackets nest; strings inside may hold brackets, so they are skipped whole.
            var depth = 0
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                default: break
                }
                index += 1
            }
            return false
        default:
            let start = index
            while let byte = peek, !",}] \t\r\n".utf8.contains(byte) { index += 1 }
            return index > start
        }
    }

    private mutating func skipString() -> Bool {
        index += 1
        while let byte = peek {
            index += 1
            if byte == UInt8(ascii: "\\") {
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                return true
            }
        }
        return false
    }
}
