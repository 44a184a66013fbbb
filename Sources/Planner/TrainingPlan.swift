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
