import Foundation
import PlanFiles

/// A `torchrun` script for torchtitan 0.3.0, which reads no TOML: `--module M --config F` picks a
/// config function of torchtitan/models/M/config_registry.py, and `--section.key value` options (tyro,
/// torchtitan/config/manager.py `ConfigManager.parse_args`) override its fields. Activation
/// checkpointing is a tyro subcommand (`activation-checkpoint:none|selective|full`,
/// torchtitan/distributed/activation_checkpoint.py `ActivationCheckpointingConfig`), given last.
///
/// Keys: torchtitan 0.3.0 (PyPI wheel) torchtitan/config/configs.py `TrainingConfig` and
/// `ParallelismConfig` (the same names as 0.2.2's, see `TorchtitanExport`); a `list[list[str]]` such as
/// `module_fqns_per_model_part` is one argument per inner list, its names joined by commas.
/// Tests/Fixtures/launcher-options/torchtitan-0.3.0.txt lists the options 0.3.0 accepts.
/// The model's shape lives in the config function's `model_spec`, which no option reaches: the
/// plan's model must be a registered flavor (`TorchtitanFlavor`), and its float8 converters are the
/// config function's.
package struct Torchtitan03Export {
    var plan: LaunchPlan
    var hosts: HostNames

    func render() throws -> LauncherExport {
        let flavor = plan.model.flatMap(TorchtitanFlavor.matching)
        try checkSupported(flavor)
        var lines = ["#!/usr/bin/env bash"]
        lines += ExportText.header("torchtitan 0.3.0 launch", plan: plan, format: .torchtitan03)
        lines += [
            "# For torchtitan 0.3.0 (--module/--config and --section.key overrides, torchtitan/config/manager.py;",
            "# torchrun options: pytorch/pytorch torch/distributed/run.py). Run it from a torchtitan 0.3.0 checkout "
                + "\(ExportText.whereToRun(nodes: plan.nodes));",
            "# dataset, steps, optimizer and checkpoint options go after it: ./launch.sh --training.steps 1000 ...",
            "set -eo pipefail",
            "",
            ExportText.nodeRankLine(nodes: plan.nodes),
            Quoting.shellDefault("MASTER_ADDR", hosts.master),
            "MASTER_PORT=\"${MASTER_PORT:-29500}\"",
            "",
        ]
        lines += ExportText.bashArray("MODEL_ARGS", modelArguments(flavor))
        lines += ExportText.bashArray("TRAINING_ARGS", trainingArguments())
        lines += ExportText.bashArray("PARALLEL_ARGS", parallelArguments())
        lines += [
            "# Activation checkpointing is a subcommand and comes after every other option.",
            "AC_ARGS=(\(activationCheckpoint()))",
            "",
            "torchrun --nnodes \(plan.nodes) --nproc-per-node \(plan.gpusPerNode) --node-rank \"$NODE_RANK\" \\",
            "    --master-addr \"$MASTER_ADDR\" --master-port \"$MASTER_PORT\" -m torchtitan.train \\",
            "    \"${MODEL_ARGS[@]}\" \"${TRAINING_ARGS[@]}\" \"${PARALLEL_ARGS[@]}\" \"$@\" \"${AC_ARGS[@]}\"",
        ]
        let script = Data((lines.joined(separator: "\n") + "\n").utf8)
        return LauncherExport(document: script, files: [.init(name: "launch.sh", contents: script, executable: true)])
    }

    /// The config function for a flavor: llama3_8b, llama3_70b, llama3_405b, deepseek_v3_671b (and
    /// deepseek_v3_671b_float8), as torchtitan 0.3.0's config registries name them.
    static func configFunction(_ flavor: TorchtitanFlavor, fp8: Bool) -> String {
        "\(flavor.name)_\(flavor.flavor.lowercased())" + (fp8 && flavor.name == "deepseek_v3" ? "_float8" : "")
    }

    /// What 0.3.0 cannot run as planned: fp16 (as 0.2), partial full recompute (as 0.2), and a
    /// precision other than the config function's: its `model_spec` converters decide float8, and
    /// only llama3_405b (always float8) and deepseek_v3_671b_float8 convert.
    private func checkSupported(_ flavor: TorchtitanFlavor?) throws {
        try TorchtitanRecompute.check(plan)
        guard let flavor else { return }
        let fp8 = plan.precision == .fp8
        if flavor.name == "llama3" && flavor.flavor == "405B" && !fp8 {
            throw InputError(
                file: plan.origin, key: "precision",
                "is \(plan.precision.rawValue); torchtitan 0.3.0's llama3_405b config trains float8 linears (its "
                    + "model_spec converters, which no command-line option changes), so re-plan with --precision "
                    + "fp8 or export --to torchtitan (0.2.x)"
            )
        }
        if flavor.name == "llama3" && flavor.flavor != "405B" && fp8 {
            throw InputError(
                file: plan.origin, key: "precision",
                "is fp8; torchtitan 0.3.0 has no float8 config for llama3 \(flavor.flavor) (float8 converters are "
                    + "set in a config function's model_spec, not on the command line), so re-plan with --precision "
                    + "bf16 or export --to torchtitan (0.2.x, model.converters)"
            )
        }
    }

    /// --module, --config and --hf_assets_path, or, for a model torchtitan 0.3.0 does not register, a
    /// config function named after it for the user to add (the job stops at start-up until then).
    private func modelArguments(_ flavor: TorchtitanFlavor?) -> [String] {
        guard let model = plan.model else {
            return [
                "# set: --module, --config and --hf_assets_path for \(Quoting.comment(plan.modelName)): this plan "
                    + "does not carry the model (re-create it with `plan train`)"
            ]
        }
        let assets =
            "./assets/hf/" + (model.architecture.sourceId?.split(separator: "/").last.map(String.init) ?? model.name)
        var result: [String]
        if let flavor {
            result = [
                "# torchtitan 0.3.0 registers \(flavor.name) flavor \(flavor.flavor) with exactly this model's shape",
                "--module \(flavor.name)",
                "--config \(Self.configFunction(flavor, fp8: plan.precision == .fp8))",
            ]
        } else {
            let family = TorchtitanFlavor.family(of: model)
            let name = family ?? model.architecture.modelType ?? model.name
            let kind = Quoting.comment(TorchtitanModelTable.architecture(model))
            result = [
                "# torchtitan 0.3.0 registers no flavor of \(Quoting.comment(model.name)) "
                    + "(\(TorchtitanModelTable.shape(model))).",
                family.map {
                    "# Add a config function named \(Quoting.comment(model.name)) with these values to "
                        + "torchtitan/models/\($0)/config_registry.py before launching."
                }
                    ?? "# It has no model of this architecture (\(kind)): add one with a config_registry module under "
                    + "this name before launching.",
                "--module \(Quoting.shell(name))",
                "--config \(Quoting.shell(model.name))",
            ]
        }
        let source = model.architecture.sourceId.map { Quoting.comment($0) } ?? "<the model's repository>"
        result += [
            "# tokenizer (yours to fetch): python scripts/download_hf_assets.py --repo_id \(source) "
                + "--assets tokenizer",
            "--hf_assets_path \(Quoting.shell(assets))",
        ]
        return result
    }

    /// The `[training]` keys of the 0.2 export, as options, and the flag that turns CUDA graphs off
    /// where 0.3.0's `Trainer.Config._validate_cuda_graphs` refuses them (pipeline parallelism; expert
    /// parallelism with the default token dispatcher).
    private func trainingArguments() -> [String] {
        var result = options("training", TorchtitanExport(plan: plan, hosts: hosts).trainingTable())
        if plan.pipeline > 1 || plan.expert > 1 {
            result += [
                "# 0.3.0 captures CUDA graphs by default, which it refuses with pipeline or expert parallelism",
                "--training.disable_cuda_graphs",
            ]
        }
        return result
    }

    /// The `[parallelism]` keys of the 0.2 export, as options; expert_parallel_degree always, since
    /// deepseek_v3_671b sets 2.
    private func parallelArguments() -> [String] {
        var table = TorchtitanExport(plan: plan, hosts: hosts).parallelismTable()
        if !table.entries.contains(where: { $0.key == "expert_parallel_degree" }) {
            table.set("expert_parallel_degree", .int(plan.expert))
        }
        return options("parallelism", table)
    }

    private func options(_ section: String, _ table: TorchtitanExport.Table) -> [String] {
        table.entries.flatMap { entry in
            (entry.comment.map { ["# \($0)"] } ?? []) + ["--\(section).\(entry.key) \(Self.argument(entry.value))"]
        }
    }

    /// A value as tyro reads it: a list of strings is one comma-joined argument, a list of lists one
    /// such argument per inner list.
    static func argument(_ value: TorchtitanExport.Value) -> String {
        switch value {
        case .int(let number): "\(number)"
        case .bool(let flag): flag ? "True" : "False"
        case .string(let text): Quoting.shell(text)
        case .strings(let texts): Quoting.shell(texts.joined(separator: ","))
        case .nested(let lists): lists.map { Quoting.shell($0.joined(separator: ",")) }.joined(separator: " ")
        }
    }

    /// The subcommand for the plan's recompute: none, selective (per-op SAC, 0.2's "op") or full.
    private func activationCheckpoint() -> String {
        switch plan.recompute {
        case .none: "activation-checkpoint:none"
        case .selective: "activation-checkpoint:selective"
        case .full where plan.chunks.allSatisfy({ $0.recomputedLayers == 0 }): "activation-checkpoint:none"
        case .full: "activation-checkpoint:full"
        }
    }
}
