import CostModel

/// A configuration with its optimal split and prediction.
public struct TrainingPlan: Sendable {
    public var config: ParallelConfiguration
    public var estimate: TrainingEstimate
    /// "optimal" when GLPK proved the split optimal, "feasible" when it stopped at a limit.
    public var splitStatus: LinearProgramSolution.Status

    /// The degrees that make plans "distinct" for alternatives.
    public var degrees: Degrees {
        Degrees(config)
    }

    public struct Degrees: Sendable, Hashable, CustomStringConvertible {
        public var tensor, pipeline, data, context, expert: Int
        /// On a mixed cluster, the device groups the stages use (ascending, whatever their order):
        /// the same degrees on other groups are another plan. Empty on one group.
        public var groups: [Int] = []

        public init(_ config: ParallelConfiguration) {
            tensor = config.tensor
            pipeline = config.pipeline
            data = config.data
            context = config.context
            expert = config.expert
            groups = config.stageGroups.map { Array(Set($0)).sorted() } ?? []
        }
        /// "tp=4 pp=4 dp=4 cp=2 ep=8": the shared label, without virtual stages (not part of the degrees).
        public var description: String {
            ParallelConfiguration.label(
                tensor: tensor, pipeline: pipeline, data: data, context: context, expert: expert)
        }
    }
}
