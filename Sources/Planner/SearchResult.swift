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
    /// Candidates whose MILP proved that no split fits memory under its cutoff: with a cutoff, that
    /// no split beats the best plan known when it was solved.
    public var infeasible: Int
    /// Candidates whose MILP stopped at a limit or failed, by error (`SolverError.kind` `.limit` or
    /// `.failure`; never `.infeasible`). Nothing is known of these candidates: they may fit.
    public var solverErrors: [SolverError: Int]
    /// The lowest memory per device any candidate reaches, bytes (for "does not fit" answers).
    public var smallestMemoryBytes: Double
    public var capacityBytes: Double
    /// Why the runner-ups of the best plan's own neighbourhood lose, one line each.
    public var rejections: [String]
    /// Why candidates were left unsolved, one clause per error, most candidates first: "no split
    /// found within the 30 s time limit (12 candidates); raise --time-limit" (with the search's
    /// `timeLimitAdvice`), "solver failed: … (1 candidate)". Empty when every MILP gave a split or
    /// proved there is none.
    public var unsolvedReasons: [String]

    /// Candidates whose MILP stopped at the time limit (or the node limit) before finding any split.
    public var timedOut: Int { solverErrors.filter { $0.key.kind == .limit }.values.reduce(0, +) }
    /// Candidates whose MILP the solver rejected or failed on (an invalid program, a GLPK error).
    public var solverFailures: Int { solverErrors.filter { $0.key.kind == .failure }.values.reduce(0, +) }
}
