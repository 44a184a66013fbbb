import Foundation
import Launchers
import PlanFiles
import Testing

/// `plan export --to vllm PLAN.json`, in process: inference plans made as `plan infer` makes them
/// (Tests/Shared/Plans.swift) are exported, the script is run on every node of the plan (NODE_RANK 0, 1,
/// ...) with stand-ins for `vllm`, `ray` and `python3` that record the words they receive, and every
/// `vllm serve` argument is checked against the plan JSON; plans of the wrong kind are refused.
struct VLLMExportTests {
    // MARK: Plans

    /// The planner's own choice: 8 replicas of tp=1 on one node.
    static let single = PlanRequest.infer(.init(model: "llama3-8b", cluster: "dgx-h100-8"))
    /// A given configuration: 2 × tp=4, batch 16, fp8 weights and KV cache.
    static let fp8 = PlanRequest.infer(
        .init(
            model: "llama3-70b", cluster: "dgx-h100-8", precisions: [.fp8],
            kvPrecision: .fp8, given: .init(tp: 4, pp: 1, replicas: 2, batch: 16)))
    /// A mixed cluster: one configuration per GPU group, each over several nodes.
    static let mixed = PlanRequest.infer(
        .init(
            model: "llama3-70b", cluster: "hetero-a100-h100",
            precisions: [.bf16, .int8]))
    /// Replicas larger than a node (tp=8 × pp=2 on 8-GPU nodes): a Ray cluster.
    static let spanning = PlanRequest.infer(
        .init(
            model: "llama3.1-405b", cluster: "dgx-h100-64",
            given: .init(tp: 8, pp: 2, replicas: 2, batch: 32)))

    static func value(_ plan: [String: Any], _ path: String) -> Any? { Contract.value(plan, path) }
    static func int(_ plan: [String: Any], _ path: String) -> Int { value(plan, path) as? Int ?? -1 }
    static func replicas(_ plan: [String: Any]) -> [[String: Any]] {
        value(plan, "serving.replicas") as? [[String: Any]] ?? []
    }
    static func deviceMap(_ plan: [String: Any]) -> [[String: Any]] { plan["deviceMap"] as? [[String: Any]] ?? [] }
    /// deviceMap node numbers in use, ascending: NODE_RANK k runs on the k-th.
    static func nodes(_ plan: [String: Any]) -> [Int] {
        Set(deviceMap(plan).compactMap { $0["node"] as? Int }).sorted()
    }

    /// What vLLM's --dtype / --kv-cache-dtype / --quantization should be for the plan's formats.
    static func dtype(_ precision: String) -> String {
        switch precision {
        case "bf16", "fp8": "bfloat16"
        default: "float16"
        }
    }

    // MARK: The arguments of every server

    @Test(arguments: [single, fp8, mixed])
    func serveArgumentsMatchThePlan(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(request, in: directory)
        let result = try Plans.export(path, as: .vllm)
        #expect(result.text.hasPrefix("#!/usr/bin/env bash"))
        let calls = try Self.runOnEveryNode(result.document, nodes: Self.nodes(plan).count, in: directory)
        let serves = calls.filter { $0.program == "vllm" }
        #expect(calls.allSatisfy { $0.program == "vllm" }, "no Ray without replicas larger than a node")
        let replicas = Self.replicas(plan)
        let promptAndOutput = Self.int(plan, "workload.promptTokens") + Self.int(plan, "workload.outputTokens")
        let cache = Self.value(plan, "serving.kvCachePrecision") as? String ?? ""
        let gpusOnNode = Self.nodes(plan).map { node in
            Self.deviceMap(plan).filter { $0["node"] as? Int == node }.count
        }
        var gpusServed = Array(repeating: 0, count: gpusOnNode.count)

        for serve in serves {
            #expect(serve.words.first == "serve")
            // The MODEL argument is the model's Hugging Face id when the plan carries one, else its name.
            let model = (Self.value(plan, "model.sourceId") ?? Self.value(plan, "model.name")) as? String
            #expect(serve.words.dropFirst().first == model)
        }
        for (index, replica) in replicas.enumerated() {
            // Each configuration is its own endpoint on port 8000 + index when there are several.
            let mine = serves.filter {
                replicas.count == 1 ? !$0.flags.has("--port") : $0.flags.int("--port") == 8000 + index
            }
            #expect(!mine.isEmpty, "no vllm serve for serving.replicas[\(index)]")
            let count = replica["count"] as? Int ?? -1
            let tp = replica["tensor"] as? Int ?? -1, pp = replica["pipeline"] as? Int ?? -1
            let precision = replica["precision"] as? String ?? ""
            for call in mine {
                let flags = call.flags
                #expect(flags.int("--tensor-parallel-size") == tp)
                #expect(flags.int("--pipeline-parallel-size") == pp)
                #expect(flags.int("--data-parallel-size") == count)
                #expect(flags.int("--max-num-seqs") == replica["batchSize"] as? Int)
                #expect(flags.int("--max-model-len") == promptAndOutput)
                #expect(flags.value("--dtype") == Self.dtype(precision))
                #expect(flags.value("--kv-cache-dtype") == (cache == "fp8" ? "fp8" : "auto"))
                #expect(flags.value("--quantization") == (precision == "fp8" ? "fp8" : nil))
                #expect(!flags.has("--quantization") || precision == "fp8")
                #expect(flags.value("--gpu-memory-utilization") == "0.9")
                #expect(call.visibleDevices.isEmpty, "one configuration per node needs no CUDA_VISIBLE_DEVICES")
                let local = flags.has("--data-parallel-size-local") ? flags.int("--data-parallel-size-local") : count
                gpusServed[call.node] += local * tp * pp
            }
            // One data-parallel deployment per configuration: one head with the API server, headless
            // nodes holding consecutive ranks, all of its replicas in all.
            let heads = mine.filter { !$0.flags.has("--headless") }
            #expect(heads.count == 1)
            let locals = mine.map {
                $0.flags.has("--data-parallel-size-local") ? $0.flags.int("--data-parallel-size-local") : count
            }
            #expect(locals.reduce(0, +) == count)
            if mine.count > 1 {
                let head = heads.first?.node ?? -1
                #expect(Set(mine.map { $0.flags.value("--data-parallel-address") }) == ["node\(head)"])
                #expect(Set(mine.map { $0.flags.int("--data-parallel-rpc-port") }).count == 1)
                var next = heads.first.map { $0.flags.int("--data-parallel-size-local") } ?? 0
                let headless = mine.filter { $0.flags.has("--headless") }.sorted { $0.node < $1.node }
                for call in headless {
                    #expect(call.flags.int("--data-parallel-start-rank") == next)
                    next += call.flags.int("--data-parallel-size-local")
                }
            }
            if precision == "int8" || precision == "int4" {
                #expect(
                    result.text.contains(
                        "\(precision) weights (weight-only) need a pre-quantized checkpoint"))
                #expect(result.text.contains("gptq_marlin") && result.text.contains("compressed-tensors"))
                #expect(!result.text.contains("--quantization \(precision)"))
            }
        }
        // Every GPU the plan uses gets a server, node by node.
        #expect(gpusServed == gpusOnNode, "GPUs per node: served \(gpusServed), deviceMap \(gpusOnNode)")
        #expect(
            result.text.contains(
                Self.value(plan, "model.sourceId") == nil
                    ? "must be a Hugging Face repo id" : "the Hugging Face repo id"))
    }

    /// The mixed plan is mixed: two GPU groups, a comment and servers for each.
    @Test func mixedPlanHasOneConfigurationPerGPUGroup() throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(Self.mixed, in: directory)
        let gpus = Self.replicas(plan).map { $0["gpu"] as? String ?? "" }
        #expect(Set(gpus) == ["h100-sxm5-80gb", "a100-sxm4-80gb"], "\(gpus)")
        let hosts = (0..<Self.nodes(plan).count).map { "gpu-\($0)" }
        let out = directory.appendingPathComponent("vllm")
        try Plans.export(path, as: .vllm, hosts: hosts).write(into: out.path)
        let launch = out.appendingPathComponent("launch.sh")
        #expect(FileManager.default.isExecutableFile(atPath: launch.path))
        let text = try String(contentsOf: launch, encoding: .utf8)
        let headers = text.split(separator: "\n").filter { $0.hasPrefix("# Configuration ") }
        #expect(headers.count == gpus.count)
        for (index, gpu) in gpus.enumerated() {
            let header = "# Configuration \(index + 1) of \(gpus.count), GPU group \(gpu):"
            #expect(headers.contains { $0.hasPrefix(header) }, "\(headers)")
        }
        // The head of each configuration is addressed by the host name given for its first node.
        let calls = try Self.runOnEveryNode(Data(text.utf8), nodes: hosts.count, in: directory)
        for head in calls.filter({ $0.program == "vllm" && !$0.flags.has("--headless") }) {
            #expect(head.flags.value("--data-parallel-address") == hosts[head.node])
        }
        #expect(Set(calls.compactMap { $0.flags.value("--data-parallel-address") }).count == gpus.count)
    }

    /// Two configurations on one node: each server gets its own GPUs and port, and the node waits for
    /// both.
    @Test func configurationsSharingANodeSplitItsGPUs() throws {
        let directory = try Plans.scratch()
        let (_, plan) = try Plans.write(Self.fp8, in: directory)
        var edited = plan
        var serving = plan["serving"] as? [String: Any] ?? [:]
        var first = Self.replicas(plan)[0]
        first["count"] = 1
        var second = first
        second["batchSize"] = 8
        serving["replicas"] = [first, second]
        edited["serving"] = serving
        let path = directory.appendingPathComponent("shared.json")
        try JSONSerialization.data(withJSONObject: edited).write(to: path)
        let result = try Plans.export(path.path, as: .vllm)
        let serves = try Self.runOnEveryNode(result.document, nodes: 1, in: directory).filter { $0.program == "vllm" }
        #expect(serves.count == 2)
        let byPort = Dictionary(serves.map { ($0.flags.int("--port"), $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byPort[8000]?.flags.int("--max-num-seqs") == 16)
        #expect(byPort[8001]?.flags.int("--max-num-seqs") == 8)
        #expect(byPort[8000]?.visibleDevices == "0,1,2,3" && byPort[8001]?.visibleDevices == "4,5,6,7")
        #expect(
            serves.allSatisfy {
                $0.flags.int("--data-parallel-size") == 1 && $0.flags.int("--tensor-parallel-size") == 4
            })
        #expect(result.text.contains("\nwait\n"))
    }

    /// Replicas of 16 GPUs on 8-GPU nodes: a Ray cluster over the configuration's nodes, one vllm serve on
    /// its head.
    @Test func replicasLargerThanANodeRunOnRay() throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(Self.spanning, in: directory)
        let replica = Self.replicas(plan)[0]
        let nodes = Self.nodes(plan).count
        #expect(nodes == 4)
        let result = try Plans.export(path, as: .vllm)
        let calls = try Self.runOnEveryNode(result.document, nodes: nodes, in: directory)
        let serves = calls.filter { $0.program == "vllm" }
        #expect(serves.count == 1 && serves.first?.node == 0)
        if let serve = serves.first {
            #expect(serve.flags.int("--tensor-parallel-size") == replica["tensor"] as? Int)
            #expect(serve.flags.int("--pipeline-parallel-size") == replica["pipeline"] as? Int)
            #expect(serve.flags.int("--data-parallel-size") == replica["count"] as? Int)
            #expect(serve.flags.value("--distributed-executor-backend") == "ray")
            #expect(serve.flags.value("--data-parallel-backend") == "ray")
            #expect(serve.packStrategy == "span")
            #expect(serve.flags.int("--max-num-seqs") == replica["batchSize"] as? Int)
        }
        let rays = calls.filter { $0.program == "ray" }
        #expect(rays.filter { $0.node == 0 }.map(\.words) == [["start", "--head", "--port=6379"]])
        for node in 1..<nodes {
            #expect(rays.filter { $0.node == node }.map(\.words) == [["start", "--address=node0:6379", "--block"]])
        }
    }

    // MARK: Plans of the wrong kind

    @Test func trainingPlanIsRefused() throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(ExportTests.small, in: directory)
        let message = ExportTests.refusal { _ = try Plans.export(path, as: .vllm) }
        #expect(
            message.contains(path) && message.contains("workload.mode") && message.contains("'training'"),
            "\(message)")
        #expect(message.contains("plan infer"))
    }

    @Test(arguments: [ExportFormat.megatron, .deepspeed, .torchtitan, .horovod, .tensorflow])
    func trainingLaunchersRefuseInferencePlans(_ format: ExportFormat) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(Self.single, in: directory)
        let message = ExportTests.refusal { _ = try Plans.export(path, as: format) }
        #expect(
            message.contains(path) && message.contains("workload.mode") && message.contains("'inference'"),
            "\(message)")
        #expect(message.contains("--to vllm"))
        #expect(!message.contains("\n"))
    }

    @Test func inconsistentDeviceMapNamesTheKey() throws {
        let directory = try Plans.scratch()
        let (_, plan) = try Plans.write(Self.fp8, in: directory)
        var edited = plan
        edited["deviceMap"] = Array(Self.deviceMap(plan).dropLast())
        let path = directory.appendingPathComponent("short.json")
        try JSONSerialization.data(withJSONObject: edited).write(to: path)
        let message = ExportTests.refusal { _ = try Plans.export(path.path, as: .vllm) }
        #expect(message.contains(path.path) && message.contains("'deviceMap'"), "\(message)")
    }

    // MARK: Running the script

    /// One program started by the script on one node, with the words it received.
    struct Call {
        var program: String
        var node: Int
        var visibleDevices: String
        var packStrategy: String
        var words: [String]
        var flags: Flags { Flags(words) }
    }

    /// Runs the script with bash once per node (NODE_RANK 0 to nodes - 1), `vllm`, `ray` and `python3`
    /// replaced by stand-ins that each record their name, CUDA_VISIBLE_DEVICES,
    /// VLLM_RAY_DP_PACK_STRATEGY and arguments in a file of their own: exactly what the real programs
    /// would receive.
    static func runOnEveryNode(_ script: Data, nodes: Int, in directory: URL) throws -> [Call] {
        let run = directory.appendingPathComponent("run-\(UUID().uuidString)")
        let bin = run.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let launch = run.appendingPathComponent("launch.sh")
        try script.write(to: launch)
        let standIn = """
            #!/bin/sh
            file=$(mktemp "$PLAN_CALLS/call.XXXXXX")
            { printf '%s\\n' "$(basename "$0")" "${CUDA_VISIBLE_DEVICES:-}" "${VLLM_RAY_DP_PACK_STRATEGY:-}"
              for word in "$@"; do printf '%s\\n' "$word"; done; } > "$file"

            """
        for program in ["vllm", "ray", "python3"] {
            let url = bin.appendingPathComponent(program)
            try Data(standIn.utf8).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        var calls: [Call] = []
        for node in 0..<nodes {
            let records = run.appendingPathComponent("node-\(node)")
            try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
            var variables = ProcessInfo.processInfo.environment
            variables["PATH"] = bin.path + ":" + (variables["PATH"] ?? "/usr/bin:/bin")
            variables["NODE_RANK"] = String(node)
            variables["PLAN_CALLS"] = records.path
            variables["CUDA_VISIBLE_DEVICES"] = nil
            variables["VLLM_RAY_DP_PACK_STRATEGY"] = nil
            variables["MODEL"] = nil
            let result = try Subprocess.run(
                URL(fileURLWithPath: "/usr/bin/env"), ["bash", launch.path],
                environment: variables)
            let problems = String(decoding: result.stderr, as: UTF8.self)
            #expect(result.status == 0, "NODE_RANK=\(node) bash launch.sh: \(problems)")
            for file in try FileManager.default.contentsOfDirectory(atPath: records.path) {
                let text = try String(contentsOf: records.appendingPathComponent(file), encoding: .utf8)
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if lines.last == "" { lines.removeLast() }
                guard lines.count >= 3 else {
                    Issue.record("stand-in record \(file) on node \(node) is short: \(lines)")
                    continue
                }
                calls.append(
                    Call(
                        program: lines[0], node: node, visibleDevices: lines[1], packStrategy: lines[2],
                        words: Array(lines.dropFirst(3))))
            }
        }
        return calls
    }
}
