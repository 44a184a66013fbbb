import Foundation
import PlanFiles

/// A torchtitan 0.2.x job config (TOML, read with `--job.config_file`) and its `torchrun` line.
///
/// Keys: torchtitan 0.2.2 torchtitan/config/job_config.py (PyPI torchtitan==0.2.2; tag v0.2.2,
/// 73a0e6979dd10b6b1904098eb3c8f62c18ab87ce): the `Model`, `Training`, `Parallelism` and
/// `ActivationCheckpoint` dataclasses, which its `ConfigManager` checks key by key (0.1.0's
/// `pipeline_parallel_split_points` is gone; the split is `module_fqns_per_model_part`).
/// Tests/Fixtures/launcher-options/torchtitan-0.2.2.txt lists every key it accepts. torchtitan 0.3
/// reads Python configs instead of TOML: that is `Torchtitan03Export` (`--to torchtitan-0.3`).
/// Standard output (or `--out FILE`) gets the TOML; `--out-dir DIR` writes job.toml and launch.sh.
package struct TorchtitanExport {
    var plan: LaunchPlan
    var hosts: HostNames

    enum Value {
        case int(Int), string(String), bool(Bool), strings([String]), nested([[String]])

        var toml: String {
            switch self {
            case .int(let number): "\(number)"
            case .bool(let flag): flag ? "true" : "false"
            case .string(let text): Quoting.toml(text)
            case .strings(let texts): Value.list(texts)
            case .nested(let lists): "[" + lists.map(Value.list).joined(separator: ", ") + "]"
            }
        }

        private static func list(_ texts: [String]) -> String {
            "[" + texts.map(Quoting.toml).joined(separator: ", ") + "]"
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
        try TorchtitanRecompute.check(plan)
        var lines = ExportText.header("torchtitan job config", plan: plan, format: .torchtitan)
        lines += [
            "# For torchtitan 0.2.x (keys of torchtitan 0.2.2 torchtitan/config/job_config.py; 0.3 reads Python "
                + "configs, not TOML).",
            "# Launch from a torchtitan 0.2.x checkout \(ExportText.whereToRun(nodes: plan.nodes)):",
            "#   \(launchCommand(configPath: "job.toml"))",
            "# Yours to add: [job] dump_folder, [optimizer] and [lr_scheduler], [checkpoint], and in [training] "
                + "dataset, dataset_path and steps.",
        ]
        for table in try tables() {
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

    func tables() throws -> [Table] {
        var model = TorchtitanModelTable.table(plan)
        var result = [model, trainingTable(), parallelismTable(), activationCheckpoint()]
        if plan.precision == .fp8 {
            // Model.converters: "quantize.linear.float8" swaps nn.Linear for torchao's Float8Linear
            // (0.2.2 torchtitan/components/quantization/float8.py registers that name); its options are
            // the Float8Linear dataclass under [quantize.linear.float8].
            model.set("converters", .strings(["quantize.linear.float8"]), "fp8: torchao float8 linears")
            result[0] = model
            var float8 = Table(name: "quantize.linear.float8")
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
    func trainingTable() -> Table {
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
    func parallelismTable() -> Table {
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
            // module_fqns_per_model_part: one list of module names per chunk, in chunk order; the
            // embedding opens the first, the final norm and output layer close the last (llama3 and
            // deepseek_v3 module names: tok_embeddings, layers.N, norm, output).
            table.set(
                "module_fqns_per_model_part", .nested(moduleNamesPerChunk()),
                "chunks of \(plan.layerCounts.map(String.init).joined(separator: ", ")) layers, as planned")
        }
        table.set("pipeline_parallel_microbatch_size", .int(plan.microbatchSize))
        table.set("context_parallel_degree", .int(plan.context))
        if plan.expert > 1 {
            table.set("expert_parallel_degree", .int(plan.expert))
        }
        return table
    }

    /// The module names of each chunk, in chunk order.
    func moduleNamesPerChunk() -> [[String]] {
        plan.chunks.enumerated().map { c, chunk in
            var names = (chunk.firstLayer..<(chunk.firstLayer + chunk.layerCount)).map { "layers.\($0)" }
            if c == 0 { names.insert("tok_embeddings", at: 0) }
            if c == plan.chunks.count - 1 { names += ["norm", "output"] }
            return names
        }
    }

    /// ActivationCheckpoint.mode: "none", "selective" (op-level: every second matmul and the cheap ops
    /// recomputed, as frameworks/torchtitan.yaml's selective_recompute costs it) or "full" (every layer; a plan that
    /// recomputes only some layers is refused by `TorchtitanRecompute`).
    private func activationCheckpoint() -> Table {
        var table = Table(name: "activation_checkpoint")
        switch plan.recompute {
        case .none:
            table.set("mode", .string("none"))
        case .selective:
            table.set("mode", .string("selective"))
            table.set("selective_ac_option", .string("op"))
        case .full where plan.chunks.allSatisfy({ $0.recomputedLayers == 0 }):
            table.set("mode", .string("none"), "the plan's full recompute recomputes no layer")
        case .full:
            table.set("mode", .string("full"), "every layer of every chunk recomputed, as planned")
        }
        return table
    }
}

/// Full recompute as torchtitan runs it: `mode = "full"` wraps every transformer block
/// (torchtitan 0.2.2 torchtitan/distributed/activation_checkpoint.py), so a plan recomputing only
/// some layers would run slower than predicted; plans for torchtitan keep to all or none
/// (`recompute_layers_per_stage: all` in frameworks/torchtitan.yaml).
enum TorchtitanRecompute {
    /// Refuses what no torchtitan version runs as planned: fp16 (training.mixed_precision_param takes
    /// bfloat16 or float32 only) and full recompute of some layers of a chunk.
    static func check(_ plan: LaunchPlan) throws {
        guard plan.precision != .fp16 else {
            throw InputError(
                file: plan.origin, key: "precision",
                "is fp16; torchtitan trains in bf16 or fp32 only (training.mixed_precision_param), so re-plan with "
                    + "--precision bf16 or export --to megatron"
            )
        }
        let recomputed = plan.chunks.map(\.recomputedLayers)
        guard plan.recompute == .full, recomputed != plan.layerCounts, recomputed.contains(where: { $0 > 0 }) else {
            return
        }
        throw InputError(
            file: plan.origin, key: "recompute.layersPerStage",
            "is \(plan.chunks.map { String($0.recomputedLayers) }.joined(separator: ", ")) for chunks of "
                + "\(plan.layerCounts.map(String.init).joined(separator: ", ")) layers; torchtitan's full activation "
                + "checkpointing recomputes every layer, so it would run another plan; re-plan with `plan train "
                + "--framework torchtitan` (which keeps to what torchtitan runs)"
        )
    }
}
