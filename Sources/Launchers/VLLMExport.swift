import CostModel
import Foundation
import PlanFiles

/// A bash script that starts vLLM's OpenAI-compatible server (`vllm serve MODEL ...`) for every replica
/// configuration of an inference plan, run on each node with NODE_RANK set (one node: as it is).
///
/// Every engine argument is one that vllm-project/vllm `vllm/engine/arg_utils.py` registers in
/// `EngineArgs.add_cli_args`, and every server argument one of `make_arg_parser` /
/// `FrontendArgs` in `vllm/entrypoints/common/cli_args.py (vLLM 0.33.0)`; the line checked is cited where each is
/// emitted. Replicas of one configuration are one data-parallel deployment (`--data-parallel-size`
/// = their count): on one node a single command, over several nodes one command per node
/// (docs/serving/data_parallel_deployment.md, "Internal Load Balancing"), and with replicas larger
/// than a node on a Ray cluster (docs/serving/distributed_serving.md, "Multi-node deployment").
/// Each configuration of a mixed plan gets its own servers, API port and comment naming its GPU group.
/// Standard output (or `--out FILE`) gets the script; `--out-dir DIR` writes it as launch.sh.
package struct VLLMExport {
    var plan: ServingLaunchPlan
    var hosts: HostNames

    /// The server of configuration n listens on apiPort + n - 1 (FrontendArgs.port, default 8000).
    static let apiPort = 8000
    /// Data-parallel RPC port of configuration n's head (the example port of data_parallel_deployment.md).
    static let rpcPort = 13345
    /// Ray's GCS port of configuration n's cluster (Ray's default 6379).
    static let rayPort = 6379

    func render() throws -> LauncherExport {
        let layout = try ServingLayout(plan: plan)
        let nodes = plan.nodeNumbers.count
        let single = layout.configurations.count == 1
        var lines = ["#!/usr/bin/env bash"] + header(layout)
        lines += ["set -eo pipefail", ""]
        if nodes > 1 { lines.append(ExportText.nodeRankLine(nodes: nodes)) }
        // make_arg_parser (vLLM 0.33.0 vllm/entrypoints/common/cli_args.py): parser.add_argument("model_tag",
        // nargs="?") is the MODEL of `vllm serve [model_tag] [options]` (vllm/entrypoints/cli/serve.py).
        if let sourceId = plan.sourceId {
            lines += [
                "# MODEL: the Hugging Face repo id of \(Quoting.comment(plan.modelName)) (model.sourceId); "
                    + "set MODEL=PATH for a local checkpoint.",
                Quoting.shellDefault("MODEL", sourceId),
            ]
        } else {
            lines += [
                "# MODEL must be a Hugging Face repo id (org/name) or the path of a local checkpoint: "
                    + "\(Quoting.comment(plan.modelName)) is the",
                "# planner's name for the model (its file names no _name_or_path). Set MODEL=... when running this "
                    + "script.",
                Quoting.shellDefault("MODEL", plan.modelName),
            ]
        }
        for configuration in layout.configurations {
            lines.append("")
            lines += describe(configuration, of: layout.configurations.count)
            lines += ExportText.bashArray(
                arrayName(configuration, single: single), engineArguments(configuration, single: single))
        }
        lines.append("")
        lines += commands(layout, single: single)
        let script = Data((lines.joined(separator: "\n") + "\n").utf8)
        return LauncherExport(document: script, files: [.init(name: "launch.sh", contents: script, executable: true)])
    }

    func header(_ layout: ServingLayout) -> [String] {
        let nodes = plan.nodeNumbers.count
        let used = plan.deviceMap.count
        var models: [String] = []
        for gpu in plan.replicas.map(\.gpu) where !models.contains(gpu) { models.append(gpu) }
        let gpuModels = Quoting.comment(models.joined(separator: ", "))
        let model = Quoting.comment(plan.modelName), cluster = Quoting.comment(plan.clusterName)
        var lines = [
            "# vLLM serving launch for \(model) on \(cluster) (\(plan.devices) GPUs; serving on \(gpuModels)),",
            "# written by `plan export --to vllm` from \(Quoting.comment(plan.origin)).",
            "# Plan: \(ExportText.count(plan.replicaCount, "replica")) in "
                + "\(ExportText.count(layout.configurations.count, "configuration")) on \(used) GPUs"
                + ", \(plan.promptTokens) prompt + \(plan.outputTokens) output tokens per request"
                + "; predicted \(Self.number(plan.outputTokensPerSecond)) output tokens/s.",
            "# Arguments: vllm-project/vllm vllm/engine/arg_utils.py (EngineArgs.add_cli_args) and",
            "# vllm/entrypoints/common/cli_args.py (vLLM 0.33.0) (model_tag, --headless, --port); multi-node recipes:",
            "# docs/serving/data_parallel_deployment.md and docs/serving/distributed_serving.md.",
            "# --gpu-memory-utilization 0.9: the plan fits weights, activations and KV cache in 90% of each GPU.",
        ]
        if nodes == 1 {
            lines.append("# Run it on the node itself: ./launch.sh (arguments after it reach every vllm serve).")
        } else {
            lines.append(
                "# Run it on each of the \(nodes) nodes with NODE_RANK set: NODE_RANK=k ./launch.sh (arguments after "
                    + "it reach every vllm serve)."
            )
            if plan.nodeNumbers != Array(0..<nodes) {
                lines.append(
                    "# NODE_RANK k is the plan's deviceMap node "
                        + plan.nodeNumbers.enumerated().map { "\($0)→\($1)" }.joined(separator: ", ") + ".")
            }
            if hosts.arePlaceholders {
                lines.append(
                    "# node0, node1, ... stand for the host names (the address of each configuration's first node): "
                        + "replace them, or re-export with --hosts."
                )
            }
        }
        return lines
    }

    /// The comment above a configuration's arguments: its GPU group, nodes, shape and prediction.
    func describe(_ configuration: ServingLayout.Configuration, of total: Int) -> [String] {
        let replica = configuration.replica
        var lines = [
            "# Configuration \(configuration.number) of \(total), GPU group \(Quoting.comment(replica.gpu)): "
                + "\(ExportText.count(replica.count, "replica")) × (tp=\(replica.tensor) pp=\(replica.pipeline))"
                + " = \(replica.count * replica.devicesPerReplica) GPUs on NODE_RANK "
                + "\(Self.ranges(configuration.nodes)),",
            "#   batch \(replica.batchSize) per replica, \(replica.precision.rawValue) weights, "
                + "\(plan.kvCachePrecision.rawValue) KV cache"
                + (total > 1 ? ", API on port \(Self.apiPort + configuration.number - 1)" : "") + ".",
        ]
        let predicted = [
            "TTFT \(Self.number(replica.ttftSeconds * 1000)) ms", "TPOT \(Self.number(replica.tpotSeconds * 1000)) ms",
            "\(Self.number(replica.outputTokensPerSecond)) output tokens/s",
        ]
        lines.append("#   Predicted per replica: " + predicted.joined(separator: ", ") + ".")
        if configuration.spansNodes {
            lines.append(
                "#   A replica needs \(replica.devicesPerReplica) GPUs, more than one node: vLLM runs it on a Ray "
                    + "cluster of these nodes."
            )
        }
        lines += quantizationNote(replica.precision).map { "#   \($0)" }
        return lines
    }

    /// What the weight format needs beyond the flags: int8 and int4 come from a pre-quantized checkpoint.
    func quantizationNote(_ precision: Precision) -> [String] {
        // Method names: QuantizationMethods in vllm/model_executor/layers/quantization/__init__.py ("awq",
        // "awq_marlin", "gptq", "gptq_marlin", "compressed-tensors"); ModelConfig.quantization (vllm/config/
        // model.py): "If None, we first check the quantization_config attribute in the model config file".
        switch precision {
        case .int8:
            return [
                "int8 weights (weight-only) need a pre-quantized checkpoint as MODEL: GPTQ 8-bit (vLLM methods gptq,",
                "gptq_marlin) or compressed-tensors W8A16 (compressed-tensors). vLLM reads the method from the",
                "checkpoint's quantization_config, so no --quantization is set. A 16-bit checkpoint would load in 16 "
                    + "bits,",
                "with twice the weight memory the plan counts.",
            ]
        case .int4:
            return [
                "int4 weights (weight-only) need a pre-quantized checkpoint as MODEL: AWQ (vLLM methods awq, "
                    + "awq_marlin),",
                "GPTQ 4-bit (gptq, gptq_marlin) or compressed-tensors W4A16 (compressed-tensors). vLLM reads the "
                    + "method from",
                "the checkpoint's quantization_config, so no --quantization is set. A 16-bit checkpoint would load "
                    + "in 16 bits,",
                "with four times the weight memory the plan counts.",
            ]
        default:
            return []
        }
    }

    func arrayName(_ configuration: ServingLayout.Configuration, single: Bool) -> String {
        single ? "SERVE_ARGS" : "CONFIG_\(configuration.number)"
    }

    /// The engine arguments every server of a configuration shares.
    func engineArguments(_ configuration: ServingLayout.Configuration, single: Bool) -> [String] {
        let replica = configuration.replica
        var items: [String] = []
        // arg_utils.py add_cli_args, parallel_group: "--tensor-parallel-size", "-tp";
        // "--pipeline-parallel-size", "-pp"; "--data-parallel-size", "-dp" (ParallelConfig, int).
        items += [
            "--tensor-parallel-size \(replica.tensor)",
            "--pipeline-parallel-size \(replica.pipeline)",
            "# One data-parallel rank per replica of this configuration.",
            "--data-parallel-size \(replica.count)",
        ]
        // arg_utils.py add_cli_args, scheduler_group: "--max-num-seqs" (SchedulerConfig.max_num_seqs, int);
        // data_parallel_deployment.md: "--max-num-seqs applies per DP rank", i.e. per replica.
        items += [
            "# Sequences decoded together per replica (the plan's batch).", "--max-num-seqs \(replica.batchSize)",
        ]
        // arg_utils.py add_cli_args, model_group: "--max-model-len" (ModelConfig.max_model_len, int).
        items += [
            "# Prompt + output tokens of one request.", "--max-model-len \(plan.promptTokens + plan.outputTokens)",
        ]
        // arg_utils.py add_cli_args, model_group: "--dtype" with ModelDType = Literal["auto", "half",
        // "float16", "bfloat16", "float", "float32"] (vllm/config/model.py).
        items += dtypeArgument(replica.precision)
        // arg_utils.py add_cli_args, cache_group: "--kv-cache-dtype" with CacheDType (vllm/config/cache.py):
        // "auto" ("will use model data type"), "fp8" (= fp8_e4m3).
        switch plan.kvCachePrecision {
        case .fp8: items += ["# fp8 KV cache (fp8_e4m3), 1 byte per value as planned.", "--kv-cache-dtype fp8"]
        default:
            items += ["# KV cache in the model's 16-bit dtype, 2 bytes per value as planned.", "--kv-cache-dtype auto"]
        }
        if replica.precision == .fp8 {
            // arg_utils.py add_cli_args, model_group: "--quantization", "-q" with QuantizationMethods
            // (vllm/model_executor/layers/quantization/__init__.py), which lists "fp8".
            items += [
                "# fp8 weights: a 16-bit checkpoint is quantized to FP8 at load (an FP8 checkpoint is read as it is).",
                "--quantization fp8",
            ]
        }
        // arg_utils.py add_cli_args, cache_group: "--gpu-memory-utilization" (CacheConfig, float in (0, 1]).
        items.append("--gpu-memory-utilization 0.9")
        if !single {
            // cli_args.py FrontendArgs: port: int = 8000, registered as "--port" by BaseFrontendArgs.add_cli_args.
            items += [
                "# Each configuration is its own endpoint; put a load balancer in front of them.",
                "--port \(Self.apiPort + configuration.number - 1)",
            ]
        }
        if configuration.spansNodes {
            // arg_utils.py add_cli_args, parallel_group: "--distributed-executor-backend" with
            // DistributedExecutorBackend = Literal["ray", "mp", "uni", "external_launcher"] (vllm/config/parallel.py);
            // distributed_serving.md: "Multi-node deployments require Ray as the runtime engine".
            items += [
                "# A replica spans nodes: its workers run on the Ray cluster.", "--distributed-executor-backend ray",
            ]
            if replica.count > 1 {
                // arg_utils.py add_cli_args, parallel_group: "--data-parallel-backend", "-dpb",
                // help='Backend for data parallel, either "mp" or "ray".'
                items.append("--data-parallel-backend ray")
            }
        }
        return items
    }

    func dtypeArgument(_ precision: Precision) -> [String] {
        switch precision {
        case .fp16: return ["--dtype float16"]
        case .bf16: return ["--dtype bfloat16"]
        case .fp8: return ["# Activations and non-quantized layers in bf16.", "--dtype bfloat16"]
        default:
            // The --dtype help of arg_utils.py: '"half" for FP16. Recommended for AWQ quantization.'
            return [
                "# Activations in fp16 (\"half\"), which vLLM's --dtype help recommends for AWQ checkpoints.",
                "--dtype float16",
            ]
        }
    }
}
