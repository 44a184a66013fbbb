/// One way to serve a model: the parallelism of a replica, how many replicas, the batch each
/// decodes, the request shape and the number formats.
public struct InferenceConfiguration: Sendable, Hashable, Codable {
    public var tensor: Int
    public var pipeline: Int
    /// Independent copies of the model (data parallelism).
    public var replicas: Int
    /// Sequences each replica decodes together.
    public var batchSize: Int
    public var promptTokens: Int
    public var outputTokens: Int
    /// Weight format: bf16/fp16; fp8 (weights and GEMMs); int8/int4 weight-only (GEMMs in 16 bits).
    public var precision: Precision
    public var kvCachePrecision: Precision
    /// Requests join and leave the running batch step by step (vLLM, TensorRT-LLM in-flight
    /// batching): a new request waits for its own prefill only, not the whole batch's.
    public var continuousBatching: Bool

    public init(
        tensor: Int = 1, pipeline: Int = 1, replicas: Int = 1, batchSize: Int = 1, promptTokens: Int,
        outputTokens: Int, precision: Precision = .bf16, kvCachePrecision: Precision = .bf16,
        continuousBatching: Bool = true
    ) {
        self.tensor = tensor
        self.pipeline = pipeline
        self.replicas = replicas
        self.batchSize = batchSize
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.precision = precision
        self.kvCachePrecision = kvCachePrecision
        self.continuousBatching = continuousBatching
    }

    /// Devices of one replica.
    public var devicesPerReplica: Int { tensor * pipeline }
    public var devices: Int { devicesPerReplica * replicas }

    /// This configuration serving `workload` under continuous batching with `batch` sequences
    /// (the batch sizes the activation memory and so the KV cache that remains).
    public func serving(_ workload: ServingWorkload, batch: Int) -> InferenceConfiguration {
        var config = self
        config.batchSize = batch
        config.promptTokens = workload.promptTokens
        config.outputTokens = workload.outputTokens
        config.continuousBatching = true
        return config
    }
}
