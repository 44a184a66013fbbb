import Foundation
import Testing

@Suite(.serialized)
struct TrainEndToEndTests {
    @Test func bundledDefaultHoldsTheContract() throws {
        let result = try Binary.run(["train"])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try result.json()
        #expect(Contract.problems(plan).isEmpty, "\(Contract.problems(plan))")
        #expect(Contract.value(plan, "model.name") as? String == "llama3-70b")
        #expect(Contract.value(plan, "cluster.devices") as? Int == 64)
        #expect(Contract.value(plan, "solver.status") as? String == "optimal")
        // Tensor parallelism stays inside the 8-GPU NVLink domain; the plan fits the device.
        #expect((Contract.value(plan, "parallelism.tensor") as? Int ?? 99) <= 8)
        let total = Contract.value(plan, "prediction.memoryPerDeviceGiB.total") as? Double ?? 999
        #expect(total <= 80)
        let mfu = Contract.value(plan, "prediction.mfu") as? Double ?? 0
        #expect(mfu > 0.2 && mfu < 0.7)
        for alternative in plan["alternatives"] as? [[String: Any]] ?? [] {
            #expect(Contract.problems(alternative.merging(["alternatives": []]) { $1 }).isEmpty)
        }
    }

    @Test func sameInputsSameBytes() throws {
        func stripped(_ data: Data) -> String {
            String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("\"wallSeconds\"") }
                .joined(separator: "\n")
        }
        let first = try Binary.run(["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8"])
        let second = try Binary.run(["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8"])
        #expect(first.status == 0 && second.status == 0)
        #expect(stripped(first.stdout) == stripped(second.stdout))
    }

    /// Verbatim Hugging Face config.json files work as they are (unknown keys, nulls).
    @Test(arguments: [
        ("Tests/Fixtures/llama-3-70b-config.json", "dgx-h100-64", "128", 70.55e9),
        ("Tests/Fixtures/gpt2-xl-config.json", "dgx-a100-8", "64", 1.5576e9),
    ])
    func huggingFaceConfigs(model: String, cluster: String, batch: String, parameters: Double) throws {
        let result = try Binary.run(["train", "--model", model, "--cluster", cluster, "--global-batch", batch])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try result.json()
        #expect(Contract.problems(plan).isEmpty, "\(Contract.problems(plan))")
        let counted = Contract.value(plan, "model.parameters") as? Double ?? 0
        #expect(abs(counted / parameters - 1) < 0.005, "\(counted)")
    }

    @Test func tableForPeople() throws {
        let result = try Binary.run(["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--format", "table"])
        #expect(result.status == 0)
        #expect(result.text.contains("tp="))
        #expect(result.text.contains("memory (fullest device"))
        #expect(result.text.contains("runner-ups"))
    }

    @Test func outIsWrittenWhole() throws {
        let directory = try Binary.scratch()
        let out = directory.appendingPathComponent("plan.json").path
        let result = try Binary.run(["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--out", out])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let written =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any] ?? [:]
        #expect(Contract.problems(written).isEmpty)
    }

    /// A split MILP stopped by the time limit is no proof that nothing fits: the message says which
    /// limit stopped it, and the remedy it gives (a longer --time-limit) does find the plan.
    @Test func timeLimitIsNotInfeasibility() throws {
        let job = ["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--global-batch", "64"]
        let limited = try Binary.run(job + ["--time-limit", "0.001"])
        #expect(limited.status != 0)
        #expect(limited.stderr.contains("no plan found, but that does not mean nothing fits"), "\(limited.stderr)")
        #expect(limited.stderr.contains("no split found within the 0.001 s time limit"), "\(limited.stderr)")
        #expect(limited.stderr.contains("raise --time-limit"), "\(limited.stderr)")
        #expect(!limited.stderr.contains("no configuration fits"), "\(limited.stderr)")
        let raised = try Binary.run(job + ["--time-limit", "30"])
        #expect(raised.status == 0, "\(raised.stderr)")
        let plan = try raised.json()
        #expect(Contract.problems(plan).isEmpty, "\(Contract.problems(plan))")
        let why = plan["whyNotOthers"] as? [String] ?? []
        #expect(!why.isEmpty && !why.contains { $0.contains("time limit") }, "\(why)")
    }

    /// A "why not" line's lower bound proves the loss it names: never below the winner's step. A
    /// candidate whose MILP found no split under its cutoff is at least that cutoff, also when it shared
    /// its table with a candidate solved earlier (the default plan printed "tp=4: at least +0% step
    /// time (lower bound 14.1 s)" against a 14.6 s winner before the cutoff was kept per table).
    @Test func whyNotBoundsAreNeverBelowTheWinner() throws {
        let result = try Binary.run(["train", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try result.json()
        let step = try #require((plan["prediction"] as? [String: Any])?["stepTimeSeconds"] as? Double)
        let why = plan["whyNotOthers"] as? [String] ?? []
        let bound = try Regex(#"lower bound ([0-9.]+) s"#)
        var checked = 0
        for line in why {
            guard let match = try bound.firstMatch(in: line), let text = match.output[1].substring else { continue }
            let seconds = try #require(Double(text))
            // The bound is printed to three significant digits.
            #expect(seconds >= step * 0.995, "\(line) (winner \(step) s)")
            #expect(!line.contains("at least +0%"), "\(line)")
            checked += 1
        }
        #expect(checked > 3, "\(why)")
    }

    /// `evaluate` of BLOOM-176B's published configuration (tp 4, pp 12, dp 8, mbs 2, full recompute).
    @Test func evaluatePublishedConfiguration() throws {
        let result = try Binary.run([
            "evaluate", "--model", "bloom-176b", "--cluster", "dgx-a100-3072", "--global-batch", "2048",
            "--seq-len", "2048", "--tp", "4", "--pp", "12", "--dp", "64", "--mbs", "2",
            "--recompute", "full", "--split", "uniform",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try result.json()
        #expect(Contract.problems(plan).isEmpty, "\(Contract.problems(plan))")
        let stages = plan["stages"] as? [[String: Any]] ?? []
        // 70 layers over 12 stages: 10 stages of 6 and 2 of 5, all recomputed.
        #expect(stages.map { $0["layerCount"] as? Int ?? 0 } == [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5])
        #expect(stages.allSatisfy { $0["recomputedLayers"] as? Int == $0["layerCount"] as? Int })
    }
}
