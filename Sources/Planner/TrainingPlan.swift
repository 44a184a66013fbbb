import CostModel

/// A configuration with its optimal split and prediction.
public struct TrainingPlan: Sendable {
    public var config: ParallelConfiguration
    public var estimate: TrainingEstimate
    /// "optimal" when GLPK proved the split optimal, "feasible" when it stopped at a limit.
    public var splitStatus: LinearProgramSolution.Status

    /// The degrees that make plans "distinct" for alternatives.
    public var degrees: Degrees { Degrees(tensor: config.tensor, pipeline: config.pipeline, data: config.data, context: config.context, expert: config.expert) }

    public struct Degrees: Sendable, Hashable, CustomStringConvertible {
        public var tensor, pipeline, data, context, expert: Int
        public var description: String {
            var text = "tp=\(tensor) pp=\(pipeline) dp=\(data)"
            if context > 1 { text += " cp=\(context)" }
            if expert > 1 { text += " ep=\(expert)" }
            return text
        }
    }
}

/// The ranked outcome of a search.
public struct SearchResult: Sendable {
    /// Best plan first, then the next best with different degrees.
    public var plans: [TrainingPlan]
    /// Configurations enumerated.
    public var candidates: Int
    /// Split MILPs solved by GLPK (cache hits not counted).
    public var milpsSolved: Int
    /// Candidates dropped by a bound without a MILP.
    public var pruned: Int
    /// Candidates whose MILP had no split that fits memory.
    public var infeasible: Int
    /// The lowest memory per device any candidate reaches, bytes (for "does not fit" answers).
    public var smallestMemoryBytes: Double
    public var capacityBytes: Double
    /// Why the runner-ups of the best plan's own neighbourhood lose, one line each.
    public var rejections: [String]
}
