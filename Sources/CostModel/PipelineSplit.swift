/// How a framework assigns layers to pipeline stages on its own.
public enum PipelineSplit: String, Sendable, Hashable, Codable, CaseIterable {
    /// Layers as even as possible, embedding on the first stage and the output layer on the last
    /// (Megatron-LM without a layout). A launch can also give any other split (Megatron's
    /// `--pipeline-model-parallel-layout`, torchtitan's module lists), so the search may choose one.
    case even
    /// nanotron's `build_model` (src/nanotron/models/base.py): each pipeline block has a cost
    /// (`get_block_compute_costs` in src/nanotron/models/llama.py: 4·heads·head_dim·h + 3·ffn·h per
    /// decoder layer, vocab·h for the LM head, 0 for the rest); blocks go to the current rank in model
    /// order, and the rank advances after the block whose cumulative cost passes (rank + 1)/p of the
    /// total. There is no option to change it, so a plan for nanotron uses this split.
    case costThresholds = "cost_thresholds"
}

extension StageLayout {
    /// nanotron's split (`PipelineSplit.costThresholds`) of `groups` layer counts (model order) over
    /// `chunks` stages, as the same layout type the planner evaluates. Ranks after the one holding the
    /// LM head get no decoder layer; the output layer is costed on the last chunk, which times the
    /// step the same because those ranks hold nothing else.
    ///
    /// Hand check (the playbook's 1B: 16 layers, h 2048, 32 heads of 64, ffn 8192, vocab 131072):
    /// layer cost 4·32·64·2048 + 3·8192·2048 = 67,108,864, head 268,435,456, total 1,342,177,280;
    /// over 8 stages the thresholds are multiples of 167,772,160 and the layers fall 3, 3, 2, 3, 2,
    /// 3, 0, 0 (the head on the seventh stage).
    public static func costThresholds(
        groups: [Int], layerCosts: [Double], headCost: Double, chunks: Int, recomputeAll: Bool = false
    ) -> StageLayout {
        precondition(groups.count == layerCosts.count && chunks > 0, "one cost per group, at least one chunk")
        let total = zip(groups, layerCosts).reduce(headCost) { $0 + Double($1.0) * $1.1 }
        let thresholds = (0..<chunks).map { total * (Double($0 + 1) / Double(chunks)) }
        var layers = Array(repeating: Array(repeating: 0, count: groups.count), count: chunks)
        var rank = 0, cumulative = 0.0
        for (g, count) in groups.enumerated() {
            for _ in 0..<count {
                layers[rank][g] += 1
                cumulative += layerCosts[g]
                if cumulative > thresholds[rank] && rank < chunks - 1 { rank += 1 }
            }
        }
        return StageLayout(layers: layers, recomputed: recomputeAll ? layers : layers.map { $0.map { _ in 0 } })
    }
}
