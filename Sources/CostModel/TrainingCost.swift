/// The cost of one training step of `model` on `cluster` under `config`: three values in, per-layer
/// and per-stage costs out. Pure; the planner and `plan evaluate` both read from it.
public struct TrainingCost: Sendable {
    public let model: ModelDescription
    public let cluster: ClusterDescription
    public let config: ParallelConfiguration
    /// The framework that runs the step: its overlaps and buffers (frameworks/*.yaml).
    public let framework: Framework
    public let speed: DeviceSpeed

    public init(
        model: ModelDescription, cluster: ClusterDescription, config: ParallelConfiguration,
        framework: Framework
    ) {
        self.model = model
        // Ranks that all sit on one group of a mixed cluster are costed on that group alone.
        if cluster.groups.count > 1, let groups = config.stageGroups, let only = groups.first,
            groups.allSatisfy({ $0 == only })
        {
            self.cluster = cluster.subcluster(group: only)
        } else {
            self.cluster = cluster
        }
        self.config = config
        self.framework = framework
        self.speed = DeviceSpeed(profile: self.cluster.profile, precision: config.precision)
    }

    /// The sharding the step really runs: the configured ZeRO stage, except that a framework which
    /// keeps FSDP's weights and gradients unsharded between the microbatches of a pipeline
    /// (`Framework.shardsUnderPipeline` false: torchtitan) runs ZeRO 3 with pipelines as ZeRO 1 —
    /// optimizer state sharded, weights gathered and gradients reduced once per step.
    var sharding: ZeROStage {
        config.zeroStage == .weights && config.pipeline > 1 && !framework.shardsUnderPipeline
            ? .optimizer : config.zeroStage
    }

    /// Tokens of one microbatch on one context-parallel rank: b·s/c.
    var tokens: Double { Double(config.microbatchSize * config.sequenceLength) / Double(config.context) }
    var t: Double { Double(config.tensor) }
    /// Divisor of hidden-size activations: t under sequence parallelism, else 1 (replicated).
    var hiddenShard: Double { config.sequenceParallel ? t : 1 }
    var h: Double { Double(model.hiddenSize) }
    /// Bytes of one activation value (16-bit; FP8 training keeps activations in BF16 between GEMMs).
    let activationValueBytes: Double = 2

    /// All-gather of a distributed kept input (2·T·h bytes over the tensor group) before its recompute;
    /// 0 where the input is kept whole or sequence parallelism splits it anyway (the layer's own
    /// collectives then gather it).
    var checkpointGatherSeconds: Double {
        guard framework.distributedCheckpoints, !config.sequenceParallel, config.tensor > 1 else { return 0 }
        let link = cluster.link(groupSize: config.tensor, stride: config.tensorStride)
        return link.gatherSeconds(bytes: 2 * tokens * h, group: config.tensor)
    }

    /// Per-layer cost of each kind this model has.
    public func layer(_ kind: LayerKind) -> LayerCost {
        let flops = forwardGEMMs(kind)
        let gemmOnly = flops.reduce(0) { $0 + speed.gemmSeconds(flops: $1.flops, count: $1.count) }
        let overhead = cluster.profile.efficiency.layerOverheadMicroseconds * 1e-6
        let elementwise = speed.memorySeconds(bytes: elementwiseBytes(kind))
        let forwardCompute = max(
            gemmOnly + attentionCoreForwardSeconds + elementwise + overhead, framework.hostLayerForwardSeconds)
        let params = deviceParameters(kind)
        let accumulation = speed.memorySeconds(
            bytes: framework.gradientAccumulationPassBytes * (params.dense + params.expert))
        let backwardCompute = max(
            2 * gemmOnly + attentionCoreBackwardSeconds + 2 * elementwise + accumulation + overhead,
            2 * framework.hostLayerForwardSeconds)
        let comm = communication(kind, forwardComputeSeconds: forwardCompute, backwardComputeSeconds: backwardCompute)
        let modelFLOPs = flops.reduce(0) { $0 + $1.flops * $1.count } + attentionCoreForwardFLOPs
        return LayerCost(
            forwardComputeSeconds: forwardCompute,
            backwardComputeSeconds: backwardCompute,
            forwardCommSeconds: comm.forward,
            backwardCommSeconds: comm.backward,
            expertForwardCommSeconds: comm.expertForward,
            expertBackwardCommSeconds: comm.expertBackward,
            shardForwardCommSeconds: comm.shardForward,
            shardBackwardCommSeconds: comm.shardBackward,
            // The recompute runs on the weights the backward's ZeRO-3 gather brings (FSDP unshards a
            // unit once for its recompute and backward), so it repeats only the layer's other traffic.
            fullRecomputeSeconds: forwardCompute + comm.forward - comm.shardForward + checkpointGatherSeconds,
            selectiveRecomputeSeconds: selectiveRecomputeSeconds(kind),
            activationBytes: activationBytes(kind),
            checkpointBytes: checkpointBytes,
            parameters: params.dense + params.expert,
            stateBytes: stateBytes(denseParameters: params.dense, expertParameters: params.expert),
            gradientSyncSeconds: gradientSyncSeconds(denseParameters: params.dense, expertParameters: params.expert),
            parameterGatherSeconds: parameterGatherSeconds(
                denseParameters: params.dense, expertParameters: params.expert),
            optimizerSeconds: optimizerSeconds(denseParameters: params.dense, expertParameters: params.expert),
            forwardFLOPs: modelFLOPs)
    }

    /// Layer kinds in model order (dense layers come first) with their counts.
    public var layerGroups: [(kind: LayerKind, count: Int)] {
        var groups: [(LayerKind, Int)] = []
        if model.denseLayers > 0 { groups.append((.dense, model.denseLayers)) }
        if let moe = model.moe, model.moeLayers > 0 { groups.append((.moe(moe), model.moeLayers)) }
        return groups
    }
}
