import Foundation
import Testing

/// `plan infer` under load: the simulated percentiles, the capacity answer, and the load errors.
@Suite(.serialized)
struct ServingLoadEndToEndTests {
    static let readme = [
        "infer", "--model", "llama3-70b", "--cluster", "dgx-h100-8", "--ttft-ms", "500", "--tpot-ms", "30",
        "--precision", "bf16,fp8",
    ]

    /// The README example: at 10 requests/s the plan meets both p99 targets; its capacity is
    /// higher than 10 requests/s and, at that rate, the slower p99 is within 1% of its target;
    /// the prediction's TTFT and TPOT are the means at that load.
    @Test func capacityOfTheReadmeExample() throws {
        let result = try Binary.run(Self.readme + ["--request-rate", "10", "--find-max-rate"])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try result.json()
        #expect(Contract.value(plan, "prediction.load.meetsTargets") as? Bool == true)
        #expect(Contract.value(plan, "prediction.load.kind") as? String == "poisson")
        let mean = Contract.value(plan, "prediction.load.ttftSeconds.mean") as? Double
        #expect(mean != nil && Contract.value(plan, "prediction.ttftSeconds") as? Double == mean)
        let rate = Contract.value(plan, "prediction.maxRequestRate.requestsPerSecond") as? Double ?? 0
        #expect(rate > 10 && rate < 100, "\(rate)")
        let replicas = Contract.value(plan, "prediction.maxRequestRate.replicas") as? [[String: Any]] ?? []
        #expect(replicas.count == 1)
        let ttft = (replicas.first?["ttftSeconds"] as? [String: Double])?["p99"] ?? 9
        let tpot = (replicas.first?["tpotSeconds"] as? [String: Double])?["p99"] ?? 9
        #expect(ttft <= 0.5 && tpot <= 0.03)
        #expect(max(ttft / 0.5, tpot / 0.03) > 0.99, "\(ttft) \(tpot)")
        // The disaggregated split is searched too and chosen only where it serves more.
        let best = Contract.value(plan, "prediction.maxRequestRate.best") as? String
        let split = Contract.value(plan, "prediction.maxRequestRate.disaggregated.requestsPerSecond") as? Double ?? 0
        #expect(best == (split > rate ? "disaggregated" : "colocated"))
        // Twice the capacity misses a target.
        let over = try Binary.run(Self.readme + ["--request-rate", "\(2 * rate)"])
        #expect(Contract.value(try over.json(), "prediction.load.meetsTargets") as? Bool == false)
    }

    /// The same inputs give byte-identical plans under load.
    @Test func deterministic() throws {
        let args = Self.readme + ["--concurrency", "32", "--prompt-spread", "0.5", "--output-spread", "0.5"]
        let a = try Binary.run(args), b = try Binary.run(args)
        #expect(a.status == 0, "\(a.stderr)")
        let strip = { (data: Data) in
            String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("wallSeconds") }
        }
        #expect(strip(a.stdout) == strip(b.stdout))
        #expect(Contract.value(try a.json(), "prediction.load.concurrency") as? Int == 32)
    }

    /// Prompts past the model's context, contradictory loads and a capacity question without a
    /// target are errors naming the flag, exit 1, nothing printed.
    @Test func badLoadsAreErrors() throws {
        let cases: [([String], String)] = [
            (["infer", "--model", "llama3-70b", "--prompt-tokens", "1000000"], "8192"),
            (["infer", "--request-rate", "5", "--concurrency", "8"], "--concurrency"),
            (["infer", "--find-max-rate"], "--ttft-ms"),
            (["infer", "--request-rate", "0"], "--request-rate"),
            (["infer", "--request-rate", "1", "--prompt-spread", "1.5"], "--prompt-spread"),
        ]
        for (args, needle) in cases {
            let result = try Binary.run(args)
            #expect(result.status == 1, "\(args)")
            #expect(result.stdout.isEmpty, "\(args)")
            #expect(result.stderr.contains(needle), "\(args): \(result.stderr)")
        }
    }
}
