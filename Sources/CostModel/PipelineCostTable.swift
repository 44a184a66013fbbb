/// Everything the pipeline split depends on, as linear coefficients: per layer of each group, and
/// the extras of the first chunk (embedding) and the last (output layer, logits, loss). The planner's
/// MILP and `evaluate(_:)` read the same table, so the MILP optimum is exactly the best evaluated split.
public struct PipelineCostTable: Sendable, Hashable {
    public struct Group: Sendable, Hashable {
        public var kind: LayerKind
        public var count: Int
        public var cost: LayerCost
        /// Time one layer adds to a chunk's microbatch (no recompute; selective recompute included).
        public var microbatchSeconds: Double
        /// Extra time per microbatch when that layer is recomputed in full.
        public var recomputeSeconds: Double
    }

    public var groups: [Group]
    public var pipeline: Int
    public var virtualStages: Int
    public var microbatches: Int
    /// Time per microbatch the first chunk adds for the embedding, and the last for the output layer and loss.
    public var firstChunkSeconds: Double
    public var lastChunkSeconds: Double
    /// Backward part of those (overlaps data-parallel reduction like layer backward does).
    public var firstChunkBackwardSeconds: Double
    public var lastChunkBackwardSeconds: Double
    /// The rest of them, the forward part (hides the weight all-gather where the framework overlaps it).
    public var firstChunkForwardSeconds: Double { firstChunkSeconds - firstChunkBackwardSeconds }
    public var lastChunkForwardSeconds: Double { lastChunkSeconds - lastChunkBackwardSeconds }
    /// Pipeline send per microbatch per chunk boundary (forward and backward).
    public var sendSeconds: Double
    /// Static bytes (state) of the embedding on the first chunk and of the output layer on the last.
    public var firstChunkStateBytes: Double
    public var lastChunkStateBytes: Double
    /// Bytes of the logits on the last rank (one microbatch in flight there).
    public var lastChunkActivationBytes: Double
    /// Fixed bytes every rank holds beyond layers (ZeRO-3 gather buffers).
    public var fixedBytesPerRank: Double
    /// Activation bytes every rank holds once, not per microbatch in flight: under full recompute the
    /// layer being recomputed for its backward holds all its activations again (one layer, one
    /// microbatch) on top of the kept layer inputs; under CPU activation offload (pp 1, one microbatch
    /// in flight) minus the offloaded layers' activations, which wait on the host.
    public var onceActivationBytesPerRank: Double = 0
    /// Bytes rank-independent extras add to every rank: fixed buffers and `onceActivationBytesPerRank`.
    public var perRankBytes: Double { fixedBytesPerRank + onceActivationBytesPerRank }
    /// Per-step data-parallel sync and optimizer time of the embedding / output layer.
    public var firstChunkSyncSeconds: Double, lastChunkSyncSeconds: Double
    /// The weight all-gather part of those syncs (`LayerCost.parameterGatherSeconds`).
    public var firstChunkGatherSeconds: Double = 0, lastChunkGatherSeconds: Double = 0
    public var firstChunkOptimizerSeconds: Double, lastChunkOptimizerSeconds: Double
    /// Memory a rank may fill.
    public var capacityBytes: Double
    /// Whether layers may be recomputed in full (granularity "full").
    public var allowsFullRecompute: Bool
    /// Whether the data-parallel sync runs behind the last microbatch's backward pass (bucketed
    /// overlap, as Megatron's --overlap-grad-reduce does) rather than after it.
    public var syncOverlapsBackward: Bool = true
    /// Whether the weight all-gather after the optimizer runs behind the next step's first forward
    /// (Megatron's --overlap-param-gather) rather than before it.
    public var gatherOverlapsForward: Bool = false
    /// The per-chunk recompute counts the framework's launch expresses; the split keeps to them.
    public var recomputeLayers: RecomputeLayers = .any
    /// The split the framework always runs (nanotron's, `PipelineSplit.costThresholds`), nothing
    /// recomputed; nil when a launch can give any split, so the planner chooses one.
    public var fixedLayout: StageLayout?
    /// On a pipeline over several device groups, the table of each rank's own device (layer costs,
    /// extras, sends, capacity), rank 0 first; empty when every rank runs on this table's device.
    /// Each is a whole table of the same shape (pipeline, virtual stages, microbatches, groups).
    public var rankTables: [PipelineCostTable] = []

    /// The costs of pipeline rank `r`: its own device's table, or this one.
    public func onRank(_ r: Int) -> PipelineCostTable { rankTables.isEmpty ? self : rankTables[r] }
    /// Whether every rank runs on the same device (one table for all).
    public var isUniform: Bool { rankTables.isEmpty }
    /// Memory rank `r` may fill.
    public func capacityBytes(rank r: Int) -> Double { onRank(r).capacityBytes }
    /// Bytes rank `r` holds besides its layers: fixed buffers, the embedding on the first chunk, the
    /// output layer and logits on the last.
    public func extraBytes(rank r: Int) -> Double {
        let device = onRank(r)
        var bytes = device.perRankBytes
        for c in stride(from: r, to: chunks, by: pipeline) {
            if c == 0 { bytes += device.firstChunkStateBytes }
            if c == chunks - 1 { bytes += device.lastChunkStateBytes + device.lastChunkActivationBytes }
        }
        return bytes
    }

    /// Time per microbatch rank `r` spends besides its layers: sends, the embedding, the output layer and loss.
    public func extraSeconds(rank r: Int) -> Double {
        let device = onRank(r)
        var seconds = 0.0
        for c in stride(from: r, to: chunks, by: pipeline) {
            if chunks > 1 { seconds += device.sendSeconds }
            if c == 0 { seconds += device.firstChunkSeconds }
            if c == chunks - 1 { seconds += device.lastChunkSeconds }
        }
        return seconds
    }

    /// The most memory any rank may fill.
    public var largestCapacityBytes: Double { (0..<pipeline).map(capacityBytes(rank:)).max() ?? capacityBytes }
    /// Whether per-rank `bytes` fit each rank's capacity.
    public func fits(rankBytes bytes: [Double]) -> Bool {
        bytes.indices.allSatisfy { bytes[$0] <= capacityBytes(rank: $0) }
    }

    /// The launches a framework with a fixed split has: its split recomputing no layer, and (under
    /// full recompute) every layer (nanotron's one `recompute_layer` switch). Empty without one.
    public var fixedLayoutChoices: [StageLayout] {
        guard let fixed = fixedLayout else { return [] }
        let all = StageLayout(layers: fixed.layers, recomputed: fixed.layers)
        return allowsFullRecompute ? [fixed, all] : [fixed]
    }

    public var chunks: Int { pipeline * virtualStages }
    public var totalLayers: Int { groups.reduce(0) { $0 + $1.count } }

    /// Microbatches of a whole rank's activations that pipeline rank r keeps in flight.
    /// 1F1B: min(p − r, m) (Narayanan 2021). Interleaved, in chunk-microbatches:
    /// (v − 1)·p + 2·(p − r − 1) + 1, at most m·v, divided by v (Megatron's warm-up count); for rank 0
    /// this is Korthikanti's factor (1 + (p − 1)/(p·v)) times p.
    public func inFlight(rank: Int) -> Double {
        let p = pipeline, v = virtualStages, m = microbatches
        if v == 1 { return Double(min(p - rank, m)) }
        let chunkMicrobatches = min((v - 1) * p + 2 * (p - rank - 1) + 1, m * v)
        return Double(chunkMicrobatches) / Double(v)
    }
}
