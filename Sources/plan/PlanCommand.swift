import ArgumentParser
import PlanFiles

/// `plan`: the command line over the CostModel and Planner libraries.
@main
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Auto-sharding planner for training large language models on GPU clusters.",
        discussion: """
            Model and cluster files in (Hugging Face config.json names; DESIGN.md), a JSON plan out.
            With no file arguments, `plan train` plans the bundled default (llama3-70b on dgx-h100-64).
            """,
        subcommands: [
            TrainCommand.self, InferCommand.self, EvaluateCommand.self, ValidateCommand.self, ExportCommand.self,
            CompareCommand.self, SweepCommand.self, CalibrateCommand.self,
        ],
        defaultSubcommand: nil)
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json, table
}

/// What `train` and `evaluate` print: the plan's JSON, its table, or its picture.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case json, table, svg
}

/// Flags every training command shares: what to train and on what.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "Model: a file (YAML or Hugging Face config.json) or a bundled name in models/.")
    var model: String = "llama3-70b"

    @Option(help: "Cluster: a file or a bundled name in clusters/.")
    var cluster: String = "dgx-h100-64"

    @Option(name: .customLong("global-batch"), help: "Sequences per optimizer step.")
    var globalBatch: Int = 128

    @Option(name: .customLong("seq-len"), help: "Tokens per sequence (default: the model's context, at most 8192).")
    var sequenceLength: Int?

    @Option(
        help:
            ArgumentHelp(
                "The framework that runs the plan: a bundled name in frameworks/ (megatron, nemo, torchtitan, "
                    + "deepspeed, nanotron, metaseq, horovod, tensorflow, composer) or a file.")
    )
    var framework: String = "megatron"

    /// The files these options read, which `--out` must not replace.
    var inputPaths: [String] {
        DataDirectory().inputPaths(models: [model], clusters: [cluster], frameworks: [framework])
    }

    /// Values that parse but mean nothing: an `InputError` (exit status 1) from `run()`, not a
    /// usage error. The bounds keep every product the search forms far from `Int` overflow.
    func check() throws {
        guard (1...10_000_000).contains(globalBatch) else {
            throw InputError(key: "--global-batch", "must be from 1 to 10000000 sequences, got \(globalBatch)")
        }
        if let sequenceLength, !(1...10_000_000).contains(sequenceLength) {
            throw InputError(key: "--seq-len", "must be from 1 to 10000000 tokens, got \(sequenceLength)")
        }
        if model == "-" && cluster == "-" {
            throw InputError(
                key: "--cluster", "'-' (standard input) is already --model's; give the cluster as a file or a name")
        }
    }
}
