import CostModel
import Foundation
import PlanFiles
import Testing

@testable import Launchers

/// What Megatron-LM recomputes per chunk for the flags the export chooses equals the plan's per-chunk
/// recompute, and a plan Megatron cannot run is refused (hand-checked against megatron/core/recompute.py:
/// uniform with 1 recomputes every layer, block with N the first min(N, held) layers of each chunk).
struct LaunchedRecomputeTests {
    @Test func megatronMethodForEachPattern() {
        let held = [20, 20, 21, 19]
        #expect(MegatronRecompute.method(held: held, recomputed: held) == .everyLayer)
        #expect(MegatronRecompute.method(held: held, recomputed: [3, 3, 3, 3]) == .firstLayers(3))
        #expect(MegatronRecompute.method(held: held, recomputed: [0, 0, 0, 0]) == .noLayer)
        // 1 layer in chunk 0 only: --recompute-num-layers 1 would recompute one in every chunk.
        #expect(MegatronRecompute.method(held: held, recomputed: [1, 0, 0, 0]) == nil)
        #expect(MegatronRecompute.method(held: held, recomputed: [3, 2, 3, 3]) == nil)
        // A chunk smaller than N recomputes all it holds.
        #expect(MegatronRecompute.method(held: [4, 2, 4], recomputed: [3, 2, 3]) == .firstLayers(3))
        #expect(MegatronRecompute.launched(.firstLayers(3), held: [4, 2, 4]) == [3, 2, 3])
    }

    @Test func launcherCapabilities() {
        #expect(RecomputeLayers.sameCount.admits(held: [4, 2, 4], recomputed: [3, 2, 3]))
        #expect(!RecomputeLayers.sameCount.admits(held: [20, 20], recomputed: [1, 0]))
        #expect(RecomputeLayers.all.admits(held: [20, 20], recomputed: [20, 20]))
        #expect(RecomputeLayers.all.admits(held: [20, 20], recomputed: [0, 0]))
        #expect(!RecomputeLayers.all.admits(held: [20, 20], recomputed: [3, 3]))
        #expect(RecomputeLayers.any.admits(held: [20, 20], recomputed: [1, 0]))
    }

    /// Planned for Megatron, ZeRO-3 with full recompute: the MILP recomputes 6 of the 32 layers (block N = 6;
    /// 3 before the loss's 16-bit logits, 2·T·V = 4.2 GB at T = 16,384, were counted beside their fp32 copy,
    /// 5 before the layer rebuilt for its backward, 139,392 bytes per token = 2.28 GB, was counted),
    /// which torchtitan's all-or-nothing checkpointing cannot run, so that export is refused.
    @Test func blockRecomputeIsMegatronsOnly() throws {
        let directory = try Plans.scratch()
        let request = PlanRequest.evaluate(
            .init(model: "llama3-8b", cluster: "dgx-h100-64", tp: 1, pp: 1, dp: 64, mbs: 2, recompute: .full, zero: 3))
        let (path, plan) = try Plans.write(request, in: directory)
        #expect(Contract.value(plan, "recompute.layersPerStage") as? [Int] == [6])
        let script = try Plans.export(path, as: .megatron).text
        #expect(script.contains("--recompute-method block") && script.contains("--recompute-num-layers 6"))
        let message = ExportTests.refusal { _ = try Plans.export(path, as: .torchtitan) }
        #expect(message.contains("recompute.layersPerStage") && message.contains("every layer"), "\(message)")
    }

    /// Planned for torchtitan, the search recomputes every layer of every stage or none, and the TOML says so.
    @Test func torchtitanPlansRecomputeEveryLayerOrNone() throws {
        let directory = try Plans.scratch()
        let request = PlanRequest.evaluate(
            .init(
                model: "llama3-8b", cluster: "dgx-h100-64", tp: 1, pp: 1, dp: 64, mbs: 2, recompute: .full, zero: 3,
                framework: "torchtitan"))
        let (path, plan) = try Plans.write(request, in: directory)
        #expect(Contract.value(plan, "recompute.layersPerStage") as? [Int] == [32])
        let toml = try TOMLSubset.parse(try Plans.export(path, as: .torchtitan).text)
        #expect(toml["activation_checkpoint"]?["mode"] as? String == "full")
    }
}

/// vLLM's MODEL defaults to the Hugging Face id the plan carries (models/llama3-8b.yaml `_name_or_path`).
struct ServingModelTests {
    @Test func modelDefaultsToTheSourceId() throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(VLLMExportTests.single, in: directory)
        #expect(Contract.value(plan, "model.sourceId") as? String == "meta-llama/Meta-Llama-3-8B")
        let script = try Plans.export(path, as: .vllm).text
        #expect(script.contains("MODEL=\"${MODEL:-meta-llama/Meta-Llama-3-8B}\""), "\(script)")
    }
}
