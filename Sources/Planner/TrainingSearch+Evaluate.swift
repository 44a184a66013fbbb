import CostModel

/// How the layers of a given configuration are split over its stages.
public enum SplitMethod: Sendable, Hashable {
    /// The split MILP decides layers and recomputed layers per stage.
    case optimal
    /// The framework's own split: layers as even as possible (Megatron's default), or the split the
    /// framework always runs (`PipelineCostTable.fixedLayout`, nanotron's); under full recompute,
    /// `recomputedPerStage` layers of each stage (nil: all of them).
    case uniform(recomputedPerStage: Int?)
}

extension TrainingSearch {
    /// Predicts one given configuration run by `framework`, splitting its layers by `method`.
    public static func evaluate(
        model: ModelDescription, cluster: ClusterDescription, config: ParallelConfiguration,
        framework: Framework, method: SplitMethod = .optimal,
        solver: SolverOptions = SolverOptions()
    ) throws -> TrainingPlan {
        if let problem = config.problems(model: model, cluster: cluster).first { throw problem }
        let cost = TrainingCost(model: model, cluster: cluster, config: config, framework: framework)
        let table = cost.pipelineTable
        switch method {
        case .optimal:
            let (layout, _, status) = try LayerSplitProgram(table: table).solve(options: solver)
            return TrainingPlan(config: config, estimate: cost.estimate(layout: layout), splitStatus: status)
        case .uniform(let perStage):
            var layout =
                table.fixedLayout ?? StageLayout.uniform(groups: table.groups.map(\.count), chunks: table.chunks)
            if config.recompute == .full {
                layout.recomputed = layout.layers.map { counts in
                    var budget = perStage ?? Int.max
                    return counts.map { count in
                        let k = min(count, budget); budget -= k; return k
                    }
                }
            }
            return TrainingPlan(config: config, estimate: cost.estimate(layout: layout), splitStatus: .optimal)
        }
    }
}
