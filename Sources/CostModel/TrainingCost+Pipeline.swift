extension TrainingCost {
    /// The linear cost table of this configuration's pipeline (see `PipelineCostTable`).
    public var pipelineTable: PipelineCostTable {
        let groups = layerGroups.map { entry -> PipelineCostTable.Group in
            let cost = layer(entry.kind)
            let selective = config.recompute == .selective ? cost.selectiveRecomputeSeconds : 0
            return .init(
                kind: entry.kind, count: entry.count, cost: cost,
                microbatchSeconds: cost.microbatchSeconds + selective,
                recomputeSeconds: cost.fullRecomputeSeconds)
        }
        let embeddingBytes = stateBytes(denseParameters: embeddingDeviceParameters, expertParameters: 0)
        let outputBytes = stateBytes(denseParameters: outputDeviceParameters, expertParameters: 0)
        // Embedding: a gather forward and a scatter-add backward, memory-bound over T·h values.
        let embeddingForward = speed.memorySeconds(bytes: 2 * tokens * h * activationValueBytes / hiddenShard)
        // Output layer: one GEMM forward, two backward, and a memory-bound softmax cross-entropy over the logits.
        let logits = speed.gemmSeconds(flops: outputLayerForwardFLOPs)
        let loss = speed.memorySeconds(bytes: 3 * logitsBytes)
        let tensorLink = cluster.link(groupSize: config.tensor, stride: config.tensorStride)
        let lossComm =
            Assumption.lossAllReducePasses
            * tensorLink.allReduceSeconds(
                bytes: tokens * 4 * Assumption.lossAllReducesPerMicrobatch, group: config.tensor)
        let outputParameters = model.embeddingParameters / t
        return PipelineCostTable(
            groups: groups,
            pipeline: config.pipeline,
            virtualStages: config.virtualStages,
            microbatches: config.microbatchCount,
            firstChunkSeconds: 3 * embeddingForward,
            lastChunkSeconds: 3 * logits + loss + lossComm,
            firstChunkBackwardSeconds: 2 * embeddingForward,
            lastChunkBackwardSeconds: 2 * logits,
            sendSeconds: pipelineSendSeconds,
            firstChunkStateBytes: embeddingBytes,
            lastChunkStateBytes: outputBytes,
            lastChunkActivationBytes: logitsBytes,
            fixedBytesPerRank: gatheredWeightBufferBytes,
            firstChunkSyncSeconds: gradientSyncSeconds(denseParameters: embeddingDeviceParameters, expertParameters: 0),
            lastChunkSyncSeconds: gradientSyncSeconds(denseParameters: outputDeviceParameters, expertParameters: 0),
            firstChunkOptimizerSeconds: optimizerSeconds(
                denseParameters: embeddingDeviceParameters, expertParameters: 0),
            lastChunkOptimizerSeconds: optimizerSeconds(
                denseParameters: outputDeviceParameters == 0 ? 0 : outputParameters, expertParameters: 0),
            capacityBytes: usableBytes,
            allowsFullRecompute: config.recompute == .full,
            syncOverlapsBackward: framework.gradientReduceOverlap,
            recomputeLayers: framework.recomputeLayers)
    }
}
