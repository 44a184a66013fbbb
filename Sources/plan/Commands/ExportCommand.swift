import ArgumentParser
import Foundation
import Launchers
import PlanFiles

/// `plan export`: a launcher configuration from a plan JSON.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a launcher configuration from a training plan JSON.",
        discussion: """
            Reads the plan JSON of `plan train` or `plan evaluate` (- is standard input).
            Standard output (or --out FILE) gets one document:
              megatron    bash script: torchrun around Megatron-LM pretrain_gpt.py; model
                          shape flags the plan does not carry are `# set:` lines
              deepspeed   JSON {"ds_config": {...}, "launch": "deepspeed ...",
                          "hostfile": "..." (several nodes), "notes": [...]}
              torchtitan  0.2.x TOML for --job.config_file, torchrun line in a comment
              torchtitan-0.3  bash script: torchrun around torchtitan 0.3.0's train
                          module, --module/--config and --section.key options
              horovod     bash script with the horovodrun line
              tensorflow  JSON {"workers": [{"host", "TF_CONFIG"}, ...], "notes": [...]},
                          one TF_CONFIG per worker for MultiWorkerMirroredStrategy
              vllm        bash script: `vllm serve` per replica configuration (inference
                          plans from `plan infer`)
            horovod and tensorflow take pure data-parallel plans only (tp=pp=cp=ep=1).
            --out-dir DIR writes the launcher's own files instead:
              megatron, horovod, torchtitan-0.3  launch.sh
              deepspeed          ds_config.json, launch.sh, hostfile (several nodes)
              torchtitan         job.toml, launch.sh
              tensorflow         tf_config.worker-N.json per worker, launch.sh
            One node is localhost; several are node0, node1, ... unless --hosts names them.
            """)

    @Option(name: .customLong("to"), help: ArgumentHelp("The launcher to write for.", valueName: "format"))
    var format: ExportFormat

    @Argument(help: "The plan JSON (from `plan train --out PLAN.json`), or - for standard input.")
    var plan: String

    @Option(help: "Write the document to this file (atomically) instead of standard output.")
    var out: String?

    @Option(name: .customLong("out-dir"), help: "Write the launcher's files into this directory instead.")
    var outDirectory: String?

    @Option(help: "Host names of the plan's nodes, comma-separated, in node order.")
    var hosts: String?

    func run() throws {
        if out != nil && outDirectory != nil {
            throw InputError(key: "--out-dir", "cannot be given with --out; give one")
        }
        try OutPath.check(out, inputs: [plan])
        let (document, origin) = try PlanDocument.load(path: plan)
        let names = hosts.map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let export = try LauncherExport.render(document, origin: origin, as: format, hosts: names)
        if let outDirectory {
            try export.write(into: outDirectory)
        } else {
            try OutputWriter.emit(export.document, to: out)
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
