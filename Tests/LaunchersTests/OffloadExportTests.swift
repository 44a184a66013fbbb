import Foundation
import Launchers
import PlanFiles
import Testing

/// A plan with CPU activation offload launches as planned on Megatron-LM and is refused by the exports
/// of frameworks without it.
struct OffloadExportTests {
    /// Llama 3 70B on one GB200 NVL72 rack with Megatron-FSDP, the first 40 layers' activations on the
    /// host (Megatron-Bridge's GB200 FP8 recipe, on 72 GPUs).
    static let offloaded = PlanRequest.evaluate(
        .init(
            model: "llama3-70b", cluster: "gb200-nvl72", globalBatch: 144, sequenceLength: 8192, tp: 1, pp: 1,
            dp: 72, mbs: 2, zero: 3, precision: .fp8, cpuOffloadLayers: 40))

    @Test func thePlanRecordsTheOffloadAndMegatronRunsIt() throws {
        let directory = try Plans.scratch()
        let (path, json) = try Plans.write(Self.offloaded, in: directory)
        let recompute = json["recompute"] as? [String: Any]
        #expect(recompute?["cpuOffloadLayers"] as? Int == 40)
        let script = try Plans.export(path, as: .megatron).text
        #expect(script.contains("--cpu-offloading-num-layers 40"))
        let known = try LauncherOptionsTests.options("megatron.txt").union(LauncherOptionsTests.options("torchrun.txt"))
        let unknown = LauncherOptionsTests.flags(in: script).filter { !known.contains($0) }
        #expect(unknown.isEmpty, "\(unknown)")
    }

    @Test func exportsWithoutOffloadRefuseThePlan() throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(Self.offloaded, in: directory)
        for format in [ExportFormat.torchtitan, .deepspeed, .horovod] {
            do {
                _ = try Plans.export(path, as: format)
                Issue.record("--to \(format.rawValue) exported a plan with CPU offload")
            } catch let error as InputError {
                #expect(error.description.contains("recompute.cpuOffloadLayers"), "\(error)")
                #expect(error.description.contains("--to megatron"), "\(error)")
            }
        }
    }

    @Test func plansWithoutOffloadSayNothing() throws {
        let directory = try Plans.scratch()
        let (path, json) = try Plans.write(ExportTests.small, in: directory)
        #expect((json["recompute"] as? [String: Any])?["cpuOffloadLayers"] == nil)
        #expect(!(try Plans.export(path, as: .megatron).text.contains("cpu-offloading")))
    }
}
