import Foundation
import Testing

/// `plan compare` and `plan sweep` in every output format.
@Suite(.serialized)
struct CompareEndToEndTests {
    @Test func compareAcrossGPUs() throws {
        let result = try Binary.run([
            "compare", "--model", "llama3-8b", "--cluster", "dgx-h100-8,dgx-a100-8", "--global-batch", "64",
            "--format", "json", "--tokens", "1e12",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try result.json()["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 2)
        let h100 = rows[0], a100 = rows[1]
        #expect(h100["gpu"] as? String == "h100-sxm5-80gb" && a100["gpu"] as? String == "a100-sxm4-80gb")
        // The H100 is faster per GPU; days to train = tokens / tokens per second / 86,400.
        let fast = h100["tokensPerSecond"] as? Double ?? 0, slow = a100["tokensPerSecond"] as? Double ?? 0
        #expect(fast > 1.5 * slow)
        let days = h100["daysToTrain"] as? Double ?? 0
        #expect(abs(days - 1e12 / fast / 86_400) / days < 1e-4)
        // dgx-h100-8 gives usd_per_gpu_hour 2.5: cost = 2.5 · 24 · days · 8.
        let cost = h100["costUSD"] as? Double ?? 0
        #expect(abs(cost - 2.5 * 24 * days * 8) / cost < 1e-4)
    }

    @Test func csvHasOneLinePerJob() throws {
        let result = try Binary.run([
            "compare", "--model", "llama3-8b,gpt3-1.3b", "--cluster", "dgx-h100-8", "--global-batch", "64",
            "--format", "csv",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("model,cluster,gpu,devices"))
        let columns = lines[0].split(separator: ",").count
        #expect(
            lines.dropFirst().allSatisfy {
                !$0.contains("\"") ? $0.split(separator: ",", omittingEmptySubsequences: false).count == columns : true
            })
    }

    @Test func sweepScalesAndDrawsACurve() throws {
        let json = try Binary.run([
            "sweep", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--from", "8", "--to", "32",
            "--global-batch", "256", "--format", "json",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let rows = try json.json()["rows"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["devices"] as? Int ?? 0 } == [8, 16, 32])
        let throughput = rows.map { $0["tokensPerSecond"] as? Double ?? 0 }
        #expect(throughput[0] < throughput[1] && throughput[1] < throughput[2])
        let svg = try Binary.run([
            "sweep", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--from", "8", "--to", "32",
            "--global-batch", "256", "--format", "svg",
        ])
        #expect(svg.status == 0)
        #expect(svg.text.hasPrefix("<svg"))
        #expect(svg.text.contains("<polyline"))
        #expect(svg.text.hasSuffix("</svg>\n"))
    }
}
