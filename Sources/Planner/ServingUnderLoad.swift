import CostModel

/// One replica shape of a serving plan under load: its share of the requests and what the
/// simulation predicts for it.
public struct ReplicaUnderLoad: Sendable, Hashable {
    public var option: ReplicaOption
    public var count: Int
    /// The load one replica of this shape receives.
    public var load: ServingLoad
    public var limits: SchedulerLimits
    public var result: ServingSimulation.Result
}

/// The highest Poisson request rate a plan serves within p99 latency targets.
public struct ServingCapacity: Sendable {
    /// Whole plan: each replica shape's own highest rate times its count (a router that sends each
    /// replica what it can serve).
    public var requestsPerSecond: Double
    public var perReplica: [(option: ReplicaOption, count: Int, requestsPerSecond: Double)]
    /// Each shape at its highest rate.
    public var atCapacity: [ReplicaUnderLoad]
    /// What bounds the rate: "ttft", "tpot" or "throughput" (the replica's saturation rate).
    public var limitedBy: [String]
}

/// A serving plan under load (`ServingSimulation` per replica shape) and the capacity it has
/// within the targets (p99 TTFT and p99 TPOT, as serving SLOs are stated).
public enum ServingUnderLoad {
    /// The engine's scheduler limits: `override` where given, else vLLM's defaults for the device.
    public static func limits(
        profile: HardwareProfile, maxBatchedTokens: Int? = nil, maxSequences: Int? = nil
    ) -> SchedulerLimits {
        let defaults = SchedulerLimits.vllmDefaults(profile: profile)
        return SchedulerLimits(
            maxBatchedTokens: maxBatchedTokens ?? defaults.maxBatchedTokens,
            maxSequences: maxSequences ?? defaults.maxSequences)
    }

    /// The simulation of one replica of `option`: its cost sized for the running batch the
    /// scheduler allows (activation memory grows with it).
    public static func simulation(
        model: ModelDescription, cluster: ClusterDescription, option: ReplicaOption, workload: ServingWorkload,
        limits: SchedulerLimits
    ) -> ServingSimulation {
        let config = option.config.serving(
            workload, batch: min(limits.maxSequences, max(option.config.batchSize, 1)))
        let cost = InferenceCost(
            model: model, cluster: cluster, profile: cluster.groups[option.group].profile, config: config)
        return ServingSimulation(cost: cost, workload: workload, limits: limits)
    }

    /// Each replica shape's share of `load`, in proportion to its steady-state throughput.
    public static func evaluate(
        plan: InferencePlan, model: ModelDescription, cluster: ClusterDescription, workload: ServingWorkload,
        load: ServingLoad, limits: (ReplicaOption) -> SchedulerLimits
    ) -> [ReplicaUnderLoad] {
        let total = plan.replicas.reduce(0) { $0 + Double($1.count) * $1.option.outputTokensPerSecond }
        return plan.replicas.map { entry in
            let share = entry.option.outputTokensPerSecond / max(total, 1e-12)
            let each: ServingLoad
            switch load {
            case .poisson(let rate): each = .poisson(requestsPerSecond: rate * share)
            case .closedLoop(let clients):
                each = .closedLoop(concurrency: max(1, Int((Double(clients) * share).rounded())))
            case .burst: each = .burst
            }
            let replicaLimits = limits(entry.option)
            let sim = simulation(
                model: model, cluster: cluster, option: entry.option, workload: workload, limits: replicaLimits)
            return ReplicaUnderLoad(
                option: entry.option, count: entry.count, load: each, limits: replicaLimits, result: sim.run(each))
        }
    }

    /// Whether a result meets the p99 targets.
    public static func meets(_ result: ServingSimulation.Result, targets: InferenceTargets) -> Bool {
        (targets.ttftSeconds.map { result.ttftSeconds.p99 <= $0 } ?? true)
            && (targets.tpotSeconds.map { result.tpotSeconds.p99 <= $0 } ?? true)
    }

    /// The highest Poisson rate per replica shape that meets the targets
    /// (`ServingSimulation.highestRate`); what limits it is the target the first rejected rate misses.
    public static func capacity(
        plan: InferencePlan, model: ModelDescription, cluster: ClusterDescription, workload: ServingWorkload,
        targets: InferenceTargets, limits: (ReplicaOption) -> SchedulerLimits
    ) -> ServingCapacity {
        var perReplica: [(option: ReplicaOption, count: Int, requestsPerSecond: Double)] = []
        var atCapacity: [ReplicaUnderLoad] = []
        var limitedBy: [String] = []
        for entry in plan.replicas {
            let replicaLimits = limits(entry.option)
            let sim = simulation(
                model: model, cluster: cluster, option: entry.option, workload: workload, limits: replicaLimits)
            let search = sim.highestRate { meets($0, targets: targets) }
            perReplica.append((entry.option, entry.count, search.rate))
            atCapacity.append(
                ReplicaUnderLoad(
                    option: entry.option, count: entry.count, load: search.result.load, limits: replicaLimits,
                    result: search.result))
            limitedBy.append(
                search.rejected.map { rejected in
                    targets.ttftSeconds.map { rejected.ttftSeconds.p99 > $0 } ?? false ? "ttft" : "tpot"
                } ?? "throughput")
        }
        return ServingCapacity(
            requestsPerSecond: perReplica.reduce(0) { $0 + Double($1.count) * $1.requestsPerSecond },
            perReplica: perReplica, atCapacity: atCapacity, limitedBy: limitedBy)
    }
}
