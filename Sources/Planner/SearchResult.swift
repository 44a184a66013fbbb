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
