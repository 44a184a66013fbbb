import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The pictures `plan` draws, read back as XML: every text inside the view box, no two text boxes
/// overlapping (boxes estimated as the drawing code does: 0.58 em per character), ticks at 1-2-5
/// steps.
struct PictureTests {
    struct Text {
        var x, y, size: Double; var anchor: String; var content: String; var rotated: Bool
        /// Left, top, width, height.
        var box: (Double, Double, Double, Double) {
            let width = Double(content.count) * size * 0.58
            let left = anchor == "middle" ? x - width / 2 : anchor == "end" ? x - width : x
            return (left, y - size * 0.8, width, size)
        }
    }

    final class Reader: NSObject, XMLParserDelegate {
        var texts: [Text] = []
        var viewBox: [Double] = []
        private var current: Text?

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String]
        ) {
            if name == "svg", let box = attributes["viewBox"] {
                viewBox = box.split(separator: " ").compactMap { Double($0) }
            }
            if name == "text" {
                current = Text(
                    x: Double(attributes["x"] ?? "0") ?? 0, y: Double(attributes["y"] ?? "0") ?? 0,
                    size: Double(attributes["font-size"] ?? "12") ?? 12, anchor: attributes["text-anchor"] ?? "start",
                    content: "", rotated: attributes["transform"] != nil)
            }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { current?.content += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text", let text = current { texts.append(text) }
            current = nil
        }
    }

    static func read(_ arguments: [String]) throws -> Reader {
        let result = try Binary.run(arguments + ["--format", "svg"])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let parser = XMLParser(data: result.stdout)
        let reader = Reader()
        parser.delegate = reader
        #expect(parser.parse(), "\(arguments): not XML: \(String(describing: parser.parserError))")
        return reader
    }

    static func checkLayout(_ reader: Reader, _ name: String) {
        #expect(reader.viewBox.count == 4, "\(name)")
        guard reader.viewBox.count == 4 else { return }
        let (width, height) = (reader.viewBox[2], reader.viewBox[3])
        let flat = reader.texts.filter { !$0.rotated && !$0.content.isEmpty }
        #expect(flat.count > 5, "\(name)")
        for text in flat {
            let (x, y, w, h) = text.box
            #expect(
                x >= 0 && y >= 0 && x + w <= width && y + h <= height, "\(name): '\(text.content)' leaves the view box")
        }
        for (i, a) in flat.enumerated() {
            for b in flat[(i + 1)...] {
                let (ax, ay, aw, ah) = a.box, (bx, by, bw, bh) = b.box
                let overlap = ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah
                #expect(!overlap, "\(name): '\(a.content)' and '\(b.content)' overlap")
            }
        }
    }

    static let plans: [(String, [String])] = [
        ("default", ["train"]),
        ("interleaved", ["train", "--model", "llama3.1-405b", "--cluster", "dgx-h100-1024", "--global-batch", "512"]),
        (
            "fsdp",
            [
                "evaluate", "--model", "llama3.1-70b", "--cluster", "dgx-h100-64", "--framework", "torchtitan", "--tp",
                "1", "--pp", "1", "--dp", "64", "--mbs", "1", "--zero", "3", "--recompute", "full",
            ]
        ),
        ("sweep", ["sweep", "--model", "llama3-70b", "--cluster", "dgx-h100-64"]),
        (
            "compare",
            ["compare", "--model", "llama3-70b,llama3.1-405b", "--cluster", "dgx-h100-64,dgx-a100-64,dgx-b200-64"]
        ),
    ]

    @Test(arguments: plans.map(\.0))
    func picturesAreXMLWithTextInsideAndApart(name: String) throws {
        let arguments = try #require(Self.plans.first { $0.0 == name }?.1)
        let reader = try Self.read(arguments)
        Self.checkLayout(reader, name)
        // Axis ticks are 1-2-5 steps: the labels of one axis (one y) step by 1, 2 or 5 × 10^k.
        let numeric = reader.texts.filter { $0.anchor == "middle" && $0.size == 10 }.compactMap {
            text -> (Double, Double)? in
            let value = text.content.replacingOccurrences(of: " s", with: "").replacingOccurrences(of: "k", with: "e3")
                .replacingOccurrences(of: "M", with: "e6")
            return Double(value).map { (text.y, $0) }
        }
        for (_, axis) in Dictionary(grouping: numeric, by: { $0.0 }) where axis.count >= 3 {
            let values = axis.map(\.1).sorted()
            let steps = zip(values, values.dropFirst()).map { $1 - $0 }
            guard let step = steps.min(), step > 0 else { continue }
            let leading = step / pow(10, floor(log10(step)))
            #expect([1, 2, 5].contains { abs(leading - $0) < 1e-6 }, "\(name): ticks \(values)")
            for s in steps { #expect(abs(s / step - (s / step).rounded()) < 1e-6, "\(name): ticks \(values)") }
        }
    }

    /// The interleaved 405B plan (tp 4, pp 32, cp 4, 3 virtual stages) folds its middle and says how
    /// much, and draws one row per pipeline rank; the sweep marks the sizes that do not fit and names
    /// its workload.
    @Test func longSchedulesFoldAndMissingPointsShow() throws {
        let interleaved = try Self.read(Self.plans[1].1)
        #expect(interleaved.texts.contains { $0.content.contains("passes,") && $0.content.contains("s folded") })
        #expect(interleaved.texts.filter { $0.content.hasPrefix("rank ") }.count == 32)
        let sweep = try Self.read(Self.plans[3].1)
        #expect(sweep.texts.filter { $0.content == "does not fit" }.count == 2)
        #expect(sweep.texts.contains { $0.content.contains("global batch 1024 × 8192 tokens (sweep's default") })
        #expect(sweep.texts.contains { $0.content.contains("log scale: the values span more than a decade") })
    }
}
