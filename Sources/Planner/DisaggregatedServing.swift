import CostModel

/// Prefill and decode on separate replicas (DistServe, Splitwise, NVIDIA Dynamo): prefill replicas
/// run prompts only and hand each request's KV cache to a decode replica over the cluster's links;
/// decode replicas run decode-only steps, so no prompt ever lengthens a token interval.
public struct DisaggregatedPlan: Sendable, Hashable {
    public var prefill: Role
    public var decode: Role
    /// One request's KV cache moved from its prefill replica to its decode replica, seconds.
    public var kvTransferSeconds: Double
    /// Highest Poisson rate of the whole split within the p99 targets: the smaller of the two sides.
    public var requestsPerSecond: Double
    /// TTFT p99 at that rate (prefill queueing and compute plus the KV transfer) and the decode
    /// side's token interval.
    public var ttftP99Seconds: Double
    public var tpotSeconds: Double

    /// One side of the split: `count` replicas of tensor parallelism `tensor`.
    public struct Role: Sendable, Hashable {
        public var tensor: Int
        public var count: Int
        /// What one replica of this side serves within its target, requests/s.
        public var requestsPerSecondEach: Double
        /// Decode side: sequences decoded together at that rate.
        public var batch: Int
    }
}

/// Searches prefill/decode splits on the plan's device group (pipeline 1, the plan's formats).
public enum DisaggregatedServing {
    /// The best split of `devices` devices of group `group`, or nil when no split meets the targets.
    /// Prefill capacity per replica is simulated (prompt-only requests under Poisson load, p99 TTFT
    /// within the target less the KV transfer); decode capacity is the largest batch whose
    /// decode-only step meets the TPOT target and whose cache fits, at B / (O · step) requests/s.
    public static func best(
        model: ModelDescription, cluster: ClusterDescription, group: Int, devices: Int,
        template: InferenceConfiguration,
        workload: ServingWorkload, targets: InferenceTargets, limits: SchedulerLimits
    ) -> DisaggregatedPlan? {
        let profile = cluster.groups[group].profile
        let tensors = InferenceSearch.tensorDegrees(model: model, cluster: cluster, devices: devices)
        func cost(_ tensor: Int, batch: Int) -> InferenceCost {
            var config = template.serving(workload, batch: batch)
            config.tensor = tensor
            config.pipeline = 1
            config.replicas = 1
            return InferenceCost(model: model, cluster: cluster, profile: profile, config: config)
        }
        // Sender and receiver shards move in parallel; within one NVLink domain over NVLink, else one NIC each.
        let link = cluster.link(
            groupSize: 2, stride: devices <= cluster.nvlinkDomainGPUs ? 1 : cluster.nvlinkDomainGPUs)
        var decodeSide: [Int: (rate: Double, batch: Int, tpot: Double)] = [:]
        for t in tensors {
            if let side = decodeCapacity(
                cost: { cost(t, batch: $0) }, workload: workload, targets: targets, limits: limits)
            {
                decodeSide[t] = side
            }
        }
        var best: DisaggregatedPlan?
        for tp in tensors {
            let prefillCost = cost(tp, batch: 1)
            for (td, decode) in decodeSide.sorted(by: { $0.key < $1.key }) {
                let receiver = cost(td, batch: 1).kvBytesPerToken
                let transfer = link.sendSeconds(
                    bytes: Double(workload.promptTokens) * max(prefillCost.kvBytesPerToken, receiver))
                guard
                    let prefill = prefillCapacity(
                        cost: prefillCost, workload: workload, targets: targets, limits: limits, transfer: transfer)
                else { continue }
                for x in 1...max(1, devices / tp) where x * tp < devices {
                    let y = (devices - x * tp) / td
                    guard y >= 1 else { continue }
                    let rate = min(Double(x) * prefill.rate, Double(y) * decode.rate)
                    if rate > best?.requestsPerSecond ?? 0 {
                        best = DisaggregatedPlan(
                            prefill: .init(tensor: tp, count: x, requestsPerSecondEach: prefill.rate, batch: 1),
                            decode: .init(
                                tensor: td, count: y, requestsPerSecondEach: decode.rate, batch: decode.batch),
                            kvTransferSeconds: transfer, requestsPerSecond: rate,
                            ttftP99Seconds: prefill.ttftP99 + transfer,
                            tpotSeconds: decode.tpot)
                    }
                }
            }
        }
        return best
    }

    /// Prefill replica: requests whose only output is the first token, at the highest Poisson rate
    /// whose p99 TTFT plus the transfer meets the TTFT target (`ServingSimulation.highestRate`).
    static func prefillCapacity(
        cost: InferenceCost, workload: ServingWorkload, targets: InferenceTargets, limits: SchedulerLimits,
        transfer: Double
    ) -> (rate: Double, ttftP99: Double)? {
        var prompts = workload
        prompts.outputTokens = 1
        prompts.outputSpread = 0
        let sim = ServingSimulation(cost: cost, workload: prompts, limits: limits)
        guard sim.fitsLongestRequest else { return nil }
        let target = (targets.ttftSeconds ?? .infinity) - transfer
        let search = sim.highestRate { $0.ttftSeconds.p99 <= target }
        guard search.rate > 0 else { return nil }
        return (search.rate, search.result.ttftSeconds.p99)
    }

    /// Decode replica: the largest batch (up to `maxSequences`) whose decode-only step meets the
    /// TPOT target and whose sequences fit the cache; it serves B / (O · step) requests/s.
    static func decodeCapacity(
        cost: (Int) -> InferenceCost, workload: ServingWorkload, targets: InferenceTargets, limits: SchedulerLimits
    ) -> (rate: Double, batch: Int, tpot: Double)? {
        let perSequence = Double(workload.longestRequestTokens)
        func ok(_ b: Int) -> Bool {
            let c = cost(b)
            return c.kvCacheTokens >= Double(b) * perSequence
                && (targets.tpotSeconds.map { c.decodeStepSeconds <= $0 } ?? true)
        }
        guard ok(1) else { return nil }
        var low = 1, high = limits.maxSequences + 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if ok(middle) { low = middle } else { high = middle }
        }
        let step = cost(low).decodeStepSeconds
        return (Double(low) / (Double(workload.outputTokens) * step), low, step)
    }
}
