import CostModel
import Foundation
import PlanFiles

/// The per-node server commands of the vLLM launch script.
extension VLLMExport {
    /// One server (or Ray process) to start on a node, with its comment.
    struct Job {
        var comment: String
        var lines: [String]
        var gpus: [Int]
    }

    /// The commands of each node, under `case "$NODE_RANK"` when the plan has several nodes.
    func commands(_ layout: ServingLayout, single: Bool) -> [String] {
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
    func nodeJobs(_ configuration: ServingLayout.Configuration, single: Bool) -> [(Int, Job)] {
        let replica = configuration.replica
        let serve = "vllm serve \"$MODEL\" \"${\(arrayName(configuration, single: single))[@]}\""
        let name = single ? "" : "configuration \(configuration.number) (\(Quoting.comment(replica.gpu))): "
        let nodes = configuration.nodes
        let head = nodes[0]
        let address = hosts.names[head]
        if configuration.spansNodes {
            // Ray: `ray start --head --port=P` on the head, `ray start --address=HEAD:P --block` on the others
            // (ray-project/ray python/ray/scripts/scripts.py, the click options of `start`); vllm serve runs on
            // the head only (distributed_serving.md: "a single vllm command on a single node is sufficient").
            // data_parallel_deployment.md: with --data-parallel-backend=ray, "When a single DP group requires
            // multiple nodes ... make sure to set VLLM_RAY_DP_PACK_STRATEGY="span"".
            let port = Self.rayPort + configuration.number - 1
            let gpus = replica.count * replica.devicesPerReplica
            let environment = replica.count > 1 ? "VLLM_RAY_DP_PACK_STRATEGY=span " : ""
            var jobs = [
                (
                    head,
                    Job(
                        comment:
                            "\(name)Ray head of \(ExportText.count(nodes.count, "node")) and the API server of "
                            + "\(replica.count == 1 ? "the replica" : "the \(replica.count) replicas")",
                        lines: [
                            "ray start --head --port=\(port)",
                            "# Wait until the other nodes have joined the Ray cluster with their GPUs (\(gpus) in "
                                + "all).",
                            "until python3 -c 'import ray, sys; ray.init(address=\"auto\", logging_level=\"ERROR\"); "
                                + "sys.exit(ray.cluster_resources().get(\"GPU\", 0) < \(gpus))'; do sleep 10; done",
                            "\(environment)\(serve) \"$@\"",
                        ],
                        gpus: configuration.localGPUs(on: head))
                )
            ]
            for node in nodes.dropFirst() {
                jobs.append(
                    (
                        node,
                        Job(
                            comment: "\(name)Ray worker of the cluster headed by \(Quoting.comment(address))",
                            lines: ["ray start --address=\(Quoting.shell("\(address):\(port)")) --block"],
                            gpus: configuration.localGPUs(on: node))
                    ))
            }
            return jobs
        }
        if nodes.count == 1 {
            return [
                (
                    head,
                    Job(
                        comment: "\(name)\(ExportText.count(replica.count, "replica")) on this node",
                        lines: ["\(serve) \"$@\""], gpus: configuration.localGPUs(on: head))
                )
            ]
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
            let coordinates =
                "--data-parallel-address \(Quoting.shell(address)) --data-parallel-rpc-port \(port)"
            if node == head {
                jobs.append(
                    (
                        node,
                        Job(
                            comment: "\(name)API server and data-parallel \(ranks) of \(replica.count)",
                            lines: ["\(serve) --data-parallel-size-local \(local) \(coordinates) \"$@\""],
                            gpus: configuration.localGPUs(on: node))
                    ))
            } else {
                jobs.append(
                    (
                        node,
                        Job(
                            comment: "\(name)data-parallel \(ranks) of \(replica.count), headless",
                            lines: [
                                "\(serve) --headless --data-parallel-size-local \(local) --data-parallel-start-rank "
                                    + "\(start) \(coordinates) \"$@\""
                            ],
                            gpus: configuration.localGPUs(on: node))
                    ))
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
}
