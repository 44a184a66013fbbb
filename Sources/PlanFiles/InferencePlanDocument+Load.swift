import CostModel
import Planner

extension InferencePlanDocument {
    /// Mean and percentiles, seconds, six significant digits.
    package struct Percentiles: Codable, Sendable {
        package var mean, p50, p90, p99: Double

        init(_ value: LatencyPercentiles) {
            mean = Rounded.six(value.mean)
            p50 = Rounded.six(value.p50)
            p90 = Rounded.six(value.p90)
            p99 = Rounded.six(value.p99)
        }
    }

    /// One replica shape under its share of the load.
    package struct ReplicaLoad: Codable, Sendable {
        package var gpu: String
        package var count, tensor, pipeline: Int
        package var requestsPerSecond: Double?
        package var concurrency: Int?
        package var maxBatchedTokens, maxSequences: Int
        package var ttftSeconds, tpotSeconds, latencySeconds: Percentiles
        package var outputTokensPerSecond, completedRequestsPerSecond, meanRunningSequences: Double
        package var preemptions, steps: Int

        init(_ replica: ReplicaUnderLoad, cluster: ClusterDescription) {
            gpu = cluster.groups[replica.option.group].profile.name
            count = replica.count
            tensor = replica.option.config.tensor
            pipeline = replica.option.config.pipeline
            switch replica.load {
            case .poisson(let rate): requestsPerSecond = Rounded.six(rate)
            case .closedLoop(let clients): concurrency = clients
            case .burst: break
            }
            maxBatchedTokens = replica.limits.maxBatchedTokens
            maxSequences = replica.limits.maxSequences
            let r = replica.result
            ttftSeconds = Percentiles(r.ttftSeconds)
            tpotSeconds = Percentiles(r.tpotSeconds)
            latencySeconds = Percentiles(r.latencySeconds)
            outputTokensPerSecond = Rounded.six(r.outputTokensPerSecond)
            completedRequestsPerSecond = Rounded.six(r.requestsPerSecond)
            meanRunningSequences = Rounded.six(r.meanRunningSequences)
            preemptions = r.preemptions
            steps = r.steps
        }
    }

    /// The plan under a load: the offered load, the request mix, and each replica shape's latencies.
    package struct Load: Codable, Sendable {
        /// "poisson" (open loop) or "closedLoop".
        package var kind: String
        package var requestsPerSecond: Double?
        package var concurrency: Int?
        package var requestsSimulated: Int
        package var promptSpread, outputSpread: Double
        /// "simulation": continuous batching step by step (docs/cost-model.md, "Serving under load").
        package var method = "simulation"
        /// The slowest replica shape's percentiles (what a client of the whole plan sees at worst).
        package var ttftSeconds, tpotSeconds: Percentiles
        package var outputTokensPerSecond: Double
        /// Whether every replica shape meets the p99 targets (absent without targets).
        package var meetsTargets: Bool?
        package var replicas: [ReplicaLoad]
    }

    /// The highest Poisson rate within the p99 targets, and what bounds it per replica shape.
    package struct Capacity: Codable, Sendable {
        package var requestsPerSecond: Double
        package var ttftP99TargetSeconds, tpotP99TargetSeconds: Double?
        package var limitedBy: [String]
        package var replicas: [ReplicaLoad]
        /// The best prefill/decode split of the same devices (absent where none meets the targets).
        package var disaggregated: Disaggregated?
        /// "disaggregated" only where the split serves a higher rate than colocated replicas.
        package var best: String
    }

    /// Prefill and decode on separate replicas, with the KV cache handed over.
    package struct Disaggregated: Codable, Sendable {
        package struct Side: Codable, Sendable {
            package var gpu: String
            package var tensor, count: Int
            package var batch: Int?
            package var requestsPerSecondEach: Double
        }
        package var prefill, decode: Side
        package var kvTransferSeconds, requestsPerSecond, ttftP99Seconds, tpotSeconds: Double
        /// The colocated replicas' capacity on the same device group, the split's comparison.
        package var colocatedRequestsPerSecond: Double
        /// requestsPerSecond over colocatedRequestsPerSecond, minus 1.
        package var gainOverColocated: Double

        init(_ plan: DisaggregatedPlan, gpu: String, colocated: Double) {
            prefill = Side(
                gpu: gpu, tensor: plan.prefill.tensor, count: plan.prefill.count,
                requestsPerSecondEach: Rounded.six(plan.prefill.requestsPerSecondEach))
            decode = Side(
                gpu: gpu, tensor: plan.decode.tensor, count: plan.decode.count, batch: plan.decode.batch,
                requestsPerSecondEach: Rounded.six(plan.decode.requestsPerSecondEach))
            kvTransferSeconds = Rounded.six(plan.kvTransferSeconds)
            requestsPerSecond = Rounded.six(plan.requestsPerSecond)
            ttftP99Seconds = Rounded.six(plan.ttftP99Seconds)
            tpotSeconds = Rounded.six(plan.tpotSeconds)
            colocatedRequestsPerSecond = Rounded.six(colocated)
            gainOverColocated = Rounded.six(colocated > 0 ? plan.requestsPerSecond / colocated - 1 : 0)
        }
    }

    /// Adds the plan under `load` and, optionally, its capacity; TTFT and TPOT of the prediction
    /// become the means at that load (DESIGN.md: "time to first token at that load").
    package mutating func attach(
        load: ServingLoad?, evaluated: [ReplicaUnderLoad], workload: ServingWorkload, targets: InferenceTargets,
        capacity: ServingCapacity?, disaggregated: DisaggregatedPlan? = nil, cluster: ClusterDescription
    ) {
        if let load, let worst = evaluated.max(by: { $0.result.ttftSeconds.p99 < $1.result.ttftSeconds.p99 }) {
            let kind: String
            var rate: Double?, clients: Int?
            switch load {
            case .poisson(let r):
                kind = "poisson"
                rate = Rounded.six(r)
            case .closedLoop(let c):
                kind = "closedLoop"
                clients = c
            case .burst: kind = "burst"
            }
            let hasTargets = targets.ttftSeconds != nil || targets.tpotSeconds != nil
            let slowestTPOT = evaluated.max(by: { $0.result.tpotSeconds.p99 < $1.result.tpotSeconds.p99 }) ?? worst
            prediction.load = Load(
                kind: kind, requestsPerSecond: rate, concurrency: clients, requestsSimulated: workload.requests,
                promptSpread: workload.promptSpread, outputSpread: workload.outputSpread,
                ttftSeconds: Percentiles(worst.result.ttftSeconds),
                tpotSeconds: Percentiles(slowestTPOT.result.tpotSeconds),
                outputTokensPerSecond: Rounded.six(
                    evaluated.reduce(0) { $0 + Double($1.count) * $1.result.outputTokensPerSecond }),
                meetsTargets: hasTargets
                    ? evaluated.allSatisfy { ServingUnderLoad.meets($0.result, targets: targets) } : nil,
                replicas: evaluated.map { ReplicaLoad($0, cluster: cluster) })
            prediction.ttftSeconds = Rounded.six(worst.result.ttftSeconds.mean)
            prediction.tpotSeconds = Rounded.six(slowestTPOT.result.tpotSeconds.mean)
        }
        if let capacity {
            // Like for like: the split uses one group's devices, so it is compared with the colocated
            // replicas on that group.
            let group = capacity.atCapacity.first?.option.group ?? 0
            let colocated = capacity.perReplica.filter { $0.option.group == group }
                .reduce(0) { $0 + Double($1.count) * $1.requestsPerSecond }
            let split = disaggregated.map {
                Disaggregated($0, gpu: cluster.groups[group].profile.name, colocated: colocated)
            }
            prediction.maxRequestRate = Capacity(
                requestsPerSecond: Rounded.six(capacity.requestsPerSecond),
                ttftP99TargetSeconds: targets.ttftSeconds, tpotP99TargetSeconds: targets.tpotSeconds,
                limitedBy: capacity.limitedBy, replicas: capacity.atCapacity.map { ReplicaLoad($0, cluster: cluster) },
                disaggregated: split,
                best: (disaggregated?.requestsPerSecond ?? 0) > colocated ? "disaggregated" : "colocated")
        }
    }
}
