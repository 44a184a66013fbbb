import CostModel
import Foundation

// MARK: - The inference plan read back

/// An inference plan read back from its JSON (`workload.mode` "inference", written by `plan infer`;
/// Sources/plan/Output/InferenceDocument.swift): only the keys the vLLM export needs, each checked, so
/// a missing or garbled plan is an `InputError` naming the file and the key path.
struct InferencePlanFile {
    static let remedy = "re-create the plan with `plan infer --out FILE`"

    /// One replica configuration of `serving.replicas[]`: `count` replicas of tensor × pipeline GPUs.
    struct Replica {
        var gpu: String
        var count: Int
        var tensor: Int
        var pipeline: Int
        var batchSize: Int
        var precision: Precision
        var ttftSeconds: Double?
        var tpotSeconds: Double?
        var outputTokensPerSecond: Double?

        var devicesPerReplica: Int { tensor * pipeline }
    }

    /// One row of `deviceMap[]`: `data` is the replica the GPU belongs to.
    struct Device {
        var rank: Int
        var node: Int
        var localIndex: Int
        var data: Int
    }

    /// Where the plan came from, for messages and the header: a path or "standard input".
    var origin: String
    var modelName: String
    var clusterName: String
    /// `cluster.gpu`: the first device group's GPU, whose replicas `deviceMap` lists first.
    var gpu: String?
    var devices: Int
    var promptTokens: Int
    var outputTokens: Int
    var kvCachePrecision: Precision
    var replicas: [Replica]
    var deviceMap: [Device]
    var outputTokensPerSecond: Double?
    /// `deviceMap[].node` numbers of the nodes that run replicas, ascending: NODE_RANK k is nodeNumbers[k].
    var nodeNumbers: [Int]
    /// GPUs in use on each of those nodes.
    var gpusOnNode: [Int]

    var replicaCount: Int { replicas.reduce(0) { $0 + $1.count } }

    /// Weight formats `plan infer` plans with, and the KV-cache formats.
    static let weightFormats: [Precision] = [.bf16, .fp16, .fp8, .int8, .int4]
    static let cacheFormats: [Precision] = [.bf16, .fp16, .fp8]

    /// Reads the plan from its parsed JSON; `PlanFile` hands it over once it has seen `workload.mode`.
    init(root: [String: Any], origin: String) throws {
        let plan = JSONFields(root: root, origin: origin, remedy: Self.remedy)
        self.origin = origin
        modelName = try plan.string("model.name")
        clusterName = try plan.string("cluster.name")
        gpu = try plan.optionalString("cluster.gpu")
        devices = try plan.positive("cluster.devices")
        promptTokens = try plan.positive("workload.promptTokens")
        outputTokens = try plan.positive("workload.outputTokens")
        let cacheName = try plan.string("serving.kvCachePrecision")
        guard let cache = Precision(rawValue: cacheName), Self.cacheFormats.contains(cache) else {
            throw InputError(file: origin, key: "serving.kvCachePrecision", "is '\(cacheName)'; expected bf16, fp16 or fp8")
        }
        kvCachePrecision = cache
        replicas = try plan.objects("serving.replicas").enumerated().map { position, row in
            let replica = JSONFields(root: row, origin: origin, prefix: "serving.replicas[\(position)].", remedy: Self.remedy)
            let name = try replica.string("precision")
            guard let precision = Precision(rawValue: name), Self.weightFormats.contains(precision) else {
                throw InputError(file: origin, key: "serving.replicas[\(position)].precision",
                                 "is '\(name)'; expected bf16, fp16, fp8, int8 or int4")
            }
            return Replica(gpu: try replica.string("gpu"), count: try replica.positive("count"),
                           tensor: try replica.positive("tensor"), pipeline: try replica.positive("pipeline"),
                           batchSize: try replica.positive("batchSize"), precision: precision,
                           ttftSeconds: try replica.optionalDouble("ttftSeconds"),
                           tpotSeconds: try replica.optionalDouble("tpotSeconds"),
                           outputTokensPerSecond: try replica.optionalDouble("outputTokensPerSecond"))
        }
        deviceMap = try plan.objects("deviceMap").enumerated().map { position, row in
            let device = JSONFields(root: row, origin: origin, prefix: "deviceMap[\(position)].", remedy: Self.remedy)
            return Device(rank: try device.natural("rank"), node: try device.natural("node"),
                          localIndex: try device.natural("localIndex"), data: try device.natural("data"))
        }
        outputTokensPerSecond = try plan.optionalDouble("prediction.outputTokensPerSecond")
        var perNode: [Int: Int] = [:]
        for device in deviceMap { perNode[device.node, default: 0] += 1 }
        nodeNumbers = perNode.keys.sorted()
        gpusOnNode = nodeNumbers.map { perNode[$0]! }
        try checkConsistency()
    }

    /// The identities the launch relies on; a plan edited by hand that breaks one is refused here rather
    /// than turned into servers that do not start.
    private func checkConsistency() throws {
        let used = replicas.reduce(0) { $0 + $1.count * $1.devicesPerReplica }
        guard used == deviceMap.count, used <= devices else {
            throw InputError(file: origin, key: "deviceMap",
                             "lists \(deviceMap.count) devices, but serving.replicas[] (count × tensor × pipeline) use \(used) of the cluster's \(devices); re-create the plan with `plan infer --out FILE`")
        }
        guard Set(deviceMap.map(\.rank)).count == deviceMap.count,
              Set(deviceMap.map { "\($0.node):\($0.localIndex)" }).count == deviceMap.count else {
            throw InputError(file: origin, key: "deviceMap", "lists a rank, or a node's GPU, twice; re-create the plan with `plan infer --out FILE`")
        }
        guard Set(deviceMap.map(\.data)) == Set(0..<replicaCount) else {
            throw InputError(file: origin, key: "deviceMap",
                             "numbers its replicas (data) other than 0 to \(replicaCount - 1), the \(replicaCount) replicas of serving.replicas[]; re-create the plan with `plan infer --out FILE`")
        }
    }
}


// MARK: - Where the replicas run

/// The plan's replicas placed on its nodes: which `deviceMap` replica belongs to which configuration of
/// `serving.replicas[]`, and so which GPUs of which node each configuration's servers use.
struct ServingLayout {
    /// One replica (a `deviceMap[].data` value): its GPUs as (node position, local index).
    struct Slot {
        var gpus: [(node: Int, local: Int)]
        var nodes: [Int] { Array(Set(gpus.map(\.node))).sorted() }
    }

    /// One configuration of `serving.replicas[]` with its replicas in data-parallel rank order.
    struct Configuration {
        var number: Int
        var replica: InferencePlanFile.Replica
        var slots: [Slot]

        /// Node positions (NODE_RANK values) it runs on, ascending.
        var nodes: [Int] { Array(Set(slots.flatMap(\.nodes))).sorted() }
        /// Whether one replica needs GPUs of several nodes (multi-node tensor × pipeline).
        var spansNodes: Bool { slots.contains { $0.nodes.count > 1 } }
        /// Replicas that run entirely on `node`.
        func replicas(on node: Int) -> Int { slots.filter { $0.nodes == [node] }.count }
        /// Its GPUs on `node`, by local index.
        func localGPUs(on node: Int) -> [Int] { slots.flatMap(\.gpus).filter { $0.node == node }.map(\.local).sorted() }
    }

    var configurations: [Configuration]
    /// Node positions that run servers of more than one configuration.
    var sharedNodes: Set<Int>

    /// `deviceMap` lays replicas out device group by device group (in the cluster's group order), and
    /// inside a group in `serving.replicas[]` order. The JSON does not say which group is which, so the
    /// configurations are matched to the consecutive replicas of `deviceMap` by size and count, trying
    /// the first group's GPU (`cluster.gpu`) first and then list order, and never putting two GPU models
    /// on one node.
    init(plan: InferencePlanFile) throws {
        let position = Dictionary(uniqueKeysWithValues: plan.nodeNumbers.enumerated().map { ($1, $0) })
        var byReplica: [Int: [InferencePlanFile.Device]] = [:]
        for device in plan.deviceMap { byReplica[device.data, default: []].append(device) }
        let slots = byReplica.values
            .map { $0.sorted { $0.rank < $1.rank } }
            .sorted { $0[0].rank < $1[0].rank }
            .map { Slot(gpus: $0.map { (position[$0.node]!, $0.localIndex) }) }
        let preference = plan.replicas.indices.sorted { a, b in
            let firstA = plan.replicas[a].gpu == plan.gpu, firstB = plan.replicas[b].gpu == plan.gpu
            return firstA != firstB ? firstA : a < b
        }
        func fits(_ order: [Int]) -> Bool {
            var gpuOfNode: [Int: String] = [:]
            var next = 0
            for index in order {
                let replica = plan.replicas[index]
                for slot in slots[next..<(next + replica.count)] {
                    for node in slot.nodes {
                        if let other = gpuOfNode[node], other != replica.gpu { return false }
                        gpuOfNode[node] = replica.gpu
                    }
                }
                next += replica.count
            }
            return true
        }
        func search(_ next: Int, _ order: [Int]) -> [Int]? {
            if order.count == plan.replicas.count { return next == slots.count && fits(order) ? order : nil }
            for index in preference where !order.contains(index) {
                let replica = plan.replicas[index]
                let end = next + replica.count
                guard end <= slots.count, slots[next..<end].allSatisfy({ $0.gpus.count == replica.devicesPerReplica }) else { continue }
                if let found = search(end, order + [index]) { return found }
            }
            return nil
        }
        guard let order = search(0, []) else {
            throw InputError(file: plan.origin, key: "deviceMap",
                             "does not hold the replicas of serving.replicas[] (count replicas of tensor × pipeline GPUs each, one GPU model per node); re-create the plan with `plan infer --out FILE`")
        }
        var assigned: [Int: [Slot]] = [:]
        var next = 0
        for index in order {
            assigned[index] = Array(slots[next..<(next + plan.replicas[index].count)])
            next += plan.replicas[index].count
        }
        configurations = plan.replicas.enumerated().map { Configuration(number: $0 + 1, replica: $1, slots: assigned[$0]!) }
        var users: [Int: Int] = [:]
        for configuration in configurations {
            for node in configuration.nodes { users[node, default: 0] += 1 }
        }
        sharedNodes = Set(users.filter { $0.value > 1 }.keys)
    }
}

// MARK: - The launch script

/// A bash script that starts vLLM's OpenAI-compatible server (`vllm serve MODEL ...`) for every replica
/// configuration of an inference plan, run on each node with NODE_RANK set (one node: as it is).
///
/// Every engine argument is one that vllm-project/vllm `vllm/engine/arg_utils.py` registers in
/// `EngineArgs.add_cli_args`, and every server argument one of `make_arg_parser` /
/// `FrontendArgs` in `vllm/entrypoints/openai/cli_args.py`; the line checked is cited where each is
/// emitted. Replicas of one configuration are one data-parallel deployment (`--data-parallel-size`
/// = their count): on one node a single command, over several nodes one command per node
/// (docs/serving/data_parallel_deployment.md, "Internal Load Balancing"), and with replicas larger
/// than a node on a Ray cluster (docs/serving/distributed_serving.md, "Multi-node deployment").
/// Each configuration of a mixed plan gets its own servers, API port and comment naming its GPU group.
/// Standard output (or `--out FILE`) gets the script; `--out-dir DIR` writes it as launch.sh.
struct VLLMExport {
    var plan: InferencePlanFile
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
        // make_arg_parser (vllm/entrypoints/openai/cli_args.py): parser.add_argument("model_tag", type=str,
        // nargs="?") is the MODEL of `vllm serve [model_tag] [options]` (vllm/entrypoints/cli/serve.py).
        lines += [
            "# MODEL must be a Hugging Face repo id (org/name) or the path of a local checkpoint: \(plan.modelName) is the",
            "# planner's name for the model, not necessarily either. Set MODEL=... when running this script.",
            "MODEL=\"${MODEL:-\(Self.doubleQuoted(plan.modelName))}\"",
        ]
        for configuration in layout.configurations {
            lines.append("")
            lines += describe(configuration, of: layout.configurations.count)
            lines += ExportText.bashArray(arrayName(configuration, single: single), engineArguments(configuration, single: single))
        }
        lines.append("")
        lines += commands(layout, single: single)
        let script = Data((lines.joined(separator: "\n") + "\n").utf8)
        return LauncherExport(document: script, files: [.init(name: "launch.sh", contents: script, executable: true)])
    }

    private func header(_ layout: ServingLayout) -> [String] {
        let nodes = plan.nodeNumbers.count
        let used = plan.deviceMap.count
        var models: [String] = []
        for gpu in plan.replicas.map(\.gpu) where !models.contains(gpu) { models.append(gpu) }
        let gpuModels = models.joined(separator: ", ")
        var lines = [
            "# vLLM serving launch for \(plan.modelName) on \(plan.clusterName) (\(plan.devices) GPUs; serving on \(gpuModels)),",
            "# written by `plan export --to vllm` from \(plan.origin).",
            "# Plan: \(ExportText.count(plan.replicaCount, "replica")) in \(ExportText.count(layout.configurations.count, "configuration")) on \(used) GPUs"
                + ", \(plan.promptTokens) prompt + \(plan.outputTokens) output tokens per request"
                + (plan.outputTokensPerSecond.map { "; predicted \(Self.number($0)) output tokens/s" } ?? "") + ".",
            "# Arguments: vllm-project/vllm vllm/engine/arg_utils.py (EngineArgs.add_cli_args) and",
            "# vllm/entrypoints/openai/cli_args.py (model_tag, --headless, --port); multi-node recipes:",
            "# docs/serving/data_parallel_deployment.md and docs/serving/distributed_serving.md.",
            "# --gpu-memory-utilization 0.9: the plan fits weights, activations and KV cache in 90% of each GPU.",
        ]
        if nodes == 1 {
            lines.append("# Run it on the node itself: ./launch.sh (arguments after it reach every vllm serve).")
        } else {
            lines.append("# Run it on each of the \(nodes) nodes with NODE_RANK set: NODE_RANK=k ./launch.sh (arguments after it reach every vllm serve).")
            if plan.nodeNumbers != Array(0..<nodes) {
                lines.append("# NODE_RANK k is the plan's deviceMap node " + plan.nodeNumbers.enumerated().map { "\($0)→\($1)" }.joined(separator: ", ") + ".")
            }
            if hosts.arePlaceholders {
                lines.append("# node0, node1, ... stand for the host names (the address of each configuration's first node): replace them, or re-export with --hosts.")
            }
        }
        return lines
    }

    /// The comment above a configuration's arguments: its GPU group, nodes, shape and prediction.
    private func describe(_ configuration: ServingLayout.Configuration, of total: Int) -> [String] {
        let replica = configuration.replica
        var lines = [
            "# Configuration \(configuration.number) of \(total), GPU group \(replica.gpu): \(ExportText.count(replica.count, "replica")) × (tp=\(replica.tensor) pp=\(replica.pipeline))"
                + " = \(replica.count * replica.devicesPerReplica) GPUs on NODE_RANK \(Self.ranges(configuration.nodes)),",
            "#   batch \(replica.batchSize) per replica, \(replica.precision.rawValue) weights, \(plan.kvCachePrecision.rawValue) KV cache"
                + (total > 1 ? ", API on port \(Self.apiPort + configuration.number - 1)" : "") + ".",
        ]
        let predicted = [
            replica.ttftSeconds.map { "TTFT \(Self.number($0 * 1000)) ms" },
            replica.tpotSeconds.map { "TPOT \(Self.number($0 * 1000)) ms" },
            replica.outputTokensPerSecond.map { "\(Self.number($0)) output tokens/s" },
        ].compactMap { $0 }
        if !predicted.isEmpty { lines.append("#   Predicted per replica: " + predicted.joined(separator: ", ") + ".") }
        if configuration.spansNodes {
            lines.append("#   A replica needs \(replica.devicesPerReplica) GPUs, more than one node: vLLM runs it on a Ray cluster of these nodes.")
        }
        lines += quantizationNote(replica.precision).map { "#   \($0)" }
        return lines
    }

    /// What the weight format needs beyond the flags: int8 and int4 come from a pre-quantized checkpoint.
    private func quantizationNote(_ precision: Precision) -> [String] {
        // Method names: QuantizationMethods in vllm/model_executor/layers/quantization/__init__.py ("awq",
        // "awq_marlin", "gptq", "gptq_marlin", "compressed-tensors"); ModelConfig.quantization (vllm/config/
        // model.py): "If None, we first check the quantization_config attribute in the model config file".
        switch precision {
        case .int8:
            return ["int8 weights (weight-only) need a pre-quantized checkpoint as MODEL: GPTQ 8-bit (vLLM methods gptq,",
                    "gptq_marlin) or compressed-tensors W8A16 (compressed-tensors). vLLM reads the method from the",
                    "checkpoint's quantization_config, so no --quantization is set. A 16-bit checkpoint would load in 16 bits,",
                    "with twice the weight memory the plan counts."]
        case .int4:
            return ["int4 weights (weight-only) need a pre-quantized checkpoint as MODEL: AWQ (vLLM methods awq, awq_marlin),",
                    "GPTQ 4-bit (gptq, gptq_marlin) or compressed-tensors W4A16 (compressed-tensors). vLLM reads the method from",
                    "the checkpoint's quantization_config, so no --quantization is set. A 16-bit checkpoint would load in 16 bits,",
                    "with four times the weight memory the plan counts."]
        default:
            return []
        }
    }

    private func arrayName(_ configuration: ServingLayout.Configuration, single: Bool) -> String {
        single ? "SERVE_ARGS" : "CONFIG_\(configuration.number)"
    }

    /// The engine arguments every server of a configuration shares.
    private func engineArguments(_ configuration: ServingLayout.Configuration, single: Bool) -> [String] {
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
        items += ["# Sequences decoded together per replica (the plan's batch).", "--max-num-seqs \(replica.batchSize)"]
        // arg_utils.py add_cli_args, model_group: "--max-model-len" (ModelConfig.max_model_len, int).
        items += ["# Prompt + output tokens of one request.", "--max-model-len \(plan.promptTokens + plan.outputTokens)"]
        // arg_utils.py add_cli_args, model_group: "--dtype" with ModelDType = Literal["auto", "half",
        // "float16", "bfloat16", "float", "float32"] (vllm/config/model.py).
        items += dtypeArgument(replica.precision)
        // arg_utils.py add_cli_args, cache_group: "--kv-cache-dtype" with CacheDType (vllm/config/cache.py):
        // "auto" ("will use model data type"), "fp8" (= fp8_e4m3).
        switch plan.kvCachePrecision {
        case .fp8: items += ["# fp8 KV cache (fp8_e4m3), 1 byte per value as planned.", "--kv-cache-dtype fp8"]
        default: items += ["# KV cache in the model's 16-bit dtype, 2 bytes per value as planned.", "--kv-cache-dtype auto"]
        }
        if replica.precision == .fp8 {
            // arg_utils.py add_cli_args, model_group: "--quantization", "-q" with QuantizationMethods
            // (vllm/model_executor/layers/quantization/__init__.py), which lists "fp8".
            items += ["# fp8 weights: a 16-bit checkpoint is quantized to FP8 at load (an FP8 checkpoint is read as it is).", "--quantization fp8"]
        }
        // arg_utils.py add_cli_args, cache_group: "--gpu-memory-utilization" (CacheConfig, float in (0, 1]).
        items.append("--gpu-memory-utilization 0.9")
        if !single {
            // cli_args.py FrontendArgs: port: int = 8000, registered as "--port" by BaseFrontendArgs.add_cli_args.
            items += ["# Each configuration is its own endpoint; put a load balancer in front of them.",
                      "--port \(Self.apiPort + configuration.number - 1)"]
        }
        if configuration.spansNodes {
            // arg_utils.py add_cli_args, parallel_group: "--distributed-executor-backend" with
            // DistributedExecutorBackend = Literal["ray", "mp", "uni", "external_launcher"] (vllm/config/parallel.py);
            // distributed_serving.md: "Multi-node deployments require Ray as the runtime engine".
            items += ["# A replica spans nodes: its workers run on the Ray cluster.", "--distributed-executor-backend ray"]
            if replica.count > 1 {
                // arg_utils.py add_cli_args, parallel_group: "--data-parallel-backend", "-dpb",
                // help='Backend for data parallel, either "mp" or "ray".'
                items.append("--data-parallel-backend ray")
            }
        }
        return items
    }

    private func dtypeArgument(_ precision: Precision) -> [String] {
        switch precision {
        case .fp16: return ["--dtype float16"]
        case .bf16: return ["--dtype bfloat16"]
        case .fp8: return ["# Activations and non-quantized layers in bf16.", "--dtype bfloat16"]
        default:
            // The --dtype help of arg_utils.py: '"half" for FP16. Recommended for AWQ quantization.'
            return ["# Activations in fp16 (\"half\"), which vLLM's --dtype help recommends for AWQ checkpoints.", "--dtype float16"]
        }
    }

    /// One server (or Ray process) to start on a node, with its comment.
    private struct Job {
        var comment: String
        var lines: [String]
        var gpus: [Int]
    }

    /// The commands of each node, under `case "$NODE_RANK"` when the plan has several nodes.
    private func commands(_ layout: ServingLayout, single: Bool) -> [String] {
        var jobs: [Int: [Job]] = [:]
        for configuration in layout.configurations {
            for (node, job) in nodeJobs(configuration, single: single) { jobs[node, default: []].append(job) }
        }
        let nodes = plan.nodeNumbers.count
        func body(_ node: Int) -> [String] {
            let list = jobs[node] ?? []
            if list.count == 1 && !layout.sharedNodes.contains(node) {
                return ["# \(list[0].comment)"] + list[0].lines
            }
            // Several servers on one node: each on its own GPUs, in the background, then wait for them.
            var lines: [String] = []
            for job in list {
                lines += ["# \(job.comment)", "("]
                lines.append("    export CUDA_VISIBLE_DEVICES=\(job.gpus.map(String.init).joined(separator: ","))")
                lines += job.lines.map { "    " + $0 }
                lines.append(") &")
            }
            return lines + ["wait"]
        }
        if nodes == 1 { return body(0) }
        var lines = ["case \"$NODE_RANK\" in"]
        for node in 0..<nodes {
            lines.append("\(node))")
            lines += body(node).map { "    " + $0 }
            lines.append("    ;;")
        }
        lines += [
            "*)",
            "    echo \"NODE_RANK=$NODE_RANK: this plan runs on nodes 0 to \(nodes - 1)\" >&2",
            "    exit 1",
            "    ;;",
            "esac",
        ]
        return lines
    }

    /// The commands of one configuration, by node position.
    private func nodeJobs(_ configuration: ServingLayout.Configuration, single: Bool) -> [(Int, Job)] {
        let replica = configuration.replica
        let serve = "vllm serve \"$MODEL\" \"${\(arrayName(configuration, single: single))[@]}\""
        let name = single ? "" : "configuration \(configuration.number) (\(replica.gpu)): "
        let nodes = configuration.nodes
        let head = nodes[0]
        let address = hosts.names[head]
        if configuration.spansNodes {
            // Ray: `ray start --head --port=P` on the head, `ray start --address=HEAD:P --block` on the others
            // (ray-project/ray python/ray/scripts/scripts.py, the click options of `start`); vllm serve runs on the head only
            // (distributed_serving.md: "a single vllm command on a single node is sufficient").
            // data_parallel_deployment.md: with --data-parallel-backend=ray, "When a single DP group requires
            // multiple nodes ... make sure to set VLLM_RAY_DP_PACK_STRATEGY="span"".
            let port = Self.rayPort + configuration.number - 1
            let gpus = replica.count * replica.devicesPerReplica
            let environment = replica.count > 1 ? "VLLM_RAY_DP_PACK_STRATEGY=span " : ""
            var jobs = [(head, Job(
                comment: "\(name)Ray head of \(ExportText.count(nodes.count, "node")) and the API server of \(replica.count == 1 ? "the replica" : "the \(replica.count) replicas")",
                lines: [
                    "ray start --head --port=\(port)",
                    "# Wait until the other nodes have joined the Ray cluster with their GPUs (\(gpus) in all).",
                    "until python3 -c 'import ray, sys; ray.init(address=\"auto\", logging_level=\"ERROR\"); sys.exit(ray.cluster_resources().get(\"GPU\", 0) < \(gpus))'; do sleep 10; done",
                    "\(environment)\(serve) \"$@\"",
                ],
                gpus: configuration.localGPUs(on: head)))]
            for node in nodes.dropFirst() {
                jobs.append((node, Job(comment: "\(name)Ray worker of the cluster headed by \(address)",
                                       lines: ["ray start --address=\(address):\(port) --block"],
                                       gpus: configuration.localGPUs(on: node))))
            }
            return jobs
        }
        if nodes.count == 1 {
            return [(head, Job(comment: "\(name)\(ExportText.count(replica.count, "replica")) on this node",
                               lines: ["\(serve) \"$@\""], gpus: configuration.localGPUs(on: head)))]
        }
        // One data-parallel deployment over several nodes (data_parallel_deployment.md): the head runs the API
        // server and its local ranks; every other node runs --headless with its local ranks from a start rank.
        // arg_utils.py add_cli_args, parallel_group: "--data-parallel-size-local", "-dpl" (type=int);
        // "--data-parallel-start-rank", "-dpr" (type=int); "--data-parallel-address", "-dpa" (type=str);
        // "--data-parallel-rpc-port", "-dpp" (type=int). cli_args.py make_arg_parser: "--headless" (store_true).
        let port = Self.rpcPort + configuration.number - 1
        var start = 0
        var jobs: [(Int, Job)] = []
        for node in nodes {
            let local = configuration.replicas(on: node)
            let ranks = local == 1 ? "rank \(start)" : "ranks \(start)–\(start + local - 1)"
            let coordinates = "--data-parallel-address \(ExportText.shellWord(address)) --data-parallel-rpc-port \(port)"
            if node == head {
                jobs.append((node, Job(comment: "\(name)API server and data-parallel \(ranks) of \(replica.count)",
                                       lines: ["\(serve) --data-parallel-size-local \(local) \(coordinates) \"$@\""],
                                       gpus: configuration.localGPUs(on: node))))
            } else {
                jobs.append((node, Job(comment: "\(name)data-parallel \(ranks) of \(replica.count), headless",
                                       lines: ["\(serve) --headless --data-parallel-size-local \(local) --data-parallel-start-rank \(start) \(coordinates) \"$@\""],
                                       gpus: configuration.localGPUs(on: node))))
            }
            start += local
        }
        return jobs
    }

    /// "0–3", "0, 2, 5".
    static func ranges(_ numbers: [Int]) -> String {
        guard let first = numbers.first, let last = numbers.last else { return "" }
        if numbers.count > 1 && numbers == Array(first...last) { return "\(first)–\(last)" }
        return numbers.map(String.init).joined(separator: ", ")
    }

    /// A number for a comment: whole from 100 up, otherwise with one decimal.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        return abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }

    /// Text inside bash double quotes.
    static func doubleQuoted(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\\"$`".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
