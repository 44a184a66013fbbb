import CostModel

/// Latency targets and the formats a serving search may use.
public struct InferenceTargets: Sendable, Hashable {
    public var ttftSeconds: Double?
    public var tpotSeconds: Double?
    public var precisions: [Precision]
    public var kvCachePrecision: Precision

    public init(
        ttftSeconds: Double? = nil, tpotSeconds: Double? = nil, precisions: [Precision] = [.bf16],
        kvCachePrecision: Precision = .bf16
    ) {
        self.ttftSeconds = ttftSeconds
        self.tpotSeconds = tpotSeconds
        self.precisions = precisions
        self.kvCachePrecision = kvCachePrecision
    }
}

/// Searches tensor × pipeline per replica, batch and precision on every device group, keeps the
/// highest-throughput option per shape that meets the targets, then places replicas with
/// `ReplicaPlacementProgram`.
public enum InferenceSearch {
    /// Tensor degrees a replica of `devices` devices can use: inside one NVLink domain, dividing the
    /// attention heads, and dividing (or a multiple of) the KV heads (latent attention: the heads).
    static func tensorDegrees(model: ModelDescription, cluster: ClusterDescription, devices: Int) -> [Int] {
        let kv = model.latentAttention == nil ? model.keyValueHeads : model.attentionHeads
        return SearchSpace.divisors(of: min(cluster.nvlinkDomainGPUs, devices)).filter {
            model.attentionHeads % $0 == 0 && (kv % $0 == 0 || $0 % kv == 0)
        }
    }

    /// Every replica option that fits memory and meets the targets, the best batch per shape.
    public static func options(
        model: ModelDescription, cluster: ClusterDescription, promptTokens: Int, outputTokens: Int,
        targets: InferenceTargets
    ) -> [ReplicaOption] {
        var found: [ReplicaOption] = []
        for (g, group) in cluster.groups.enumerated() {
            let tensors = tensorDegrees(model: model, cluster: cluster, devices: group.devices)
            for precision in targets.precisions where precision == .fp8 ? group.profile.supports(.fp8) : true {
                for tensor in tensors {
                    for pipeline in SearchSpace.divisors(of: group.devices / tensor)
                    where pipeline <= model.layers && pipeline <= 64 {
                        var bestForShape: ReplicaOption?
                        var batch = 1
                        while batch <= 4096 {
                            let config = InferenceConfiguration(
                                tensor: tensor, pipeline: pipeline, replicas: 1, batchSize: batch,
                                promptTokens: promptTokens,
                                outputTokens: outputTokens, precision: precision,
                                kvCachePrecision: targets.kvCachePrecision)
                            let option = ReplicaOption(model: model, cluster: cluster, group: g, config: config)
                            guard option.kvCacheTokens >= Double(batch * (promptTokens + outputTokens)) else { break }
                            let meets =
                                (targets.ttftSeconds.map { option.ttftSeconds <= $0 } ?? true)
                                && (targets.tpotSeconds.map { option.tpotSeconds <= $0 } ?? true)
                            if meets, option.outputTokensPerSecond > bestForShape?.outputTokensPerSecond ?? 0 {
                                bestForShape = option
                            }
                            batch *= 2
                        }
                        if let bestForShape { found.append(bestForShape) }
                    }
                }
            }
        }
        return found
    }

    /// The best serving plan and the runner-ups (the best plan of each other replica shape).
    /// Throws `.infeasible` when no option fits memory and meets the targets; a placement MILP that
    /// stops at a limit or fails throws that error, for the best plan and the runner-ups alike.
    public static func run(
        model: ModelDescription, cluster: ClusterDescription, promptTokens: Int, outputTokens: Int,
        targets: InferenceTargets, top: Int = 4, solver: SolverOptions = SolverOptions()
    )
        throws(SolverError) -> (plan: InferencePlan, alternatives: [InferencePlan], options: Int)
    {
        let all = options(
            model: model, cluster: cluster, promptTokens: promptTokens, outputTokens: outputTokens, targets: targets)
        guard !all.isEmpty else { throw .infeasible }
        let plan = try ReplicaPlacementProgram(cluster: cluster, options: all).solve(options: solver)
        // Alternatives: the same cluster served by a single other shape, best first.
        var alternatives: [InferencePlan] = []
        let used = Set(plan.replicas.map { $0.option.config })
        for option in all.sorted(by: {
            ($0.outputTokensPerSecond / Double($0.config.devicesPerReplica))
                > ($1.outputTokensPerSecond / Double($1.config.devicesPerReplica))
        })
        where !used.contains(option.config) {
            do throws(SolverError) {
                let single = try ReplicaPlacementProgram(cluster: cluster, options: [option]).solve(options: solver)
                alternatives.append(single)
            } catch .infeasible {
                // This shape alone places no replica on the cluster: it is no alternative.
            }
            if alternatives.count >= top - 1 { break }
        }
        return (plan, alternatives, all.count)
    }
}
