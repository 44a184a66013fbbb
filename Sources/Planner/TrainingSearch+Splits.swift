import CostModel
import Dispatch

/// The split MILPs of a search: what one solve is given and what it gives back, and solving many
/// at once.
extension TrainingSearch {
    /// One split MILP: a candidate's cost table and the step time its split must beat (∞: none).
    struct SplitWork: Sendable {
        var table: PipelineCostTable
        var cutoff: Double
    }

    /// A split the MILP found, "optimal" or "feasible" (stopped at a limit after finding it).
    struct Solved: Sendable {
        var layout: StageLayout
        var status: LinearProgramSolution.Status
    }

    /// Every answer a split MILP can give: a split, or the `SolverError` that says whether none
    /// exists under the cutoff (`.infeasible`), a limit came first, or the solver failed.
    typealias SplitOutcome = Result<Solved, SolverError>

    /// Answers one split MILP; called on several threads at once.
    typealias SplitSolver = @Sendable (SplitWork) -> SplitOutcome

    /// The split MILP of `LayerSplitProgram` through GLPK, with nothing dropped.
    static func solveSplit(_ work: SplitWork, options: SolverOptions) -> SplitOutcome {
        do {
            let solved = try LayerSplitProgram(table: work.table, cutoff: work.cutoff).solve(options: options)
            return .success(Solved(layout: solved.layout, status: solved.status))
        } catch {
            return .failure(error)
        }
    }

    /// Solves split MILPs on all cores; each solve builds, runs and frees its own GLPK problem on
    /// one thread (GLPK keeps its state per thread). Outcomes come back in input order.
    static func solveConcurrently(_ work: [SplitWork], solve: @escaping SplitSolver) -> [SplitOutcome] {
        guard work.count > 1 else { return work.map(solve) }
        let results = ResultSlots<SplitOutcome>(count: work.count)
        DispatchQueue.concurrentPerform(iterations: work.count) { i in results.set(i, solve(work[i])) }
        // concurrentPerform returns once every iteration has set its slot.
        return results.values.map { $0! }
    }
}
