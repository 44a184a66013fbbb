import Foundation
import PlanFiles

/// The launchers `plan export --to` and `plan train --emit` write for. vllm serves an inference plan
/// (`plan infer`); the others train and take a training plan (`plan train`, `plan evaluate`).
package enum ExportFormat: String, CaseIterable, Sendable {
    case megatron, deepspeed, torchtitan, horovod, tensorflow, vllm
    /// torchtitan 0.3.x: `--module/--config` and option overrides instead of 0.2.x's TOML.
    case torchtitan03 = "torchtitan-0.3"
}

/// A plan turned into a launcher's configuration: one `document` for standard output or `--out FILE`,
/// and the launcher's own files for `--out-dir DIR`.
package struct LauncherExport {
    struct File {
        var name: String
        var contents: Data
        var executable = false
    }

    package var document: Data
    var files: [File]
}

extension LauncherExport {
    /// Renders `document` (read from `origin`, named in headers and messages) for `format`. `hosts`
    /// names the nodes in order (nil: node0, node1, ...).
    package static func render(
        _ document: PlanDocument, origin: String, as format: ExportFormat, hosts: [String]? = nil
    ) throws -> LauncherExport {
        // The plan's kind (workload.mode) is checked before anything else, so a plan of the wrong kind
        // is named as such rather than failing on a key or a --hosts count.
        switch (format, document) {
        case (.vllm, .training):
            throw InputError(
                file: origin, key: "workload.mode",
                "is 'training'; vllm serves a model and needs an inference plan: write one with `plan infer --model "
                    + "M --cluster C --out PLAN.json` and run `plan export --to vllm PLAN.json`, or export this "
                    + "training plan --to megatron, deepspeed, torchtitan, horovod or tensorflow"
            )
        case (.vllm, .inference(let inference)):
            let plan = ServingLaunchPlan(inference, origin: origin)
            return try VLLMExport(plan: plan, hosts: HostNames(gpusOnNode: plan.gpusOnNode, given: hosts)).render()
        case (_, .inference):
            throw InputError(
                file: origin, key: "workload.mode",
                "is 'inference'; --to \(format.rawValue) writes a training launcher and needs a training plan from "
                    + "`plan train --out PLAN.json` or `plan evaluate ... --out PLAN.json`; to serve this inference "
                    + "plan, run `plan export --to vllm \(origin == "standard input" ? "-" : Quoting.shell(origin))`"
            )
        case (_, .training(let training)):
            if let offloaded = training.recompute.cpuOffloadLayers, offloaded > 0, format != .megatron {
                throw InputError(
                    file: origin, key: "recompute.cpuOffloadLayers",
                    "is \(offloaded); --to \(format.rawValue) has no CPU activation offload (Megatron-LM's "
                        + "--cpu-offloading-num-layers is the one export that writes it): export --to megatron, or "
                        + "write the plan without --cpu-offload-layers")
            }
            let plan = LaunchPlan(training: training, origin: origin)
            let hosts = try HostNames(gpusOnNode: plan.gpusOnNode, given: hosts)
            switch format {
            case .megatron: return try MegatronExport(plan: plan, hosts: hosts).render()
            case .deepspeed: return try DeepSpeedExport(plan: plan, hosts: hosts).render()
            case .torchtitan: return try TorchtitanExport(plan: plan, hosts: hosts).render()
            case .torchtitan03: return try Torchtitan03Export(plan: plan, hosts: hosts).render()
            case .horovod: return try HorovodExport(plan: plan, hosts: hosts).render()
            case .tensorflow: return try TensorFlowExport(plan: plan, hosts: hosts).render()
            case .vllm: preconditionFailure("handled above")
            }
        }
    }

    /// Writes `files` into `directory` (created if missing), each atomically. Everything is rendered
    /// before this runs, so a refused plan leaves the directory as it was.
    package func write(into directory: String) throws {
        let url = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw InputError(
                key: "--out-dir",
                "cannot create '\(directory)': \(error.localizedDescription); choose a writable directory")
        }
        for file in files {
            let target = url.appendingPathComponent(file.name)
            do {
                try file.contents.write(to: target, options: .atomic)
                if file.executable {
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
                }
            } catch {
                throw InputError(
                    key: "--out-dir",
                    "cannot write '\(target.path)': \(error.localizedDescription); choose a writable directory")
            }
        }
    }
}

/// Names of the nodes a plan runs on, in `deviceMap[].node` order, with their GPU counts.
package struct HostNames {
    var names: [String]
    var slots: [Int]

    var master: String { names[0] }
    /// Whether the names are the node0, node1, ... placeholders of a multi-node plan.
    var arePlaceholders: Bool

    /// The names of nodes holding `gpusOnNode` GPUs each, in node order.
    init(gpusOnNode: [Int], given: [String]?) throws {
        slots = gpusOnNode
        let nodes = gpusOnNode.count
        guard let given else {
            // One node is this machine; several are named node0, node1, ... for the user to replace.
            names = nodes == 1 ? ["localhost"] : (0..<nodes).map { "node\($0)" }
            arePlaceholders = nodes > 1
            return
        }
        guard given.count == nodes else {
            throw InputError(
                key: "--hosts",
                "gives \(given.count) host name\(given.count == 1 ? "" : "s"); the plan runs on \(nodes) "
                    + "node\(nodes == 1 ? "" : "s"), so give \(nodes), comma-separated"
            )
        }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_"))
        for name in given where name.isEmpty || name.unicodeScalars.contains(where: { !allowed.contains($0) }) {
            throw InputError(key: "--hosts", "'\(name)' is not a host name; use letters, digits, '.', '-' and '_'")
        }
        names = given
        arePlaceholders = false
    }
}

/// Small helpers the exporters share: JSON with stable key order, header lines, bash arrays. Values
/// from the plan or the user reach scripts and comments through `Quoting`.
package enum ExportText {
    /// Pretty JSON with sorted keys and a final newline, as the plan itself is written.
    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// The opening comment of every export: what, for which plan, from where (the names and the path
    /// through `Quoting.comment`).
    static func header(_ title: String, plan: LaunchPlan, format: ExportFormat) -> [String] {
        var devices = plan.gpu.map { "\(plan.devices) × \(Quoting.comment($0))" } ?? "\(plan.devices) devices"
        if let types = plan.nodeGPUs {
            // GPUs of each type the plan uses, in node order.
            var counts: [(gpu: String, gpus: Int)] = []
            for (gpu, gpus) in zip(types, plan.gpusOnNode) {
                if let i = counts.firstIndex(where: { $0.gpu == gpu }) {
                    counts[i].gpus += gpus
                } else {
                    counts.append((gpu, gpus))
                }
            }
            devices = counts.map { "\($0.gpus) × \(Quoting.comment($0.gpu))" }.joined(separator: " + ")
        }
        let model = Quoting.comment(plan.modelName), cluster = Quoting.comment(plan.clusterName)
        var lines = [
            "# \(title) for \(model) on \(cluster) (\(devices)),",
            "# written by `plan export --to \(format.rawValue)` from \(Quoting.comment(plan.origin)).",
            "# Plan: \(plan.summary).",
        ]
        if let types = plan.nodeGPUs { lines += nodeTypeLines(types) }
        return lines
    }

    /// "# Nodes by NODE_RANK: 0-3 a100-sxm4-80gb, 4-7 h100-sxm5-80gb": a plan over several device
    /// groups puts each pipeline stage on one type, which holds only if every node starts with the
    /// NODE_RANK of its type.
    static func nodeTypeLines(_ types: [String]) -> [String] {
        var runs: [(first: Int, last: Int, gpu: String)] = []
        for (node, gpu) in types.enumerated() {
            if let last = runs.last, last.gpu == gpu, last.last == node - 1 {
                runs[runs.count - 1].last = node
            } else {
                runs.append((node, node, gpu))
            }
        }
        let list = runs.map { run in
            (run.first == run.last ? "\(run.first)" : "\(run.first)-\(run.last)") + " " + Quoting.comment(run.gpu)
        }
        return [
            "# Nodes by NODE_RANK: \(list.joined(separator: ", ")). Each pipeline stage runs on one GPU type and",
            "# holds the layers planned for it: start every node with the NODE_RANK of its GPU type.",
        ]
    }

    /// A bash array assignment, one argument (or `# comment`) per line.
    static func bashArray(_ name: String, _ items: [String]) -> [String] {
        guard !items.isEmpty else { return ["\(name)=()"] }
        return ["\(name)=("] + items.map { "    \($0)" } + [")"]
    }

    /// "1 node", "8 nodes".
    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    /// Where a torchrun script runs: this machine, or every node with its NODE_RANK.
    static func whereToRun(nodes: Int) -> String {
        nodes == 1 ? "on this machine" : "on each of the \(nodes) nodes with NODE_RANK set to the node's index"
    }

    /// `NODE_RANK` for a torchrun script: required with several nodes, 0 on one.
    static func nodeRankLine(nodes: Int) -> String {
        nodes > 1
            ? ": \"${NODE_RANK:?set NODE_RANK to the number of this node, 0 to \(nodes - 1)}\""
            : "NODE_RANK=\"${NODE_RANK:-0}\""
    }

    /// Refuses plans with model parallelism for launchers that only replicate the model.
    static func requireDataParallelOnly(_ plan: LaunchPlan, launcher: String) throws {
        let degrees = [
            ("tensor", plan.tensor), ("pipeline", plan.pipeline), ("context", plan.context), ("expert", plan.expert),
        ]
        .filter { $0.1 > 1 }.map { "\($0.0)=\($0.1)" }
        guard degrees.isEmpty else {
            throw InputError(
                file: plan.origin, key: "parallelism",
                "\(degrees.joined(separator: ", ")): \(launcher) runs pure data parallelism (a whole model per GPU) "
                    + "and cannot run these degrees; export this plan --to megatron, deepspeed or torchtitan, or "
                    + "re-plan with `plan evaluate ... --tp 1 --pp 1 --cp 1 --ep 1`"
            )
        }
    }
}
