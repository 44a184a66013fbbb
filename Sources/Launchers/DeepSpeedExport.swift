import Foundation
import PlanFiles

/// A DeepSpeed config (ds_config.json), the `deepspeed` launcher line, and for several nodes its
/// hostfile.
///
/// Standard output (or `--out FILE`) gets one JSON object: `ds_config` (the file's content), `launch`
/// (the command), `hostfile` (when there are several nodes) and `notes` (what the config cannot say).
/// `--out-dir DIR` writes ds_config.json, launch.sh and hostfile.
///
/// Keys: docs/_pages/config-json.md (deepspeedai/DeepSpeed). DeepSpeed asserts
/// train_batch_size = train_micro_batch_size_per_gpu × gradient_accumulation_steps × its world size,
/// which is the data-parallel size when a model-parallel unit is given (DeepSpeedConfig.__init__ and
/// _batch_assertion, deepspeed/runtime/config.py): here microbatch.size × microbatch.count × data.
package struct DeepSpeedExport {
    var plan: LaunchPlan
    var hosts: HostNames

    /// ds_config.json: only keys with a value from the plan.
    struct Config: Encodable {
        struct Enabled: Encodable { var enabled = true }
        struct FP16: Encodable {
            var enabled = true
            /// 0 selects dynamic loss scaling (config-json, fp16:loss_scale).
            var lossScale = 0
            enum CodingKeys: String, CodingKey { case enabled, lossScale = "loss_scale" }
        }
        struct Zero: Encodable { var stage: Int }
        struct ActivationCheckpointing: Encodable {
            var partitionActivations: Bool
            var cpuCheckpointing = false
            var contiguousMemoryOptimization = false
            var synchronizeCheckpointBoundary = false
            var profile = false
            enum CodingKeys: String, CodingKey {
                case partitionActivations = "partition_activations", cpuCheckpointing = "cpu_checkpointing"
                case contiguousMemoryOptimization = "contiguous_memory_optimization"
                case synchronizeCheckpointBoundary = "synchronize_checkpoint_boundary", profile
            }
        }
        struct TensorParallel: Encodable {
            var autotpSize: Int
            enum CodingKeys: String, CodingKey { case autotpSize = "autotp_size" }
        }
        struct ExpertParallel: Encodable {
            var enabled = true
            var autoepSize: Int
            enum CodingKeys: String, CodingKey { case enabled, autoepSize = "autoep_size" }
        }

        var trainBatchSize: Int
        var trainMicroBatchSizePerGPU: Int
        var gradientAccumulationSteps: Int
        var bf16: Enabled?
        var fp16: FP16?
        var zeroOptimization: Zero
        var activationCheckpointing: ActivationCheckpointing?
        var tensorParallel: TensorParallel?
        var expertParallel: ExpertParallel?
        var sequenceParallelSize: Int?

        enum CodingKeys: String, CodingKey {
            case trainBatchSize = "train_batch_size", trainMicroBatchSizePerGPU = "train_micro_batch_size_per_gpu"
            case gradientAccumulationSteps = "gradient_accumulation_steps", bf16, fp16
            case zeroOptimization = "zero_optimization", activationCheckpointing = "activation_checkpointing"
            case tensorParallel = "tensor_parallel", expertParallel = "expert_parallel"
            case sequenceParallelSize = "sequence_parallel_size"
        }
    }

    /// What standard output gets.
    struct Document: Encodable {
        var dsConfig: Config
        var launch: String
        var hostfile: String?
        var notes: [String]
        enum CodingKeys: String, CodingKey { case dsConfig = "ds_config", launch, hostfile, notes }
    }

    func render() throws -> LauncherExport {
        if plan.pipeline > 1 && plan.zeroStage >= 2 {
            // PipelineEngine.__init__ (deepspeed/runtime/pipe/engine.py) asserts ZeRO stage < 2.
            throw InputError(
                file: plan.origin, key: "parallelism.zeroStage",
                "is \(plan.zeroStage) with pipeline \(plan.pipeline); DeepSpeed's pipeline engine refuses ZeRO-2 and "
                    + "ZeRO-3, so re-plan with `plan evaluate ... --zero 1` or export --to megatron"
            )
        }
        try checkPipeline()
        var notes: [String] = []
        let config = makeConfig(notes: &notes)
        let launch = launchCommand()
        let hostfile =
            plan.nodes > 1
            ? zip(hosts.names, hosts.slots).map { "\($0) slots=\($1)" }.joined(separator: "\n") + "\n" : nil
        let document = Document(dsConfig: config, launch: launch, hostfile: hostfile, notes: notes)

        var script = ["#!/usr/bin/env bash"] + ExportText.header("DeepSpeed launch", plan: plan, format: .deepspeed)
        script += [
            "# Config keys: deepspeedai/DeepSpeed docs/_pages/config-json.md; launcher: deepspeed/launcher/runner.py."
        ]
        script += notes.map { "# Note: \($0)" }
        script += [
            "# Replace train.py with your training script; arguments after ./launch.sh are passed to it.",
            "set -eo pipefail", "HERE=\"$(cd \"$(dirname \"$0\")\" && pwd)\"",
            launchCommand(files: "\"$HERE/") + " \"$@\"",
        ]
        var files: [LauncherExport.File] = [
            .init(name: "ds_config.json", contents: try ExportText.json(config)),
            .init(name: "launch.sh", contents: Data((script.joined(separator: "\n") + "\n").utf8), executable: true),
        ]
        if let hostfile { files.append(.init(name: "hostfile", contents: Data(hostfile.utf8))) }
        if plan.pipeline > 1 {
            files.append(.init(name: "pipeline_module.py", contents: Data(DeepSpeedPipelineModule.source(plan).utf8)))
        }
        return LauncherExport(document: try ExportText.json(document), files: files)
    }

    private func makeConfig(notes: inout [String]) -> Config {
        var config = Config(
            trainBatchSize: plan.globalBatch, trainMicroBatchSizePerGPU: plan.microbatchSize,
            gradientAccumulationSteps: plan.microbatchCount,
            zeroOptimization: .init(stage: plan.zeroStage.rawValue))
        switch plan.precision {
        case .bf16: config.bf16 = .init()
        case .fp16: config.fp16 = .init()
        case .fp8:
            config.bf16 = .init()
            notes.append(
                "fp8: DeepSpeed's config has no FP8 switch; bf16 is enabled and the FP8 GEMMs must come from "
                    + "Transformer Engine layers in the model"
            )
        default: break
        }
        if plan.recompute != .none {
            // activation_checkpointing configures deepspeed.checkpointing, which the model's code calls
            // per layer; partitioning the saved inputs across tensor-parallel ranks matches sequence parallelism.
            config.activationCheckpointing = .init(partitionActivations: plan.tensor > 1)
            let what =
                plan.recompute == .selective
                ? "selective recompute (the attention core only) must be wrapped in "
                    + "deepspeed.checkpointing.checkpoint by the model's code"
                : "full recompute: wrap \(recomputeCounts()) layers per stage in deepspeed.checkpointing.checkpoint"
            notes.append(what)
        }
        if plan.tensor > 1 {
            config.tensorParallel = .init(autotpSize: plan.tensor)  // config-json "Tensor Parallel (AutoTP)"
            // TPTrainingConfig.dtype (deepspeed/runtime/tensor_parallel/config.py) is a torch.dtype defaulting to
            // float16 that JSON cannot set; the engine trains in the bf16/fp16 section's precision regardless.
            notes.append(
                "tensor_parallel.dtype reads back as torch.float16 (a torch.dtype JSON cannot set); the engine "
                    + "does not use it for training: precision is the \(plan.precision == .fp16 ? "fp16" : "bf16") "
                    + "section"
            )
        }
        if plan.expert > 1 {
            if plan.tensor > 1 {
                notes.append(
                    "expert parallelism \(plan.expert): DeepSpeed AutoEP cannot be combined with AutoTP yet "
                        + "(config-json, Expert Parallel constraints); the model code must place the experts"
                )
            } else {
                config.expertParallel = .init(autoepSize: plan.expert)  // config-json "Expert Parallel (AutoEP)"
            }
        }
        if plan.context > 1 {
            // DeepSpeed-Ulysses sequence parallelism; DeepSpeedConfig divides the world size by it.
            config.sequenceParallelSize = plan.context
            notes.append(
                "context parallelism \(plan.context) maps to DeepSpeed-Ulysses sequence parallelism "
                    + "(sequence_parallel_size), which needs a model that supports it"
            )
        }
        if plan.pipeline > 1 {
            notes.append(
                "pipeline parallelism \(plan.pipeline): build the model with pipeline_module.py (--out-dir), whose "
                    + "topology is pipeline \(plan.pipeline) × tensor \(plan.tensor) × data \(plan.data) and whose "
                    + "stages hold \(plan.layerCounts.map(String.init).joined(separator: ", ")) layers as planned"
            )
        }
        return config
    }

    /// DeepSpeed's pipeline engine runs one stage per rank (TrainSchedule in deepspeed/runtime/pipe/schedule.py)
    /// and PipelineModule's activation_checkpoint_interval recomputes every layer or none.
    private func checkPipeline() throws {
        guard plan.pipeline > 1 else { return }
        if plan.virtualStages > 1 {
            throw InputError(
                file: plan.origin, key: "parallelism.virtualStages",
                "is \(plan.virtualStages); DeepSpeed's pipeline engine has no interleaved schedule, so it would run "
                    + "another plan; re-plan with `plan train --framework deepspeed` or export --to megatron"
            )
        }
        let recomputed = plan.chunks.map(\.recomputedLayers)
        if plan.recompute == .full && recomputed != plan.layerCounts && recomputed.contains(where: { $0 > 0 }) {
            throw InputError(
                file: plan.origin, key: "recompute.layersPerStage",
                "is \(recomputeCounts()) for stages of \(plan.layerCounts.map(String.init).joined(separator: ", ")) "
                    + "layers; DeepSpeed's activation_checkpoint_interval recomputes every layer or none, so it would "
                    + "run another plan; re-plan with `plan train --framework deepspeed`"
            )
        }
    }

    private func recomputeCounts() -> String {
        let counts = plan.chunks.map(\.recomputedLayers)
        return Set(counts).count == 1 ? "\(counts[0])" : counts.map(String.init).joined(separator: ", ")
    }

    /// runner.py parse_args: --hostfile, --num_nodes, --num_gpus, --master_addr, --master_port; the
    /// script's --deepspeed and --deepspeed_config come from deepspeed.add_config_arguments
    /// (_add_core_arguments in deepspeed/__init__.py).
    /// `files` prefixes the hostfile and config paths (launch.sh passes `"$HERE/`, closing the quote).
    /// The command is shell code (the script's last line, the document's `launch`), so the master's
    /// host name is a quoted word.
    private func launchCommand(files: String = "") -> String {
        let path = { (name: String) in files.isEmpty ? name : files + name + "\"" }
        var words = ["deepspeed"]
        if plan.nodes > 1 {
            words += [
                "--hostfile", path("hostfile"), "--num_nodes", "\(plan.nodes)", "--num_gpus", "\(plan.gpusPerNode)",
                "--master_addr", Quoting.shell(hosts.master), "--master_port", "29500",
            ]
        } else {
            words += ["--num_gpus", "\(plan.gpusPerNode)"]
        }
        return (words + ["train.py", "--deepspeed", "--deepspeed_config", path("ds_config.json")]).joined(
            separator: " ")
    }
}
