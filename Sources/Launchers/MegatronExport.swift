import Foundation
import PlanFiles

/// A bash script that runs Megatron-LM / Megatron-Core `pretrain_gpt.py` under `torchrun` with the
/// plan's degrees, batch, layer split, recompute, optimizer sharding and precision.
///
/// Every Megatron flag is one that `megatron/training/arguments.py` (NVIDIA/Megatron-LM @ d98e8a64,
/// megatron-core 0.20.0) defines; the function defining it is named where it is emitted, and
/// Tests/Fixtures/launcher-options/megatron.txt lists them all. The model's shape and architecture come
/// from the plan (`MegatronModelFlags`); data, tokenizer, optimizer and checkpoints are the user's.
/// Standard output (or `--out FILE`) gets the script; `--out-dir DIR` writes it as launch.sh.
package struct MegatronExport {
    var plan: LaunchPlan
    var hosts: HostNames

    func render() throws -> LauncherExport {
        try checkSupported()
        var lines = ["#!/usr/bin/env bash"] + ExportText.header("Megatron-LM launch", plan: plan, format: .megatron)
        lines += [
            "# Flags: NVIDIA/Megatron-LM megatron/training/arguments.py; launcher: pytorch/pytorch "
                + "torch/distributed/run.py (torchrun).",
            "# Run it from the Megatron-LM checkout \(ExportText.whereToRun(nodes: plan.nodes));",
            "# data, tokenizer, optimizer and checkpoint flags go after it: ./launch.sh --data-path ... --lr ...",
            "set -eo pipefail",
            "",
            ExportText.nodeRankLine(nodes: plan.nodes),
            Quoting.shellDefault("MASTER_ADDR", hosts.master),
            "MASTER_PORT=\"${MASTER_PORT:-6000}\"",
        ]
        lines += environment()
        lines.append("")
        lines += ExportText.bashArray("MODEL_ARGS", modelArguments())
        lines += ExportText.bashArray("PARALLEL_ARGS", parallelArguments())
        lines += ExportText.bashArray("BATCH_ARGS", batchArguments())
        lines += ExportText.bashArray("RECOMPUTE_ARGS", try recomputeArguments())
        lines += ExportText.bashArray("PRECISION_ARGS", precisionArguments())
        lines.append("")
        // torchrun options: get_args_parser in torch/distributed/run.py (--nnodes, --nproc-per-node,
        // --node-rank, --master-addr, --master-port).
        lines += [
            "torchrun --nnodes \(plan.nodes) --nproc-per-node \(plan.gpusPerNode) --node-rank \"$NODE_RANK\" \\",
            "    --master-addr \"$MASTER_ADDR\" --master-port \"$MASTER_PORT\" \\",
            "    pretrain_gpt.py \\",
            "    \"${MODEL_ARGS[@]}\" \"${PARALLEL_ARGS[@]}\" \"${BATCH_ARGS[@]}\" \\",
            "    \"${RECOMPUTE_ARGS[@]}\" \"${PRECISION_ARGS[@]}\" \\",
            "    \"$@\"",
        ]
        let script = Data((lines.joined(separator: "\n") + "\n").utf8)
        return LauncherExport(document: script, files: [.init(name: "launch.sh", contents: script, executable: true)])
    }

    /// Plans Megatron's own argument checks (validate_args in arguments.py) would refuse.
    private func checkSupported() throws {
        if plan.expert > 1 && plan.precision == .fp16 {
            throw InputError(
                file: plan.origin, key: "precision",
                "fp16 with expert parallelism \(plan.expert): Megatron-LM refuses it (validate_args: expert "
                    + "parallelism is not supported with fp16); re-plan with --precision bf16"
            )
        }
        if plan.context > 1 && plan.sequenceLength % (2 * plan.context) != 0 {
            throw InputError(
                file: plan.origin, key: "workload.sequenceLength",
                "\(plan.sequenceLength) is not a multiple of 2 × context \(plan.context), which Megatron-LM requires "
                    + "(validate_args); re-plan with another --seq-len or --cp"
            )
        }
    }

    /// validate_args asserts CUDA_DEVICE_MAX_CONNECTIONS=1 with tensor or context parallelism before
    /// Blackwell, and asserts it is not 1 with Megatron-FSDP (ZeRO 2 and 3 here).
    private func environment() -> [String] {
        if plan.zeroStage >= 2 {
            return [
                "# Megatron-FSDP must not run with CUDA_DEVICE_MAX_CONNECTIONS=1 (validate_args).",
                "unset CUDA_DEVICE_MAX_CONNECTIONS",
            ]
        }
        if plan.tensor > 1 || plan.context > 1 {
            return [
                "# Tensor and context parallelism need CUDA_DEVICE_MAX_CONNECTIONS=1 before Blackwell (validate_args).",
                "export CUDA_DEVICE_MAX_CONNECTIONS=1",
            ]
        }
        return []
    }

    /// The model's shape and architecture (`MegatronModelFlags`); a plan written before the plan carried
    /// the model gets `# set:` lines to fill in from its config.json.
    private func modelArguments() -> [String] {
        if let model = plan.model {
            return MegatronModelFlags.arguments(
                model, sequenceLength: plan.sequenceLength, tensor: plan.tensor)
        }
        return [
            "--num-layers \(plan.layers)",
            "# This plan does not carry the model (written before model.* existed): re-create it with `plan train`,",
            "# or copy the rest of the shape from \(Quoting.comment(plan.modelName))'s config.json:",
            "# set: --hidden-size <hidden_size> --num-attention-heads <num_attention_heads>",
            "# set: --ffn-hidden-size <intermediate_size> --max-position-embeddings <max_position_embeddings>",
        ]
    }

    /// _add_distributed_args and _add_moe_args: degrees, sequence parallelism, the layer split and the
    /// optimizer sharding.
    private func parallelArguments() -> [String] {
        var items = [
            "--tensor-model-parallel-size \(plan.tensor)",
            "--pipeline-model-parallel-size \(plan.pipeline)",
            "--context-parallel-size \(plan.context)",
            "--expert-model-parallel-size \(plan.expert)",
        ]
        if plan.expert > 1 {
            // _add_moe_args: --expert-tensor-parallel-size defaults to the tensor degree; the planner
            // costs experts unsplit by tensor parallelism (ETP 1).
            items.append("--expert-tensor-parallel-size 1")
        }
        if plan.sequenceParallel && plan.tensor > 1 {
            items.append("--sequence-parallel")  // _add_training_args
        }
        return items + layerSplit() + optimizerSharding()
    }

    /// The plan's chunk sizes as Megatron flags, from the simplest that expresses them exactly:
    /// even chunks need nothing (or --num-layers-per-virtual-pipeline-stage when interleaved); uneven
    /// first and last pipeline ranks with even middle ranks take --decoder-first/last-pipeline-num-layers
    /// (TransformerConfig splits each rank's layers evenly over its virtual stages, so every rank's
    /// chunks must be equal, and interleaving then takes --num-virtual-stages-per-pipeline-rank);
    /// anything else takes --pipeline-model-parallel-layout, one `|`-separated stage per chunk in chunk
    /// order, t a layer, E the embedding, L the loss (megatron/core/transformer/pipeline_parallel_layer_layout.py).
    private func layerSplit() -> [String] {
        let counts = plan.layerCounts
        let pp = plan.pipeline, vpp = plan.virtualStages
        guard counts.count > 1 else { return [] }
        if Set(counts).count == 1 {
            return vpp > 1 ? ["--num-layers-per-virtual-pipeline-stage \(counts[0])"] : []
        }
        let perRank = (0..<pp).map { rank in stride(from: rank, to: counts.count, by: pp).map { counts[$0] } }
        let totals = perRank.map { $0.reduce(0, +) }
        let ranksEven = perRank.allSatisfy { Set($0).count == 1 }
        let middleEven = pp <= 2 || Set(totals[1..<(pp - 1)]).count == 1
        if ranksEven && middleEven && totals.allSatisfy({ $0 > 0 }) {
            var items = [
                "# uneven first and last pipeline ranks (\(totals.map(String.init).joined(separator: ", ")) layers "
                    + "per rank):",
                "--decoder-first-pipeline-num-layers \(totals[0])",
                "--decoder-last-pipeline-num-layers \(totals[pp - 1])",
            ]
            if vpp > 1 { items.append("--num-virtual-stages-per-pipeline-rank \(vpp)") }
            return items
        }
        let stages = counts.enumerated().map { chunk, count -> String in
            var stage = count == 0 ? "" : (count == 1 ? "t" : "t*\(count)")
            if chunk == 0 { stage = "E" + stage }
            if chunk == counts.count - 1 { stage += "L" }
            return stage
        }
        return [
            "# The planned chunks hold \(counts.map(String.init).joined(separator: ", ")) layers: uneven middle "
                + "stages,",
            "# which --decoder-first/last-pipeline-num-layers cannot express, so the layout names every chunk:",
            "--pipeline-model-parallel-layout \(Quoting.shell(stages.joined(separator: "|")))",
        ]
    }

    /// ZeRO 1 is Megatron's distributed optimizer; ZeRO 2 and 3 are Megatron-FSDP's sharding strategies
    /// optim_grads and optim_grads_params, which need the fsdp_dtensor checkpoint format (validate_args).
    private func optimizerSharding() -> [String] {
        switch plan.zeroStage {
        case 0:
            return ["# ZeRO 0: optimizer state replicated on every data-parallel rank (no --use-distributed-optimizer)"]
        case 1: return ["--use-distributed-optimizer"]
        default:
            let sharded =
                plan.zeroStage == 2 ? "optimizer state and gradients" : "optimizer state, gradients and weights"
            return [
                "# ZeRO \(plan.zeroStage): Megatron-FSDP shards \(sharded)", "--use-megatron-fsdp",
                "--data-parallel-sharding-strategy \(plan.zeroStage == 2 ? "optim_grads" : "optim_grads_params")",
                "--ckpt-format fsdp_dtensor",
            ]
        }
    }

    /// _add_training_args: --micro-batch-size and --global-batch-size (Megatron derives the microbatch
    /// count as global / (micro × data-parallel size)); _add_data_args: --seq-length.
    private func batchArguments() -> [String] {
        [
            "--micro-batch-size \(plan.microbatchSize)",
            "--global-batch-size \(plan.globalBatch)",
            "# \(plan.microbatchCount) microbatches per step on each of the \(plan.data) data-parallel ranks",
            "--seq-length \(plan.sequenceLength)",
        ]
    }

    /// _add_training_args: --recompute-granularity, --recompute-method, --recompute-num-layers, exactly as
    /// planned (`MegatronRecompute`); a per-chunk recompute Megatron cannot run is refused in `render`.
    /// CPU activation offload (never with recompute): --cpu-offloading-num-layers, which turns
    /// args.cpu_offloading on (megatron/training/arguments.py, validate_args).
    private func recomputeArguments() throws -> [String] {
        if plan.offloadedLayers > 0 && plan.recompute != .none {
            throw InputError(
                file: plan.origin, key: "recompute.cpuOffloadLayers",
                "is \(plan.offloadedLayers) with \(plan.recompute.rawValue) recompute; Megatron-Core refuses CPU "
                    + "offload with activation recompute: re-plan with recompute none or without --cpu-offload-layers")
        }
        switch plan.recompute {
        case .none: return plan.offloadedLayers > 0 ? ["--cpu-offloading-num-layers \(plan.offloadedLayers)"] : []
        case .selective: return ["--recompute-granularity selective"]
        case .full: return try MegatronRecompute(plan: plan).arguments
        }
    }

    /// _add_mixed_precision_args: --bf16 / --fp16; _add_transformer_engine_args: --fp8-format hybrid
    /// (E4M3 forward, E5M2 backward) on top of bf16 weights, as NVIDIA's FP8 recipes run.
    private func precisionArguments() -> [String] {
        var items: [String]
        switch plan.precision {
        case .bf16: items = ["--bf16"]
        case .fp16: items = ["--fp16"]
        case .fp8: items = ["--bf16", "--fp8-format hybrid"]
        default: items = ["# fp32: Megatron's default, no precision flag"]
        }
        // The plan was costed with gradients reduced in bf16 (launch.gradientReduceDtype): _add_distributed_args.
        if plan.gradientReduceDtype == "bf16" && plan.precision != .fp32 { items.append("--grad-reduce-in-bf16") }
        return items
    }
}
