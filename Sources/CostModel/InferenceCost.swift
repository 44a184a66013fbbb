/// Serving cost of a model on one device type (docs/cost-model.md, "Inference"): prefill is compute-bound,
/// each decode step reads the weights and the KV cache from HBM; tensor parallelism adds two
/// all-reduces per layer per step; engines add a fixed cost per step.
public struct InferenceCost: Sendable {
    public let model: ModelDescription
    public let cluster: ClusterDescription
    public let profile: HardwareProfile
    public let config: InferenceConfiguration

    /// Costs one replica on `profile` (a group's device on a heterogeneous cluster).
    public init(
        model: ModelDescription, cluster: ClusterDescription, profile: HardwareProfile? = nil,
        config: InferenceConfiguration
    ) {
        self.model = model
        self.cluster = cluster
        self.profile = profile ?? cluster.profile
        self.config = config
    }

    var t: Double { Double(config.tensor) }
    var p: Double { Double(config.pipeline) }
    /// Layers on the fullest pipeline stage.
    var stageLayers: Double { (Double(model.layers) / p).rounded(.up) }

    /// Weight bytes per device: the fullest stage's layers split by t, plus the output layer (and,
    /// on a single stage, the embedding). Weight-only int8/int4 and FP8 store 1 or 0.5 bytes.
    public var weightBytes: Double {
        let perLayer =
            Double(model.denseLayers) / Double(model.layers) * model.denseLayerParameters
            + Double(model.moeLayers) / Double(model.layers) * model.moeLayerParameters
        let embeddings =
            config.pipeline == 1 ? model.embeddingParameters + model.outputLayerParameters : model.embeddingParameters
        return (stageLayers * perLayer + embeddings) / t * config.precision.bytes
    }

    /// KV-cache bytes per token per device: 2·(L/p)·k·d values split by t (a device keeps at least
    /// one KV head), or with latent attention (kv_lora_rank + rope dim) per layer, not split.
    public var kvBytesPerToken: Double {
        if let mla = model.latentAttention {
            return stageLayers * Double(mla.kvLoraRank + mla.ropeHeadDim) * config.kvCachePrecision.bytes
        }
        let headsPerDevice = max(Double(model.keyValueHeads) / t, 1)
        return 2 * stageLayers * headsPerDevice * Double(model.headDim) * config.kvCachePrecision.bytes
    }

    /// Working memory of a prefill chunk (at most `Assumption.prefillChunkTokens` at once, as engines
    /// chunk prefill):
    /// hidden states, the FFN intermediate and the logits of the batch in fp32.
    public var activationBytes: Double {
        let chunk = Double(min(config.batchSize * config.promptTokens, Assumption.prefillChunkTokens))
        let hidden = chunk * (4 * Double(model.hiddenSize) + 2 * Double(model.ffnHiddenSize) / t) * 2
        let logits = Double(config.batchSize) * Double(model.vocabularySize) / t * 4
        return hidden + logits
    }

    /// Memory the engine takes for weights, activations and cache (`Assumption.servingMemoryUtilization`).
    public var usableBytes: Double { Assumption.servingMemoryUtilization * profile.memoryBytes }

    /// Tokens of KV cache that fit per replica.
    public var kvCacheTokens: Double {
        max(0, usableBytes - weightBytes - activationBytes) / kvBytesPerToken
    }

    /// Whether every sequence of the batch fits its prompt and output in the cache.
    public var fits: Bool {
        kvCacheTokens >= Double(config.batchSize * (config.promptTokens + config.outputTokens))
    }

    /// GEMM precision: FP8 runs FP8 GEMMs; weight-only formats dequantise into 16-bit GEMMs.
    var gemmSpeed: DeviceSpeed {
        let gemm: Precision =
            config.precision == .fp8 && profile.supports(.fp8) ? .fp8 : (profile.supports(.bf16) ? .bf16 : .fp16)
        return DeviceSpeed(profile: profile, precision: gemm)
    }

    /// The tensor-parallel group's link: consecutive ranks of one replica (`ClusterDescription.link`).
    var tensorLink: Link { cluster.link(groupSize: config.tensor, stride: 1) }

    /// Matmul FLOPs per token per device on the fullest stage (active parameters only).
    var matmulFLOPsPerToken: Double {
        let perLayer =
            Double(model.denseLayers) / Double(model.layers) * (model.denseLayerParameters - model.normParameters)
            + Double(model.moeLayers) / Double(model.layers) * (model.moeLayerActiveParameters - model.normParameters)
        return 2 * stageLayers * perLayer / t
    }

    /// Time to first token: under static batching the whole batch's prefill; under continuous
    /// batching a request's own prefill plus the decode step it joins.
    public var ttftSeconds: Double {
        guard config.continuousBatching else { return prefillSeconds }
        return prefillSeconds(sequences: 1) + decodeStepSeconds
    }

    /// Prefill of the whole batch.
    public var prefillSeconds: Double { prefillSeconds(sequences: config.batchSize) }

    /// Prefill of `sequences` prompts: GEMMs over their tokens, the causal attention core, two
    /// all-reduces per layer, the output layer for each sequence's last position; the stages run
    /// one after another; plus the engine's fixed prefill overhead (scheduling, tokenised input).
    public func prefillSeconds(sequences: Int) -> Double {
        let tokens = Double(sequences * config.promptTokens)
        let prompt = Double(config.promptTokens)
        let core = 0.5 * 4 * prompt * Double(model.attentionHeads) * Double(model.headDim) / t * stageLayers * tokens
        let gemms = gemmSpeed.gemmSeconds(flops: matmulFLOPsPerToken * tokens / stageLayers, count: stageLayers)
        let attention = DeviceSpeed(profile: profile, precision: .bf16).gemmSeconds(flops: core)
        let comm =
            stageLayers * 2
            * tensorLink.allReduceSeconds(bytes: tokens * Double(model.hiddenSize) * 2, group: config.tensor)
        let logits = gemmSpeed.gemmSeconds(
            flops: 2 * Double(sequences) * Double(model.hiddenSize) * Double(model.vocabularySize) / t)
        let stage = gemms + attention + comm + prefillStageOverheadSeconds
        return p * stage + logits + prefillOverheadSeconds
    }

    /// Fixed engine time per forward step (scheduling, sampling, launches), seconds.
    var stepOverheadSeconds: Double { profile.efficiency.decodeStepOverheadMicroseconds * 1e-6 }
    /// Fixed engine time per prefill (request setup, scheduling, first sampling), seconds.
    var prefillOverheadSeconds: Double { profile.efficiency.prefillOverheadMicroseconds * 1e-6 }
    /// Fixed time of a prefill forward through one stage's layers, seconds.
    var prefillStageOverheadSeconds: Double {
        profile.efficiency.prefillLayerOverheadMicroseconds * 1e-6 * stageLayers
    }

    /// One decode step (one token for each of B sequences, average context P + O/2): read the stage's
    /// weights at the decode share of HBM bandwidth and the batch's KV cache at the (lower) share
    /// paged-attention kernels reach, or the GEMMs if they take longer; two latency-bound all-reduces
    /// per layer; the stages in turn; the step overhead.
    public var decodeStepSeconds: Double {
        let batch = Double(config.batchSize)
        let context = Double(config.promptTokens) + Double(config.outputTokens) / 2
        let bandwidth = profile.memoryBytesPerSecond
        let memory =
            weightBytes / (bandwidth * profile.efficiency.decodeMemory)
            + batch * context * kvBytesPerToken / (bandwidth * profile.efficiency.kvCacheMemory)
        let compute =
            gemmSpeed.gemmSeconds(flops: matmulFLOPsPerToken * batch / stageLayers, count: stageLayers)
            + DeviceSpeed(profile: profile, precision: .bf16).gemmSeconds(
                flops: 4 * context * Double(model.attentionHeads) * Double(model.headDim) / t * stageLayers * batch)
        let comm =
            stageLayers * 2
            * tensorLink.allReduceSeconds(bytes: batch * Double(model.hiddenSize) * 2, group: config.tensor)
        return p * (max(memory, compute) + comm) + stepOverheadSeconds
    }

    /// Mean time between a request's output tokens. Static batching: one decode step. Continuous
    /// batching at a steady full batch: each step also carries the prefills of the requests that
    /// replace finished ones, B prompts every O steps, so a token comes every
    /// decode step + prefill(B)/O = B / replica throughput.
    public var tpotSeconds: Double {
        guard config.continuousBatching else { return decodeStepSeconds }
        return decodeStepSeconds + prefillSeconds / Double(config.outputTokens)
    }

    /// Output tokens per second of one replica: B·O tokens per prefill plus O decode steps.
    public var replicaOutputTokensPerSecond: Double {
        Double(config.batchSize * config.outputTokens)
            / (prefillSeconds + Double(config.outputTokens) * decodeStepSeconds)
    }
}
