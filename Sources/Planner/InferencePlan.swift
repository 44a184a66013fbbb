import CostModel

/// One replica configuration with its predicted serving behaviour.
public struct ReplicaOption: Sendable, Hashable {
    public var config: InferenceConfiguration
    /// Index of the cluster group whose devices it runs on.
    public var group: Int
    public var ttftSeconds: Double
    public var tpotSeconds: Double
    public var outputTokensPerSecond: Double
    public var kvCacheTokens: Double
    public var weightBytes: Double
    public var kvCacheBytes: Double
    public var activationBytes: Double

    /// Predicts one replica of `config` on the devices of `group`.
    public init(model: ModelDescription, cluster: ClusterDescription, group: Int, config: InferenceConfiguration) {
        let cost = InferenceCost(model: model, cluster: cluster, profile: cluster.groups[group].profile, config: config)
        self.config = config
        self.group = group
        ttftSeconds = cost.ttftSeconds
        tpotSeconds = cost.tpotSeconds
        outputTokensPerSecond = cost.replicaOutputTokensPerSecond
        kvCacheTokens = cost.kvCacheTokens
        weightBytes = cost.weightBytes
        kvCacheBytes = Double(config.batchSize * (config.promptTokens + config.outputTokens)) * cost.kvBytesPerToken
        activationBytes = cost.activationBytes
    }
}

/// The serving plan: how many replicas of which configurations, decided by an integer program.
public struct InferencePlan: Sendable {
    /// Replica configurations in use with their counts, most replicas first.
    public var replicas: [(option: ReplicaOption, count: Int)]
    /// Whole-cluster output tokens per second.
    public var outputTokensPerSecond: Double
    public var status: LinearProgramSolution.Status
    public var primary: ReplicaOption { replicas[0].option }

    public init(
        replicas: [(option: ReplicaOption, count: Int)], outputTokensPerSecond: Double,
        status: LinearProgramSolution.Status
    ) {
        self.replicas = replicas
        self.outputTokensPerSecond = outputTokensPerSecond
        self.status = status
    }
    public var replicaCount: Int { replicas.reduce(0) { $0 + $1.count } }
}
