import Foundation
import PlanFiles

/// A torchtitan job config (TOML, read with `--job.config_file`) and its `torchrun` line.
///
/// Keys: torchtitan/config/job_config.py (pytorch/torchtitan; the `Training`, `Parallelism`,
/// `ActivationCheckpoint`, `Model` and `Float8` dataclasses of the TOML-configured releases). Newer
/// torchtitan builds its config in Python but keeps these names for its `--section.key` flags.
/// Standard output (or `--out FILE`) gets the TOML; `--out-dir DIR` writes job.toml and launch.sh.
package struct TorchtitanExport {
    var plan: LaunchPlan
    var hosts: HostNames

    enum Value {
        case int(Int), string(String), bool(Bool), strings([String])

        var toml: String {
            switch self {
            case .int(let number): "\(number)"
            case .bool(let flag): flag ? "true" : "false"
            case .string(let text): Quoting.toml(text)
            case .strings(let texts): "[" + texts.map(Quoting.toml).joined(separator: ", ") + "]"
            }
        }
    }

    /// One TOML table: comment lines, then keys in order, each with an optional comment line above it.
    struct Table {
        var name: String
        var notes: [String] = []
        var entries: [(comment: String?, key: String, value: Value)] = []

        mutating func set(_ key: String, _ value: Value, _ comment: String? = nil) {
            entries.append((comment, key, value))
        }

        var lines: [String] {
            ["[\(name)]"] + notes.map { "# \($0)" }
                + entries.flatMap { entry in
                    (entry.comment.map { ["# \($0)"] } ?? []) + ["\(entry.key) = \(entry.value.toml)"]
                }
        }
    }

    func render() throws -> LauncherExport {
        guard plan.precision != .fp16 else {
            // Training.mixed_precision_param accepts bfloat16 or float32 only.
            throw InputError(
                file: plan.origin, key: "precision",
                "is fp16; torchtitan trains in bf16 or fp32 only (training.mixed_precision_param), so re-plan with "
                    + "--precision bf16 or export --to megatron"
            )
        }
        var lines = ExportText.header("torchtitan job config", plan: plan, format: .torchtitan)
        lines += [
            "# Keys: pytorch/torchtitan torchtitan/config/job_config.py. Launch from the torchtitan checkout "
                + "\(ExportText.whereToRun(nodes: plan.nodes)):",
            "#   \(launchCommand(configPath: "job.toml"))",
            "# [job], [optimizer], [checkpoint] and the data settings of [training] are yours to add.",
        ]
        for table in tables() {
            lines.append("")
            lines += table.lines
        }
        let toml = Data((lines.joined(separator: "\n") + "\n").utf8)
        let script =
            ["#!/usr/bin/env bash"] + ExportText.header("torchtitan launch", plan: plan, format: .torchtitan) + [
                "# torchrun options: pytorch/pytorch torch/distributed/run.py. Run it from the torchtitan checkout "
                    + "\(ExportText.whereToRun(nodes: plan.nodes)).",
                "set -eo pipefail",
                ExportText.nodeRankLine(nodes: plan.nodes),
                Quoting.shellDefault("MASTER_ADDR", hosts.master),
                "MASTER_PORT=\"${MASTER_PORT:-29500}\"",
                launchCommand(configPath: "\"$(dirname \"$0\")/job.toml\"") + " \"$@\"",
            ]
        return LauncherExport(
            document: toml,
            files: [
                .init(name: "job.toml", contents: toml),
                .init(
                    name: "launch.sh", contents: Data((script.joined(separator: "\n") + "\n").utf8), executable: true),
            ])
    }

    /// torchrun (get_args_parser in torch/distributed/run.py) running torchtitan's train module, as
    /// torchtitan's run_train.sh does.
    private func launchCommand(configPath: String) -> String {
        "torchrun --nnodes \(plan.nodes) --nproc-per-node \(plan.gpusPerNode) --node-rank \"$NODE_RANK\" "
            + "--master-addr \"$MASTER_ADDR\" --master-port \"$MASTER_PORT\" -m torchtitan.train --job.config_file "
            + "\(configPath)"
    }

    func tables() -> [Table] {
        // Model: the plan names the model but not torchtitan's model and flavor for it.
        var model = Table(
            name: "model",
            notes: [
                "set: name, flavor and tokenizer_path for \(Quoting.comment(plan.modelName)) (the plan does not "
                    + "carry them), for example",
                "name = \"llama3\"",
                "flavor = \"8B\"",
            ])
        var result = [model, training(), parallelism(), activationCheckpoint()]
        if plan.precision == .fp8 {
            // Model.converters: "float8" swaps nn.Linear for torchao's Float8Linear; Float8 options below.
            model.set(
                "converters", .strings(["float8"]),
                "fp8: torchao float8 linears (later releases name this converter \"quantize.linear.float8\")")
            result[0] = model
            var float8 = Table(name: "float8")
            float8.set("enable_fsdp_float8_all_gather", .bool(plan.data > 1))
            float8.set("precompute_float8_dynamic_scale_for_fsdp", .bool(plan.data > 1))
            result.append(float8)
        }
        return result
    }

    /// Training: local_batch_size is per data-parallel rank and torchtitan accumulates
    /// global_batch_size / (local_batch_size × data-parallel degree) steps (Trainer.__init__ in
    /// torchtitan/train.py); with pipeline parallelism the local batch is cut into
    /// pipeline_parallel_microbatch_size microbatches instead, so it holds all of them.
    private func training() -> Table {
        var table = Table(name: "training")
        let local = plan.pipeline > 1 ? plan.microbatchSize * plan.microbatchCount : plan.microbatchSize
        let how =
            plan.pipeline > 1
            ? "\(plan.microbatchCount) pipeline microbatches of \(plan.microbatchSize) per data-parallel rank, one "
                + "optimizer step"
            : "\(plan.microbatchCount) gradient-accumulation steps of \(plan.microbatchSize) per data-parallel rank"
        table.set("local_batch_size", .int(local), how)
        table.set("global_batch_size", .int(plan.globalBatch))
        table.set("seq_len", .int(plan.sequenceLength))
        table.set("mixed_precision_param", .string(plan.precision == .fp32 ? "float32" : "bfloat16"))
        return table
    }

    /// Parallelism: the data-parallel degree is split into replicate (DDP) and shard (FSDP) parts by
    /// the plan's ZeRO stage. torchtitan's DDP runs only without other parallelism ("DDP has not
    /// supported > 1D parallelism", models/llama3/infra/parallelize.py), so ZeRO 0 with model
    /// parallelism is sharded instead. ZeRO 1 and 2 keep gathered weights through the step
    /// (fsdp_reshard_after_forward = "never"), ZeRO 3 reshards them.
    private func parallelism() -> Table {
        var table = Table(name: "parallelism")
        let modelParallel = plan.tensor > 1 || plan.pipeline > 1 || plan.context > 1 || plan.expert > 1
        if plan.zeroStage == 0 && !modelParallel {
            table.set(
                "data_parallel_replicate_degree", .int(plan.data), "ZeRO 0: DDP, weights and optimizer state replicated"
            )
            table.set("data_parallel_shard_degree", .int(1))
        } else {
            let comment: String
            switch plan.zeroStage {
            case 0:
                comment =
                    "ZeRO 0 is not available next to model parallelism in torchtitan; FSDP shards instead (less "
                    + "memory than planned)"
            case 3: comment = "ZeRO 3: FSDP shards weights, gradients and optimizer state"
            default: comment = "ZeRO \(plan.zeroStage): FSDP, weights kept gathered between forward and backward"
            }
            table.set("data_parallel_replicate_degree", .int(1), comment)
            table.set("data_parallel_shard_degree", .int(plan.data))
            table.set("fsdp_reshard_after_forward", .string(plan.zeroStage == 3 ? "default" : "never"))
        }
        table.set(
            "tensor_parallel_degree", .int(plan.tensor),
            plan.tensor > 1 && !plan.sequenceParallel
                ? "torchtitan's tensor parallelism always shards the sequence too (the plan has no sequence "
                    + "parallelism: less memory than planned)"
                : nil)
        table.set("pipeline_parallel_degree", .int(plan.pipeline))
        if plan.pipeline > 1 {
            // Looped schedules need pipeline_parallel_degree ranks and (stages - 1) split points; a
            // split point names the module that begins a stage (the embedding stays with the first).
            table.set("pipeline_parallel_schedule", .string(plan.virtualStages > 1 ? "Interleaved1F1B" : "1F1B"))
            let splits = plan.chunks.dropFirst().map { "layers.\($0.firstLayer)" }
            table.set(
                "pipeline_parallel_split_points", .strings(splits),
                "stages of \(plan.layerCounts.map(String.init).joined(separator: ", ")) layers")
        }
        table.set("pipeline_parallel_microbatch_size", .int(plan.microbatchSize))
        table.set("context_parallel_degree", .int(plan.context))
        if plan.expert > 1 {
            table.set("expert_parallel_degree", .int(plan.expert))
        }
        return table
    }

    /// ActivationCheckpoint.mode: "none", "selective" (op-level: matmul and attention outputs kept,
    /// the rest recomputed, the nearest to Megatron's selective) or "full" (every layer).
    private func activationCheckpoint() -> Table {
        var table = Table(name: "activation_checkpoint")
        switch plan.recompute {
        case .none:
            table.set("mode", .string("none"))
        case .selective:
            table.set("mode", .string("selective"))
            table.set("selective_ac_option", .string("op"))
        case .full:
            let partial = plan.chunks.contains { $0.recomputedLayers < $0.layerCount }
            table.set(
                "mode", .string("full"),
                partial
                    ? "the plan recomputes "
                        + "\(plan.chunks.map { String($0.recomputedLayers) }.joined(separator: ", ")) layers per "
                        + "stage; torchtitan's full mode recomputes every layer (slower, never more memory)"
                    : nil)
        }
        return table
    }
}
