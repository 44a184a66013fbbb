import CostModel

/// Knobs of a training search.
public struct SearchOptions: Sendable {
    /// How many distinct plans to return (the best and its alternatives).
    public var top: Int
    public var solver: SolverOptions
    /// Degrees to hold fixed; nil entries are searched.
    public var fixed: FixedDegrees
    /// How to raise the time limit, in the caller's words ("raise --time-limit" for `plan train`),
    /// appended to every message about a split MILP that stopped at it; nil appends nothing (the
    /// planner knows no command-line flags).
    public var timeLimitAdvice: String?

    public init(
        top: Int = 4, solver: SolverOptions = SolverOptions(), fixed: FixedDegrees = FixedDegrees(),
        timeLimitAdvice: String? = nil
    ) {
        self.top = top
        self.solver = solver
        self.fixed = fixed
        self.timeLimitAdvice = timeLimitAdvice
    }
}

/// Parts of a configuration the user pinned.
public struct FixedDegrees: Sendable, Hashable {
    public var tensor: Int?, pipeline: Int?, data: Int?, context: Int?, expert: Int?
    public var microbatchSize: Int?, virtualStages: Int?, zeroStage: ZeROStage?
    public var recompute: RecomputeGranularity?
    public init() {}

    func admits(_ c: ParallelConfiguration) -> Bool {
        (tensor ?? c.tensor) == c.tensor && (pipeline ?? c.pipeline) == c.pipeline && (data ?? c.data) == c.data
            && (context ?? c.context) == c.context && (expert ?? c.expert) == c.expert
            && (microbatchSize ?? c.microbatchSize) == c.microbatchSize
            && (virtualStages ?? c.virtualStages) == c.virtualStages && (zeroStage ?? c.zeroStage) == c.zeroStage
            && (recompute ?? c.recompute) == c.recompute
    }
}
