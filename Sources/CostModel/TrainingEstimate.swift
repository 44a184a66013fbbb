/// The predicted outcome of one training step: time, its breakdown, throughput and memory.
public struct TrainingEstimate: Sendable, Hashable {
    public var config: ParallelConfiguration
    public var layout: StageLayout
    public var schedule: PipelineSchedule
    public var stepSeconds: Double
    public var tokensPerSecond: Double
    /// Model FLOPs (no recompute, causal attention) per second per device, in TFLOP/s.
    public var modelTFLOPSPerDevice: Double
    /// Model FLOPs utilisation against the dense peak of the chosen precision.
    public var mfu: Double
    public var breakdown: Breakdown
    /// The memory of the fullest rank.
    public var memory: Memory
    public var capacityBytes: Double
    public var fits: Bool { memory.totalBytes <= capacityBytes }

    public struct Breakdown: Sendable, Hashable {
        /// On the slowest pipeline rank over all microbatches: layer compute, recompute, embedding and output.
        public var computeSeconds: Double
        /// Exposed tensor- and context-parallel collectives (expert all-to-all and ZeRO-2/3 traffic apart).
        public var tensorCommSeconds: Double
        /// Exposed expert-parallel all-to-all (MoE dispatch and combine).
        public var expertCommSeconds: Double = 0
        public var pipelineCommSeconds: Double
        /// Exposed data-parallel synchronisation: after the last microbatch, and per layer under
        /// ZeRO-2/3 (with the compute the hidden part slows).
        public var dataCommSeconds: Double
        public var optimizerSeconds: Double
        /// Idle time of the slowest rank while the pipeline fills and drains.
        public var bubbleSeconds: Double
    }

    public struct Memory: Sendable, Hashable {
        public var weightsBytes: Double
        public var gradientsBytes: Double
        public var optimizerBytes: Double
        public var activationsBytes: Double
        public var totalBytes: Double
        /// What PyTorch's caching allocator holds at this peak (`torch.cuda.max_memory_reserved()`,
        /// the figure torchtitan logs as "memory"): the allocated peak plus the free blocks its
        /// activations and transient buffers leave cached between allocations
        /// (`Assumption.allocatorFragmentation` of them). Weights, gradient buffers and optimizer
        /// state are allocated once in large blocks and add none. Measured memory is compared with
        /// this; whether a plan fits is decided on `totalBytes` (the allocator releases its cache and
        /// retries before it runs out).
        public var allocatorReservedBytes: Double {
            totalBytes + Assumption.allocatorFragmentation * activationsBytes
        }
    }
}

extension TrainingCost {
    /// Predicts a step for a given split of layers over pipeline chunks.
    public func estimate(layout: StageLayout) -> TrainingEstimate {
        let table = pipelineTable
        let schedule = table.evaluate(layout)
        let step = schedule.stepSeconds
        let tokensPerStep = Double(config.globalBatchSize * config.sequenceLength)
        let modelFLOPs = tokensPerStep * model.trainingFLOPsPerToken(sequenceLength: config.sequenceLength)
        let devices = Double(config.devices)
        let peak = meanPeakFLOPS
        let perDevice = modelFLOPs / step / devices

        // Breakdown on the slowest rank.
        let critical = schedule.rankSeconds.indices.max { schedule.rankSeconds[$0] < schedule.rankSeconds[$1] } ?? 0
        let m = Double(config.microbatchCount)
        var tensor = 0.0, expert = 0.0, shard = 0.0, sends = 0.0
        let criticalDevice = table.onRank(critical)
        for c in stride(from: critical, to: table.chunks, by: table.pipeline) {
            for (g, group) in criticalDevice.groups.enumerated() {
                let n = Double(layout.layers[c][g]), k = Double(layout.recomputed[c][g])
                let cost = group.cost
                let expertComm = cost.expertForwardCommSeconds + cost.expertBackwardCommSeconds
                let shardComm = cost.shardForwardCommSeconds + cost.shardBackwardCommSeconds
                tensor +=
                    n * (cost.commSeconds - expertComm - shardComm)
                    + k * (cost.forwardCommSeconds - cost.expertForwardCommSeconds - cost.shardForwardCommSeconds)
                expert += n * expertComm + k * cost.expertForwardCommSeconds
                shard += n * shardComm
            }
            if table.chunks > 1 { sends += criticalDevice.sendSeconds }
        }
        let busy = m * schedule.rankSeconds[critical]
        let compute = busy - m * (tensor + expert + shard + sends)
        let tailRank =
            schedule.rankTailSeconds.indices.max { schedule.rankTailSeconds[$0] < schedule.rankTailSeconds[$1] } ?? 0
        let optimizer = rankOptimizerSeconds(layout: layout, table: table, rank: tailRank)
        let breakdown = TrainingEstimate.Breakdown(
            computeSeconds: compute, tensorCommSeconds: m * tensor, expertCommSeconds: m * expert,
            pipelineCommSeconds: m * sends,
            dataCommSeconds: m * shard + max(0, schedule.tailSeconds - optimizer), optimizerSeconds: optimizer,
            bubbleSeconds: max(0, schedule.pipelineSeconds - busy))

        return TrainingEstimate(
            config: config, layout: layout, schedule: schedule, stepSeconds: step,
            tokensPerSecond: tokensPerStep / step, modelTFLOPSPerDevice: perDevice / 1e12, mfu: perDevice / peak,
            breakdown: breakdown, memory: memory(layout: layout, table: table, schedule: schedule),
            capacityBytes: schedule.rankCapacityBytes[schedule.fullestRank])
    }

    private func rankOptimizerSeconds(layout: StageLayout, table: PipelineCostTable, rank: Int) -> Double {
        var seconds = 0.0
        let device = table.onRank(rank)
        for c in stride(from: rank, to: table.chunks, by: table.pipeline) {
            for (g, group) in device.groups.enumerated() {
                seconds += Double(layout.layers[c][g]) * group.cost.optimizerSeconds
            }
            if c == 0 { seconds += device.firstChunkOptimizerSeconds }
            if c == table.chunks - 1 { seconds += device.lastChunkOptimizerSeconds }
        }
        return seconds
    }

    /// Memory of the fullest rank (nearest its capacity on a mixed pipeline), split into weights,
    /// gradients, optimizer state and activations.
    private func memory(
        layout: StageLayout, table: PipelineCostTable, schedule: PipelineSchedule
    ) -> TrainingEstimate.Memory {
        let rank = schedule.fullestRank
        var dense = 0.0, expert = 0.0
        for c in stride(from: rank, to: table.chunks, by: table.pipeline) {
            for (g, group) in table.groups.enumerated() {
                let params = deviceParameters(group.kind)
                dense += Double(layout.layers[c][g]) * params.dense
                expert += Double(layout.layers[c][g]) * params.expert
            }
            if c == 0 { dense += embeddingDeviceParameters }
            if c == table.chunks - 1 { dense += outputDeviceParameters }
        }
        let state = stateBreakdown(denseParameters: dense, expertParameters: expert)
        let total = schedule.rankBytes[rank]
        let weights = state.weights + table.onRank(rank).fixedBytesPerRank
        return .init(
            weightsBytes: weights, gradientsBytes: state.gradients, optimizerBytes: state.optimizer,
            activationsBytes: max(0, total - weights - state.gradients - state.optimizer), totalBytes: total)
    }
}
