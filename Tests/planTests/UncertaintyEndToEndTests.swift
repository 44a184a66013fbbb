import Foundation
import Testing

/// The intervals the plan carries: the shipped file is what the cross-validation writes today, and a
/// plan's interval brackets its prediction.
struct UncertaintyEndToEndTests {
    @Test func shippedIntervalsAreTheCrossValidationsOwn() throws {
        let path = try Binary.scratch().appendingPathComponent("intervals.json")
        let result = try Binary.run(["validate", "--cross-validate", "--write-intervals", path.path])
        #expect(result.status == 0, "\(result.stderr)")
        let shipped = try Data(contentsOf: Binary.root.appendingPathComponent("validation/prediction-intervals.json"))
        #expect(
            try Data(contentsOf: path) == shipped,
            "validation/prediction-intervals.json is stale: rerun plan validate --cross-validate --write-intervals")
        // The claim holds where it can be checked: out of family, at least the claimed share inside.
        let line = try #require(result.text.split(separator: "\n").first { $0.hasPrefix("prediction intervals") })
        let numbers = try #require(try Regex(#"hold (\d+) of (\d+) runs"#).firstMatch(in: String(line)))
        let inside = Double(numbers.output[1].substring!)!, runs = Double(numbers.output[2].substring!)!
        #expect(inside >= 0.8 * runs, "\(line)")
    }

    @Test func planCarriesItsInterval() throws {
        let result = try Binary.run(["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--precision", "fp8"])
        let prediction = try #require(try result.json()["prediction"] as? [String: Any])
        let uncertainty = try #require(prediction["uncertainty"] as? [String: Any])
        let step = try #require(prediction["stepTimeSeconds"] as? Double)
        let range = try #require(uncertainty["stepTimeSeconds"] as? [Double])
        let relative = try #require(uncertainty["relative"] as? Double)
        #expect(range.count == 2 && range[0] < step && step < range[1])
        #expect(abs(range[1] / step - (1 + relative)) < 1e-4 && abs(step / range[0] - (1 + relative)) < 1e-4)
        #expect(uncertainty["coverage"] as? Double == 0.8)
        #expect((uncertainty["basis"] as? String)?.contains("h100-sxm5-80gb, megatron, fp8") == true)
        let table = try Binary.run([
            "train", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--precision", "fp8",
            "--format", "table",
        ]).text
        #expect(table.contains("% interval)"))
    }
}
