import PlanFiles

/// What every SVG `plan` draws shares: text made safe for XML and coordinates written short.
enum SVG {
    /// Text for an SVG element: control characters escaped as tables show them (XML 1.0 admits none but
    /// tab and line breaks), then `&`, `<` and `>` as entities.
    static func escape(_ text: String) -> String {
        DisplayText.escaped(text).replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A coordinate with one decimal, in quotes for an attribute.
    static func q(_ value: Double) -> String { "\"\(String(format: "%.1f", value))\"" }

    /// Roughly how wide `text` is at `size` px in Helvetica: 0.58 em per character, an upper bound
    /// for the digits and lower-case letters labels hold. Used to keep labels apart and inside.
    static func width(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.58 }
}
