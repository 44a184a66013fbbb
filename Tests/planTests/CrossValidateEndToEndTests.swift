import CostModel
import Foundation
import PlanFiles
import Planner
import Testing

/// The bundled runs' families and profiles, the fit's shortcut (runs a parameter does not affect are
/// not evaluated), and `plan validate --cross-validate` and several runs files end to end.
struct CrossValidateEndToEndTests {
    static func bundled(_ name: String) throws -> [PublishedRun] {
        let url = Binary.root.appendingPathComponent("validation/\(name)")
        return try RunsFile.decode(try YAMLMapping(contentsOf: url, shownAs: name), data: DataDirectory())
    }

    /// Every bundled run names its family; training-runs.yaml has the six of its header.
    @Test func bundledFamilies() throws {
        let first = try Self.bundled("training-runs.yaml")
        let second = try Self.bundled("training-runs-2.yaml")
        #expect(first.count == 48 && second.count == 55)
        var counts: [String: Int] = [:]
        for run in first { counts[run.family, default: 0] += 1 }
        #expect(
            counts == [
                "sc21": 10, "megatron-examples": 3, "nemo": 12, "megatron-bridge": 17, "bloom": 1, "mosaicml": 5,
            ])
        #expect(
            Set(second.map(\.family)) == ["torchtitan", "megatron-readme", "playbook", "opt", "gpt-neox", "mosaicml"])
        // MosaicML's H100 BF16 table: 15 runs of llm-foundry's Composer FSDP.
        let mpt = second.filter { $0.family == "mosaicml" }
        #expect(mpt.count == 15 && mpt.allSatisfy { $0.framework.name == "composer" && $0.id.contains("-h100-") })
        let titan = second.filter { $0.cluster.profile.name == "h100-sxm5-96gb-500w" }
        #expect(titan.count == 13 && titan.allSatisfy { $0.family == "torchtitan" && $0.id.contains("-h100-") })
        let profile = try #require(titan.first?.cluster.profile)
        #expect(profile.memoryGiB == 96 && profile.memoryTBps == 2.4 && profile.densePeakTFLOPS[.bf16] == 989.4)
    }

    /// A run without `family:` belongs to "unknown".
    @Test func familyDefaultsToUnknown() throws {
        let directory = try Binary.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("runs.yaml")
        try """
        runs:
        - id: one
          model:
            {num_hidden_layers: 4, hidden_size: 1024, num_attention_heads: 16, intermediate_size: 4096,
             vocab_size: 32000}
          cluster: {gpu: h100-sxm5-80gb, nodes: 1, gpus_per_node: 8}
          config: {dp: 8, mbs: 1, global_batch: 64, seq_len: 2048}
          measured: {tokens_per_second_per_gpu: 1000}
        - id: two
          family: mine
          model:
            {num_hidden_layers: 4, hidden_size: 1024, num_attention_heads: 16, intermediate_size: 4096,
             vocab_size: 32000}
          cluster: {gpu: h100-sxm5-80gb, nodes: 1, gpus_per_node: 8}
          config: {dp: 8, mbs: 1, global_batch: 64, seq_len: 2048}
          measured: {tokens_per_second_per_gpu: 1000, memory_gib: 40}

        """.write(to: file, atomically: true, encoding: .utf8)
        let runs = try RunsFile.decode(try YAMLMapping(contentsOf: file, shownAs: "runs.yaml"), data: DataDirectory())
        #expect(runs.map(\.family) == ["unknown", "mine"])
        // Measured memory is read where given, and the report's memory error is the predicted allocator
        // reservation / measured − 1: the allocated peak plus 15% of its activations.
        #expect(runs.map(\.measuredMemoryGiB) == [nil, 40])
        let report = try ValidationReport(runs: runs)
        let row = try #require(report.rows.last)
        let reserved = try #require(row.predictedReservedMemoryGiB)
        #expect(abs((row.memoryError ?? 9) - (reserved / 40 - 1)) < 1e-4)
        #expect(reserved > row.predictedMemoryGiB)
        #expect(report.rows.first?.memoryError == nil)
        #expect(report.all.memoryRuns == 1)
    }

    /// `Parameter.affects` is exact on the bundled runs: moving a value from one end of its grid to the
    /// other leaves the prediction of every run it does not affect unchanged (the fit skips those).
    @Test func unaffectedRunsDoNotMove() throws {
        let runs = try Self.bundled("training-runs.yaml") + Self.bundled("training-runs-2.yaml")
        for parameter in Calibration.Parameter.allCases {
            for run in runs where !parameter.affects(run) {
                var low = run.cluster.profile.efficiency, high = low
                parameter.set(parameter.grid.first!, in: &low)
                parameter.set(parameter.grid.last!, in: &high)
                let a = try Calibration.predictedTokensPerSecondPerDevice(run, efficiency: low)
                let b = try Calibration.predictedTokensPerSecondPerDevice(run, efficiency: high)
                #expect(a == b, "\(parameter.rawValue) moves \(run.id)")
            }
        }
    }

    /// `plan validate --cross-validate` on both bundled files: every run predicted three ways, eleven
    /// families, the fit per profile, and the cross-validated error never below the in-sample one overall.
    @Test func crossValidateBundledRuns() throws {
        let result = try Binary.run(["validate", "--cross-validate", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try result.json()
        let rows = report["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 103)
        #expect(rows.allSatisfy { $0["crossValidatedError"] is Double && $0["inSampleError"] is Double })
        let families = report["families"] as? [[String: Any]] ?? []
        #expect(
            families.map { $0["family"] as? String ?? "" } == [
                "sc21", "megatron-examples", "nemo", "megatron-bridge", "bloom", "mosaicml", "torchtitan",
                "megatron-readme", "playbook", "opt", "gpt-neox",
            ])
        let overall = report["overall"] as? [[String: Any]] ?? []
        #expect(overall.map { $0["scope"] as? String ?? "" } == ["all", "fully specified"])
        let all = overall.first ?? [:]
        let median = { (key: String) in (all[key] as? [String: Any])?["medianAbsoluteError"] as? Double ?? -1 }
        #expect(median("inSample") >= 0 && median("crossValidated") >= median("inSample"))
        let profiles = (report["parameters"] as? [[String: Any]] ?? []).map { $0["profile"] as? String ?? "" }
        #expect(profiles.contains("h100-sxm5-96gb-500w") && profiles == profiles.sorted())
    }

    /// Several runs files make one report; a run id given twice is refused with both files named.
    @Test func severalRunsFiles() throws {
        let both = try Binary.run([
            "validate", "validation/training-runs.yaml", "validation/training-runs-2.yaml",
            "--format", "json",
        ])
        #expect(both.status == 0, "\(both.stderr)")
        #expect((try both.json()["rows"] as? [[String: Any]])?.count == 103)
        let twice = try Binary.run(["validate", "validation/training-runs.yaml", "validation/training-runs.yaml"])
        #expect(twice.status == 1 && twice.stdout.isEmpty)
        #expect(
            twice.stderr.contains("megatron-sc21-gpt-1.7b")
                && twice.stderr.contains("also in validation/training-runs.yaml"))
        // Serving cross-validation holds out the bundled serving families only; a runs file is refused.
        let mixed = try Binary.run(["validate", "--cross-validate", "--serving", "validation/serving-runs.yaml"])
        #expect(mixed.status == 1 && mixed.stderr.contains("--cross-validate"))
    }
}
