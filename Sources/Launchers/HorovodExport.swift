import Foundation
import PlanFiles

/// A bash script running `horovodrun` for a pure data-parallel plan: one process per GPU, `-np` the
/// total and `-H host:slots` per node (docs/running.rst, horovod/horovod). Horovod replicates the
/// whole model on every GPU, so a plan with tensor, pipeline, context or expert parallelism is refused.
/// Standard output (or `--out FILE`) gets the script; `--out-dir DIR` writes launch.sh.
package struct HorovodExport {
    var plan: LaunchPlan
    var hosts: HostNames

    func render() throws -> LauncherExport {
        try ExportText.requireDataParallelOnly(plan, launcher: "horovod")
        let hostList = zip(hosts.names, hosts.slots).map { "\($0):\($1)" }.joined(separator: ",")
        var lines = ["#!/usr/bin/env bash"] + ExportText.header("Horovod launch", plan: plan, format: .horovod)
        lines += [
            "# Options: horovod/horovod docs/running.rst (-np processes, -H host:slots); run it on one host that "
                + "reaches the others by ssh.",
            "# In the training script, per process (one GPU each):",
            "#   \(ExportText.count(plan.microbatchSize, "sequence")) of \(plan.sequenceLength) tokens per "
                + "forward/backward pass;",
            "#   hvd.DistributedOptimizer(optimizer, backward_passes_per_step=\(plan.microbatchCount)) "
                + "(horovod/torch/optimizer.py) so that",
            "#   \(plan.microbatchSize) × \(plan.microbatchCount) × \(plan.data) processes = \(plan.globalBatch) "
                + "sequences make one optimizer step.",
        ]
        lines += notes().map { "# Note: \($0)" }
        if hosts.arePlaceholders {
            lines.append("# node0, node1, ... stand for the host names: replace them, or re-export with --hosts.")
        }
        lines += [
            "# Replace train.py with your training script; arguments after ./launch.sh are passed to it.",
            "set -eo pipefail",
            "horovodrun -np \(plan.devices) -H \(Quoting.shell(hostList)) python train.py \"$@\"",
        ]
        let script = Data((lines.joined(separator: "\n") + "\n").utf8)
        return LauncherExport(document: script, files: [.init(name: "launch.sh", contents: script, executable: true)])
    }

    /// What Horovod leaves to the training script and what differs from the plan.
    private func notes() -> [String] {
        var notes: [String] = []
        switch plan.precision {
        case .bf16: notes.append("bf16: run forward and backward under torch.autocast(\"cuda\", dtype=torch.bfloat16)")
        case .fp16: notes.append("fp16: run under torch.autocast(\"cuda\", dtype=torch.float16) with a gradient scaler")
        case .fp8:
            notes.append(
                "fp8: Horovod has no FP8 path; the FP8 GEMMs must come from Transformer Engine layers in the model")
        default: break
        }
        switch plan.recompute {
        case .none: break
        case .selective:
            notes.append("selective recompute: wrap the attention core in torch.utils.checkpoint.checkpoint")
        case .full:
            notes.append(
                "full recompute: wrap \(plan.chunks[0].recomputedLayers) of the \(plan.layers) layers in "
                    + "torch.utils.checkpoint.checkpoint"
            )
        }
        if plan.zeroStage > 0 {
            notes.append(
                "the plan shards the optimizer (ZeRO \(plan.zeroStage)) but Horovod replicates it, so each GPU needs "
                    + "more memory than predicted; check with `plan evaluate ... --zero 0`"
            )
        }
        return notes
    }
}
