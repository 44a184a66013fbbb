import CostModel

/// Finds the fastest plans of a space: enumerate, bound, prune, then one split MILP per surviving
/// candidate in order of its lower bound (branch and bound over the outer choices).
public enum TrainingSearch {
    struct Candidate: Sendable {
        var index: Int
        var config: ParallelConfiguration
        var table: PipelineCostTable
        var bound: Double
        var memoryBound: Double
        /// Step time of a feasible split found without GLPK (even layers, least recompute), or ∞.
        var heuristic: Double
        var degrees: TrainingPlan.Degrees { .init(config) }
    }

    /// What the search knows of a candidate whose split MILP gave no plan.
    enum NoSplit: Sendable {
        /// Proven: no split beats the MILP's cutoff, so the candidate's best step is at least
        /// `atLeast` (∞ when there was no cutoff: no split fits memory).
        case beaten(atLeast: Double)
        /// Not proven either way: the solver stopped at a limit or failed (`SolverError.kind` is
        /// `.limit` or `.failure`). Such a candidate may fit, and may be faster than the plans found.
        case unknown(SolverError)
    }

    /// Runs the search. Deterministic: candidates are taken in bound order in fixed batches, and
    /// ties are broken by enumeration order, whatever the threads do.
    public static func run(space: SearchSpace, options: SearchOptions = SearchOptions()) -> SearchResult {
        let solver = options.solver
        return run(space: space, options: options) { solveSplit($0, options: solver) }
    }

    /// The search with its split solver given: `solve` answers one MILP with a split or the
    /// `SolverError` that says why there is none (tests pass one that fails on purpose).
    static func run(space: SearchSpace, options: SearchOptions, solve: @escaping SplitSolver) -> SearchResult {
        let configs = space.configurations().filter(options.fixed.admits)
        var candidates = makeCandidates(configs, space: space)
        var smallestMemory = candidates.map(\.memoryBound).min() ?? .infinity
        let capacity = candidates.map(\.table.largestCapacityBytes).max() ?? 0
        candidates.sort { ($0.bound, $0.index) < ($1.bound, $1.index) }

        let top = max(options.top, 1)
        // Best known step per degrees: a solved plan, or a heuristic split (an upper bound).
        var known: [TrainingPlan.Degrees: Double] = [:]
        for candidate in candidates where candidate.heuristic.isFinite {
            known[candidate.degrees] = min(known[candidate.degrees] ?? .infinity, candidate.heuristic)
        }
        var best: [TrainingPlan.Degrees: (plan: TrainingPlan, index: Int)] = [:]
        var milps = 0, pruned = 0, infeasible = 0
        var cache: [PipelineCostTable: SplitOutcome] = [:]
        // The cutoff each table's MILP ran under (nil: none, so infeasible means no split fits memory);
        // candidates that share a table share its outcome and its cutoff.
        var cutoffUsed: [PipelineCostTable: Double?] = [:]
        var noSplit: [Int: NoSplit] = [:]
        var solverErrors: [SolverError: Int] = [:]

        // A candidate matters only if it improves its own degrees' best and could rank among the
        // `top` distinct degrees: below both its degrees' best known step and the top-th best.
        // The top-th best known step, kept until `known` changes (sorting per candidate was 5% of a search).
        var topKnown: Double?
        func cutoff(for degrees: TrainingPlan.Degrees) -> Double {
            let own = known[degrees] ?? .infinity
            guard known.count >= top else { return own }
            if topKnown == nil { topKnown = known.values.sorted()[top - 1] }
            return min(own, topKnown!)
        }

        var next = 0
        let batchSize = 8
        while next < candidates.count {
            // The next batch of candidates that survive the bounds, in bound order.
            var batch: [Candidate] = []
            while next < candidates.count && batch.count < batchSize {
                let candidate = candidates[next]
                next += 1
                if candidate.memoryBound > candidate.table.largestCapacityBytes
                    || candidate.bound > cutoff(for: candidate.degrees) * (1 + 1e-12)
                {
                    pruned += 1
                } else {
                    batch.append(candidate)
                }
            }
            let misses = batch.filter { cache[$0.table] == nil }
            let unique = misses.enumerated().filter { i, candidate in
                !misses[..<i].contains { $0.table == candidate.table }
            }.map(\.element)
            milps += unique.count
            let work = unique.map { SplitWork(table: $0.table, cutoff: cutoff(for: $0.degrees)) }
            for (candidate, item) in zip(unique, work) { cutoffUsed[candidate.table] = .some(item.cutoff) }
            for (candidate, outcome) in zip(unique, solveConcurrently(work, solve: solve)) {
                cache[candidate.table] = outcome
            }
            for candidate in batch {
                let solved: Solved
                switch cache[candidate.table]! {
                case .success(let split):
                    solved = split
                case .failure(let error) where error.kind == .infeasible:
                    infeasible += 1
                    // No split under the cutoff: its best is above it (or nothing fits at all).
                    noSplit[candidate.index] = .beaten(atLeast: (cutoffUsed[candidate.table] ?? nil) ?? .infinity)
                    continue
                case .failure(let error):
                    // A limit or a failure proves nothing: never counted as infeasible.
                    noSplit[candidate.index] = .unknown(error)
                    solverErrors[error, default: 0] += 1
                    continue
                }
                let plan = makePlan(candidate, solved, space: space)
                smallestMemory = min(smallestMemory, plan.estimate.memory.totalBytes)
                let degrees = candidate.degrees, step = plan.estimate.stepSeconds
                if let current = best[degrees],
                    (current.plan.estimate.stepSeconds, current.index) <= (step, candidate.index)
                {
                    continue
                }
                best[degrees] = (plan, candidate.index)
                known[degrees] = min(known[degrees] ?? .infinity, step)
                topKnown = nil
            }
        }
        // Sorted by step time, ties by enumeration order: dictionary order differs from run to run.
        let ordered = best.values.sorted {
            ($0.plan.estimate.stepSeconds, $0.index) < ($1.plan.estimate.stepSeconds, $1.index)
        }
        let ranked = ordered.prefix(top).map(\.plan)
        let rejections =
            ranked.first.map {
                explainRejections(
                    winner: $0, evaluated: ordered.map(\.plan), candidates: candidates, noSplit: noSplit,
                    advice: options.timeLimitAdvice)
            } ?? []
        return SearchResult(
            plans: Array(ranked), candidates: configs.count, milpsSolved: milps, pruned: pruned,
            infeasible: infeasible, solverErrors: solverErrors, smallestMemoryBytes: smallestMemory,
            capacityBytes: capacity, rejections: rejections,
            unsolvedReasons: unsolvedClauses(solverErrors, advice: options.timeLimitAdvice))
    }

    /// Every configuration with its cost table, bounds and heuristic split, in enumeration order.
    static func makeCandidates(_ configs: [ParallelConfiguration], space: SearchSpace) -> [Candidate] {
        configs.enumerated().map { index, config in
            let table = TrainingCost(
                model: space.model, cluster: space.cluster, config: config, framework: space.framework
            ).pipelineTable
            let memory = memoryLowerBound(table)
            var heuristic = Double.infinity
            if memory <= table.largestCapacityBytes, let layout = heuristicSplit(table) {
                heuristic = table.evaluate(layout).stepSeconds
            }
            return Candidate(
                index: index, config: config, table: table, bound: lowerBound(table), memoryBound: memory,
                heuristic: heuristic)
        }
    }

    /// The plan of a solved candidate; full recompute that recomputes no layer reads as none.
    static func makePlan(_ candidate: Candidate, _ solved: Solved, space: SearchSpace) -> TrainingPlan {
        var config = candidate.config
        if config.recompute == .full && solved.layout.recomputed.allSatisfy({ $0.allSatisfy { $0 == 0 } }) {
            config.recompute = .none
        }
        let estimate = TrainingCost(
            model: space.model, cluster: space.cluster, config: config, framework: space.framework
        )
        .estimate(layout: solved.layout)
        return TrainingPlan(config: config, estimate: estimate, splitStatus: solved.status)
    }
}
