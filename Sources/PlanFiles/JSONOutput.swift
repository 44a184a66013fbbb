import Foundation

extension Encodable {
    /// Pretty, key-sorted JSON with a final newline: the same value gives the same bytes.
    package func prettyJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
