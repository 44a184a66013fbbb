import Foundation
import Planner
import Testing

/// `plan validate` on the bundled published runs (validation/training-runs.yaml) meets the
/// accuracy targets: median |error| of tokens/s per GPU ≤ 8% and worst ≤ 20% on the fully
/// specified runs, and no run that actually ran is predicted out of memory.
struct ValidateEndToEndTests {
    @Test func publishedRunsWithinTargets() throws {
        let result = try Binary.run(["validate", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try result.json()
        let summary = try #require(report["fullySpecified"] as? [String: Any])
        let runs = summary["runs"] as? Int ?? 0
        let median = summary["medianAbsoluteError"] as? Double ?? 1
        let worst = summary["worstAbsoluteError"] as? Double ?? 1
        #expect(runs >= 30)
        #expect(median <= 0.08, "median |error| \(median)")
        #expect(worst <= 0.20, "worst |error| \(worst) in \(summary["worstRun"] ?? "")")
        #expect(summary["predictedOutOfMemory"] as? Int == 0)
        let rows = report["rows"] as? [[String: Any]] ?? []
        // Dense and MoE alike: every fully specified MoE run within 20%.
        let moe = rows.filter {
            ($0["configuration"] as? String ?? "").contains(" ep") && $0["fullySpecified"] as? Bool == true
        }
        #expect(moe.count >= 4)
        for row in moe { #expect(abs(row["error"] as? Double ?? 1) <= 0.20, "\(row["id"] ?? "")") }
    }

    /// Memory where torchtitan measured it (its reserved peaks, torch.cuda.max_memory_reserved(),
    /// validation/training-runs-2.yaml) against the predicted allocator reservation: the six
    /// Llama-3.1-8B FSDP runs at tp 1 within 6% each and 4% at the median, and no run that ran
    /// predicted out of memory. Without the allocator's fragmentation (15% of the activations) every
    /// one was 9–16% under; the loss's backward peak (12 bytes per logit) matters too: at 10 the
    /// 128-GPU eager run was 21.8% under.
    @Test func torchtitanMemoryWhereMeasured() throws {
        let result = try Binary.run(["validate", "validation/training-runs-2.yaml", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try result.json()
        #expect((report["all"] as? [String: Any])?["predictedOutOfMemory"] as? Int == 0)
        let rows = (report["rows"] as? [[String: Any]] ?? []).filter {
            ($0["id"] as? String ?? "").hasPrefix("torchtitan-llama31-8b-") && $0["measuredMemoryGiB"] != nil
        }
        #expect(rows.count == 6)
        let errors = rows.map { $0["memoryError"] as? Double ?? 1 }
        #expect(errors.allSatisfy { abs($0) < 0.06 }, "\(errors)")
        #expect(Statistics.median(errors.map(abs)) ?? 1 <= 0.04, "\(errors)")
    }

    /// One run checked by hand against its source: BLOOM-176B logged 19.561 samples/s × 2048 tokens
    /// on 384 A100s = 104.3 tokens/s per GPU (bigscience tr11-176B-ml README); predicted within 10%.
    @Test func bloomWithinTenPercent() throws {
        let result = try Binary.run(["validate", "--format", "json"])
        let rows = try result.json()["rows"] as? [[String: Any]] ?? []
        let bloom = try #require(rows.first { $0["id"] as? String == "bloom-176b-384xa100" })
        #expect(bloom["measuredTokensPerSecondPerDevice"] as? Double == 104.3)
        #expect(abs(bloom["error"] as? Double ?? 1) < 0.10)
    }
}

/// `plan validate --serving` on the bundled published serving measurements (TensorRT-LLM, LMDeploy,
/// vLLM): median |error| over the fully specified measurements within 15%.
struct ServingValidateEndToEndTests {
    @Test func publishedServingWithinTarget() throws {
        let result = try Binary.run(["validate", "--serving", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try result.json()
        let summary = try #require(report["fullySpecified"] as? [String: Any])
        #expect(summary["runs"] as? Int ?? 0 >= 40)
        #expect(summary["medianAbsoluteError"] as? Double ?? 1 <= 0.15)
        // Issue 16's bar: throughput, TTFT and TPOT each within 15% median over the fully specified runs.
        let byMetric = report["byMetric"] as? [[String: Any]] ?? []
        for metric in ["output tokens/s", "TTFT s", "TPOT s"] {
            let entry = byMetric.first { $0["metric"] as? String == metric }
            let fully = entry?["fullySpecified"] as? [String: Any]
            #expect(fully?["runs"] as? Int ?? 0 >= 9, "\(metric)")
            #expect(fully?["medianAbsoluteError"] as? Double ?? 1 <= 0.15, "\(metric)")
        }
        // At load: LMDeploy's 128-client ShareGPT run of Llama-2-7B measured a mean TTFT of 205 ms,
        // queueing included; the closed-loop simulation is within 25% (the idle-prefill formula was 52% low).
        let loaded = try #require(
            rows(report).first {
                $0["id"] as? String == "lmdeploy-v010a1-a100-llama2-7b-tp1-conc128-sharegpt"
                    && $0["metric"] as? String == "TTFT s"
            })
        #expect(abs(loaded["error"] as? Double ?? 1) < 0.25)
        // A hand-checked point: LMDeploy Llama-2-70B tp4 batch 1 on A100 decodes at 29 ms per token
        // (serving-runs.md); predicted within 15%.
        let point = try #require(
            rows(report).first {
                $0["id"] as? String == "lmdeploy-v010a1-a100-llama2-70b-tp4-bs1-128-128"
                    && $0["metric"] as? String == "TPOT s"
            })
        #expect(point["measured"] as? Double == 0.029)
        #expect(abs(point["error"] as? Double ?? 1) < 0.15)
    }

    func rows(_ report: [String: Any]) -> [[String: Any]] { report["rows"] as? [[String: Any]] ?? [] }
}

/// The plan `plan train` finds is never slower than the published configuration of any reference
/// run (with up to 64 GPUs) evaluated under the same assumptions and the optimal split.
struct SearchBeatsPublishedTests {
    @Test func searchNeverWorseThanPublished() throws {
        let result = try Binary.run(["validate", "--search-up-to", "64", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try result.json()["rows"] as? [[String: Any]] ?? []
        let compared = rows.filter { $0["searchStepSeconds"] != nil && $0["publishedStepSeconds"] != nil }
        #expect(compared.count >= 15)
        for row in compared {
            let search = row["searchStepSeconds"] as? Double ?? .infinity
            let published = row["publishedStepSeconds"] as? Double ?? 0
            // Six significant digits in the JSON: allow their rounding.
            #expect(
                search <= published * (1 + 2e-6), "\(row["id"] ?? ""): search \(search) s > published \(published) s")
        }
    }
}

/// `plan validate --grid` on a small grid: one cell of three rows, its table and its JSON.
struct GridValidateEndToEndTests {
    static let csv = """
        model,nodes,mbs,grad_acc,gbs,dp,pp,tp,zero_stage,mfu_pct,tok_s_gpu,tok_s_total,gpu_mem_gb
        1B,1,1,32,256,8,1,1,0,38.3,39273,314187,36.7
        1B,1,1,32,256,8,1,1,1,38.1,39006,312045,24.2
        1B,1,1,64,256,4,1,2,0,28.6,29274,234190,19.5
        3B,4,1,256,256,1,32,1,0,1,1000,32000,30

        """

    @Test func smallGrid() throws {
        let folder = try Binary.scratch()
        let file = folder.appendingPathComponent("grid.csv")
        try Self.csv.write(to: file, atomically: true, encoding: .utf8)
        let json = try Binary.run(["validate", "--grid", file.path, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try json.json()
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["rows"] as? Int == 4)
        // pp 32 for 28 layers cannot run: no prediction.
        #expect(summary["unpredicted"] as? Int == 1)
        #expect(summary["rankedCells"] as? Int == 1)
        let rows = report["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 4)
        #expect(rows.first?["measuredMemoryGiB"] as? Double == 36.7)  // GiB as nanotron wrote it
        #expect(rows.first?["predictedTokensPerSecondPerDevice"] as? Double ?? 0 > 0)
        let table = try Binary.run(["validate", "--grid", file.path])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.text.contains("ranking"))
        #expect(table.text.contains("throughput all"))
        let combined = try Binary.run(["validate", "--grid", file.path, "--serving"])
        #expect(combined.status == 1 && combined.stderr.contains("--grid"))
    }

    /// The whole playbook grid with nanotron on the playbook's own cluster measurements
    /// (clusters/aws-p5-efa-64.yaml). With the measured all-reduce and gather bandwidth by node count,
    /// the configuration ranked first in the 1B 16- and 32-node cells and the 3B 32-node cell is the one
    /// that measured fastest; in the 3B 16-node cell it is tp2 dp64 mbs2 ZeRO-0, which measured 12,028
    /// tokens/s/GPU, 90.2% of the best (tp4 dp32 mbs8 ZeRO-0, 13,337).
    /// Memory, with nanotron's loss logits and eager SwiGLU counted and compared as the allocator
    /// reserves it (15% of the activations on top), is within 12% at the median (17.2% allocated
    /// alone), and no configuration that ran is predicted not to fit.
    @Test func playbookGridRanksTheMeasuredBestAtScale() throws {
        let result = try Binary.run(["validate", "--grid", "validation/playbook-grid-1b-3b.csv", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try result.json()
        let cells = try #require(report["cells"] as? [[String: Any]])
        for cell in cells where [16, 32].contains(cell["nodes"] as? Int ?? 0) {
            let ratio = cell["topOneRatio"] as? Double ?? 0
            if cell["model"] as? String == "3B", cell["nodes"] as? Int == 16 {
                #expect(abs(ratio - 0.902) < 0.001, "\(cell)")  // 12028 / 13337 tokens/s/GPU
            } else {
                #expect(ratio == 1, "\(cell)")
            }
        }
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["medianTopOneRatio"] as? Double == 1)
        #expect(summary["predictedOutOfMemory"] as? Int == 0)
        let memory = try #require(summary["memory"] as? [String: Any])
        #expect(memory["medianAbsoluteError"] as? Double ?? 1 < 0.12)
        // The ZeRO-0/ZeRO-1 twins of 3B on 4 and 8 nodes ran about 3x apart (the slow pipelined ZeRO-0
        // rows); on one node every cell's twins agree within 5%.
        for cell in cells {
            let spread = cell["twinSpread"] as? Double ?? 0
            if cell["model"] as? String == "3B", [4, 8].contains(cell["nodes"] as? Int ?? 0) {
                #expect(spread > 1.5, "\(cell)")
            }
            if cell["nodes"] as? Int == 1 { #expect(spread < 0.05, "\(cell)") }
        }
        #expect(summary["agreeingCells"] as? Int == 11)
        // The cluster's pipeline handoff table is the grid's own fit, to the millisecond (refit it when the
        // cost model changes); fitted on the other model alone it still ranks each cell at a median
        // Spearman above the issue's 0.8 (0.814), against 0.754 without it.
        let handoff = try #require(report["handoff"] as? [String: Any])
        let fitted = try #require(handoff["fitted"] as? [[String: Any]])
        let shipped: [Int: Double] = [2: 0.014, 4: 0.031, 8: 0.061, 16: 0.125, 32: 0.303, 64: 0.995]
        #expect(fitted.count == shipped.count)
        for point in fitted {
            let nodes = point["nodes"] as? Int ?? 0, seconds = point["seconds"] as? Double ?? 0
            #expect(abs(seconds - (shipped[nodes] ?? -1)) < 0.0006, "\(point)")
        }
        let crossModel = try #require(handoff["crossModel"] as? [String: Any])
        let without = try #require(handoff["without"] as? [String: Any])
        #expect(crossModel["medianSpearman"] as? Double ?? 0 > 0.8, "\(crossModel)")
        #expect(without["medianSpearman"] as? Double ?? 1 < 0.76, "\(without)")
        // The same nodes at the NIC line rate alone (--grid-cluster dgx-h100-64): the 16-node cells rank
        // wide data parallelism first, below the measured best.
        let nic = try Binary.run([
            "validate", "--grid", "validation/playbook-grid-1b-3b.csv", "--grid-cluster", "dgx-h100-64", "--format",
            "json",
        ])
        #expect(nic.status == 0, "\(nic.stderr)")
        let nicCells = try #require(try nic.json()["cells"] as? [[String: Any]])
        let sixteen = nicCells.filter { $0["nodes"] as? Int == 16 }.compactMap { $0["topOneRatio"] as? Double }
        #expect(sixteen.count == 2 && sixteen.allSatisfy { $0 < 0.9 }, "\(sixteen)")
        let alone = try Binary.run(["validate", "--grid-cluster", "dgx-h100-64"])
        #expect(alone.status == 1 && alone.stderr.contains("needs --grid"), "\(alone.stderr)")
    }
}
