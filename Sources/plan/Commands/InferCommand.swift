import ArgumentParser
import CostModel
import Foundation
import PlanFiles
import Planner

/// `plan infer`: how to serve a model on a cluster for the most output tokens per second within
/// latency targets; or, with --tp --pp --replicas --batch, the prediction for that configuration.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Plan serving: replicas, tensor × pipeline per replica, batch, precision.")

    @Option(help: "Model: a file or a bundled name in models/.") var model: String = "llama3-70b"
    @Option(help: "Cluster: a file or a bundled name in clusters/.") var cluster: String = "dgx-h100-8"
    @Option(name: .customLong("prompt-tokens"), help: "Prompt length per request.") var promptTokens: Int = 1024
    @Option(name: .customLong("output-tokens"), help: "Output tokens per request.") var outputTokens: Int = 256
    @Option(name: .customLong("ttft-ms"), help: "Target time to first token, ms.") var ttftMilliseconds: Double?
    @Option(name: .customLong("tpot-ms"), help: "Target time per output token, ms.") var tpotMilliseconds: Double?
    @Option(help: "Weight formats to consider, comma-separated: bf16, fp16, fp8, int8, int4.") var precision: String =
        "bf16"
    @Option(name: .customLong("kv-precision"), help: "KV-cache format: bf16, fp16 or fp8.") var kvPrecision: String =
        "bf16"
    @Option(help: "Tensor parallelism per replica (with --pp, --replicas, --batch: predict, no search).") var tp: Int?
    @Option(help: "Pipeline parallelism per replica.") var pp: Int?
    @Option(help: "Replicas.") var replicas: Int?
    @Option(help: "Sequences decoded together per replica.") var batch: Int?
    @Option(name: .customLong("request-rate"), help: "Poisson load, requests/s, for the whole plan: simulate it.")
    var requestRate: Double?
    @Option(help: "Closed-loop load: this many clients, each sending its next request when the last ends.")
    var concurrency: Int?
    @Flag(name: .customLong("find-max-rate"), help: "The highest request rate within the p99 TTFT/TPOT targets.")
    var findMaxRate = false
    @Option(name: .customLong("max-batched-tokens"), help: "Tokens per engine step (vLLM default by device).")
    var maxBatchedTokens: Int?
    @Option(name: .customLong("max-seqs"), help: "Sequences running at once per replica (vLLM default by device).")
    var maxSeqs: Int?
    @Option(name: .customLong("prompt-spread"), help: "Prompt lengths vary uniformly by ± this fraction of the mean.")
    var promptSpread: Double = 0
    @Option(name: .customLong("output-spread"), help: "Output lengths vary uniformly by ± this fraction of the mean.")
    var outputSpread: Double = 0
    @Option(help: "Requests simulated under load.") var requests: Int = 2000
    @Option(help: "How many plans to report (the best and its alternatives).") var top: Int = 4
    @Option(help: "Write the plan to this file (atomically) instead of standard output.") var out: String?
    @Option(help: "json or table.") var format: OutputFormat = .json

    func run() throws {
        for (flag, value) in [("--prompt-tokens", promptTokens), ("--output-tokens", outputTokens), ("--top", top)]
        where value < 1 || value > 10_000_000 {
            throw InputError(key: flag, "must be a whole number from 1 to 10000000, got \(value)")
        }
        for (flag, value) in [("--ttft-ms", ttftMilliseconds), ("--tpot-ms", tpotMilliseconds)] {
            if let value, !(value > 0 && value.isFinite) {
                throw InputError(key: flag, "must be a positive number of milliseconds, got \(value)")
            }
        }
        try checkLoadFlags()
        let data = DataDirectory()
        try OutPath.check(out, inputs: data.inputPaths(models: [self.model], clusters: [self.cluster]))
        let model = try data.model(self.model)
        let cluster = try data.cluster(self.cluster)
        let workload = ServingWorkload(
            promptTokens: promptTokens, outputTokens: outputTokens, promptSpread: promptSpread,
            outputSpread: outputSpread, requests: requests)
        if workload.longestRequestTokens > model.maxPositions {
            throw InputError(
                key: "--prompt-tokens",
                "a request of up to \(workload.longestRequestTokens) tokens (prompt + output"
                    + (promptSpread > 0 || outputSpread > 0 ? ", with the spreads" : "")
                    + ") exceeds \(model.name)'s context of \(model.maxPositions) tokens (max_position_embeddings); "
                    + "keep --prompt-tokens + --output-tokens at most \(model.maxPositions)")
        }
        let formats = try PrecisionList.parse(
            precision, flag: "--precision", allowed: [.bf16, .fp16, .fp8, .int8, .int4])
        let kv = try PrecisionList.parse(kvPrecision, flag: "--kv-precision", allowed: [.bf16, .fp16, .fp8])
        guard kv.count == 1 else { throw InputError(key: "--kv-precision", "takes one format, got \(kvPrecision)") }
        let targets = InferenceTargets(
            ttftSeconds: ttftMilliseconds.map { $0 / 1000 }, tpotSeconds: tpotMilliseconds.map { $0 / 1000 },
            precisions: formats, kvCachePrecision: kv[0])
        let started = Date()
        let given = [tp, pp, replicas, batch].compactMap { $0 }
        var document: InferencePlanDocument
        let plan: InferencePlan
        if !given.isEmpty {
            guard given.count == 4, let tp, let pp, let replicas, let batch else {
                throw InputError(
                    key: "--tp",
                    "--tp, --pp, --replicas and --batch go together (all four predict one configuration); give all "
                        + "or none"
                )
            }
            (plan, document) = try predict(
                model: model, cluster: cluster, tp: tp, pp: pp, replicas: replicas, batch: batch,
                precision: formats[0], kv: kv[0], started: started)
        } else {
            let result: (plan: InferencePlan, alternatives: [InferencePlan], options: Int)
            do throws(SolverError) {
                result = try InferenceSearch.run(
                    model: model, cluster: cluster, promptTokens: promptTokens, outputTokens: outputTokens,
                    targets: targets, top: top)
            } catch .infeasible {
                let ttft = ttftMilliseconds.map { ", TTFT ≤ \($0) ms" } ?? ""
                let tpot = tpotMilliseconds.map { ", TPOT ≤ \($0) ms" } ?? ""
                throw InputError(
                    "no serving configuration of \(model.name) on \(cluster.name) fits memory and meets the "
                        + "targets\(ttft)\(tpot); relax the targets, allow --precision fp8 or int8, or add devices"
                )
            } catch {
                // A limit or a failure of the placement MILP says nothing about what fits.
                throw InputError(
                    "the replica placement MILP gave no answer (\(error)); "
                        + "this does not show that nothing fits")
            }
            let solver = TrainingPlanDocument.Solver(
                status: result.plan.status.rawValue, candidates: result.options,
                milpsSolved: 1 + result.alternatives.count, pruned: 0,
                wallSeconds: Date().timeIntervalSince(started))
            let alternatives = result.alternatives.map {
                InferencePlanDocument(
                    plan: $0, model: model, cluster: cluster,
                    solver: .init(
                        status: $0.status.rawValue, candidates: result.options, milpsSolved: 1, pruned: 0,
                        wallSeconds: 0))
            }
            plan = result.plan
            document = InferencePlanDocument(
                plan: result.plan, model: model, cluster: cluster, solver: solver, alternatives: alternatives)
        }
        try underLoad(plan: plan, model: model, cluster: cluster, workload: workload, targets: targets, into: &document)
        switch format {
        case .json: try OutputWriter.emit(try document.prettyJSON(), to: out)
        case .table: try OutputWriter.emit(document.table(), to: out)
        }
    }

    private func predict(
        model: ModelDescription, cluster: ClusterDescription, tp: Int, pp: Int, replicas: Int, batch: Int,
        precision: Precision, kv: Precision, started: Date
    ) throws -> (InferencePlan, InferencePlanDocument) {
        for (flag, value) in [("--tp", tp), ("--pp", pp), ("--replicas", replicas), ("--batch", batch)] where value < 1
        {
            throw InputError(key: flag, "must be at least 1, got \(value)")
        }
        if model.attentionHeads % tp != 0 {
            throw InputError(key: "--tp", "\(tp) does not divide the \(model.attentionHeads) attention heads")
        }
        if pp > model.layers {
            throw InputError(key: "--pp", "\(pp) stages for \(model.layers) layers; use at most \(model.layers)")
        }
        if tp * pp * replicas > cluster.devices {
            throw InputError(
                key: "--replicas",
                "\(replicas) replicas of tp·pp = \(tp * pp) need \(tp * pp * replicas) devices; the cluster has "
                    + "\(cluster.devices)"
            )
        }
        func replica(batch: Int, tp: Int = tp, pp: Int = pp) -> (option: ReplicaOption, fits: Bool) {
            let config = InferenceConfiguration(
                tensor: tp, pipeline: pp, replicas: 1, batchSize: batch, promptTokens: promptTokens,
                outputTokens: outputTokens, precision: precision, kvCachePrecision: kv)
            let option = ReplicaOption(model: model, cluster: cluster, group: 0, config: config)
            return (option, option.kvCacheTokens >= Double(batch * (promptTokens + outputTokens)))
        }
        let (option, fits) = replica(batch: batch)
        if !fits {
            // The largest batch that fits, found by bisection (activations grow with the batch too),
            // so the fix offered is one that was evaluated.
            var low = 0, high = batch
            while high - low > 1 {
                let middle = (low + high) / 2
                if replica(batch: middle).fits { low = middle } else { high = middle }
            }
            let needed = batch * (promptTokens + outputTokens)
            var fix = "--batch \(low) fits"
            if low == 0 {
                // The fewest devices per replica that hold one sequence, tried in order.
                var shapes: [(tp: Int, pp: Int)] = []
                for t in Divisors.of(model.attentionHeads) {
                    for p in 1...min(model.layers, cluster.devices) where t * p <= cluster.devices {
                        shapes.append((t, p))
                    }
                }
                shapes.sort { ($0.tp * $0.pp, $0.pp) < ($1.tp * $1.pp, $1.pp) }
                if let (t, p) = shapes.first(where: { replica(batch: 1, tp: $0, pp: $1).fits }) {
                    fix =
                        "not even --batch 1 fits; --tp \(t) --pp \(p) holds a batch of 1 (up to "
                        + "\(cluster.devices / (t * p)) --replicas on \(cluster.devices) devices)"
                } else {
                    fix = "not even --batch 1 fits on any tp·pp of the \(cluster.devices) devices; add devices"
                }
            }
            throw InputError(
                key: "--batch",
                "\(batch) sequences of \(promptTokens + outputTokens) tokens need \(needed) tokens of KV cache per "
                    + "replica, but \(max(Int(option.kvCacheTokens), 0)) fit beside the weights and activations; \(fix)"
            )
        }
        let plan = InferencePlan(
            replicas: [(option: option, count: replicas)],
            outputTokensPerSecond: option.outputTokensPerSecond * Double(replicas), status: .optimal)
        let solver = TrainingPlanDocument.Solver(
            status: "optimal", candidates: 1, milpsSolved: 0, pruned: 0, wallSeconds: Date().timeIntervalSince(started))
        return (
            plan, InferencePlanDocument(plan: plan, model: model, cluster: cluster, solver: solver, alternatives: [])
        )
    }

    /// The load flags are numbers in range and not contradictory.
    private func checkLoadFlags() throws {
        if let requestRate, !(requestRate > 0 && requestRate.isFinite) {
            throw InputError(
                key: "--request-rate", "must be a positive number of requests per second, got \(requestRate)")
        }
        if requestRate != nil, concurrency != nil {
            throw InputError(
                key: "--concurrency", "is a closed-loop load and --request-rate an open-loop one; give one of them")
        }
        for (flag, value) in [
            ("--concurrency", concurrency), ("--max-batched-tokens", maxBatchedTokens),
            ("--max-seqs", maxSeqs), ("--requests", requests),
        ] {
            if let value, value < 1 || value > 1_000_000 {
                throw InputError(key: flag, "must be a whole number from 1 to 1000000, got \(value)")
            }
        }
        for (flag, value) in [("--prompt-spread", promptSpread), ("--output-spread", outputSpread)]
        where !(value >= 0 && value < 1) {
            throw InputError(key: flag, "must be a fraction from 0 up to (not including) 1, got \(value)")
        }
        if findMaxRate, ttftMilliseconds == nil, tpotMilliseconds == nil {
            throw InputError(
                key: "--find-max-rate", "needs a target to hold: give --ttft-ms, --tpot-ms or both (checked at p99)")
        }
    }

    /// Simulates the plan under the load given and finds its capacity when asked.
    private func underLoad(
        plan: InferencePlan, model: ModelDescription, cluster: ClusterDescription, workload: ServingWorkload,
        targets: InferenceTargets, into document: inout InferencePlanDocument
    ) throws {
        let load: ServingLoad? =
            requestRate.map { .poisson(requestsPerSecond: $0) } ?? concurrency.map { .closedLoop(concurrency: $0) }
        guard load != nil || findMaxRate else { return }
        let limits = { (option: ReplicaOption) in
            ServingUnderLoad.limits(
                profile: cluster.groups[option.group].profile, maxBatchedTokens: maxBatchedTokens, maxSequences: maxSeqs
            )
        }
        for entry in plan.replicas {
            let sim = ServingUnderLoad.simulation(
                model: model, cluster: cluster, option: entry.option, workload: workload, limits: limits(entry.option))
            if !sim.fitsLongestRequest {
                throw InputError(
                    key: "--prompt-tokens",
                    "the longest request (\(workload.longestRequestTokens) tokens) does not fit the "
                        + "\(sim.kvCacheTokens)-token KV cache of a tp=\(entry.option.config.tensor) "
                        + "pp=\(entry.option.config.pipeline) replica; shorten the requests or use more devices per "
                        + "replica (--tp, --pp)")
            }
        }
        let evaluated =
            load.map {
                ServingUnderLoad.evaluate(
                    plan: plan, model: model, cluster: cluster, workload: workload, load: $0, limits: limits)
            } ?? []
        let capacity =
            findMaxRate
            ? ServingUnderLoad.capacity(
                plan: plan, model: model, cluster: cluster, workload: workload, targets: targets, limits: limits)
            : nil
        // Prefill and decode on separate replicas of the primary group's devices, only asked for capacity.
        let primary = plan.primary
        let split =
            findMaxRate
            ? DisaggregatedServing.best(
                model: model, cluster: cluster, group: primary.group, devices: cluster.groups[primary.group].devices,
                template: primary.config, workload: workload, targets: targets, limits: limits(primary))
            : nil
        document.attach(
            load: load, evaluated: evaluated, workload: workload, targets: targets, capacity: capacity,
            disaggregated: split, cluster: cluster)
    }
}
