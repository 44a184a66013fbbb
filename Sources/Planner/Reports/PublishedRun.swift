import CostModel

/// A published training run: what ran, on what, how, and what it measured (validation/training-runs.yaml).
package struct PublishedRun: Sendable {
    package var id: String
    /// The source family the run belongs to (the runs file's `family:`, "unknown" when absent): runs
    /// of one family share their authors' software, recipes and way of measuring, so cross-validation
    /// holds a whole family out at a time (`CrossValidation`).
    package var family: String
    package var source: String
    package var fullySpecified: Bool
    package var model: ModelDescription
    package var cluster: ClusterDescription
    package var config: ParallelConfiguration
    /// The framework that ran it (the runs file's `framework:`, megatron when absent).
    package var framework: Framework
    /// Layers recomputed per stage under full recompute (nil: all).
    package var recomputeLayers: Int?
    package var measuredTokensPerSecondPerDevice: Double
    /// Peak memory per GPU the source reports, GiB (nil where it reports none).
    package var measuredMemoryGiB: Double?

    package init(
        id: String, family: String = "unknown", source: String, fullySpecified: Bool,
        model: ModelDescription, cluster: ClusterDescription, config: ParallelConfiguration,
        framework: Framework, recomputeLayers: Int?, measuredTokensPerSecondPerDevice: Double,
        measuredMemoryGiB: Double? = nil
    ) {
        self.id = id
        self.family = family
        self.source = source
        self.fullySpecified = fullySpecified
        self.model = model
        self.cluster = cluster
        self.config = config
        self.framework = framework
        self.recomputeLayers = recomputeLayers
        self.measuredTokensPerSecondPerDevice = measuredTokensPerSecondPerDevice
        self.measuredMemoryGiB = measuredMemoryGiB
    }
}

/// A published serving measurement (validation/serving-runs.yaml): model, GPUs, engine
/// configuration, request shape and what was measured.
package struct PublishedServingRun: Sendable {
    package var id: String
    package var fullySpecified: Bool
    package var model: ModelDescription
    package var cluster: ClusterDescription
    package var config: InferenceConfiguration
    package var outputTokensPerSecond: Double?
    package var ttftSeconds: Double?
    package var tpotSeconds: Double?
    package var latencySeconds: Double?
    /// How the benchmark sent requests (continuous-batching runs): simulated with
    /// `ServingSimulation`, `requests` of them, at most `config.batchSize` running at once.
    package var load: ServingLoad?
    package var requests = 1000
    package var maxBatchedTokens = 8192
    /// Request lengths vary uniformly by ± this fraction of the mean (ShareGPT-style mixes).
    package var promptSpread = 0.0
    package var outputSpread = 0.0

    package init(
        id: String, fullySpecified: Bool, model: ModelDescription, cluster: ClusterDescription,
        config: InferenceConfiguration, outputTokensPerSecond: Double?, ttftSeconds: Double?,
        tpotSeconds: Double?, latencySeconds: Double?
    ) {
        self.id = id
        self.fullySpecified = fullySpecified
        self.model = model
        self.cluster = cluster
        self.config = config
        self.outputTokensPerSecond = outputTokensPerSecond
        self.ttftSeconds = ttftSeconds
        self.tpotSeconds = tpotSeconds
        self.latencySeconds = latencySeconds
    }
}
