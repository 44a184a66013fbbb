import CostModel

extension TrainingSearch {
    /// Some plan of `space` that fits memory, found the cheap way: candidates in order of their
    /// step-time bound, the first whose split without GLPK (`heuristicSplit`: layers even, the
    /// fewest recomputed layers that fit) fits; only when none does, split MILPs in the same order,
    /// at most `milps` of them. For the fixes an infeasible search suggests ("it fits on 128 GPUs"),
    /// which need a plan that fits, not the fastest one. Nil when none was found.
    public static func fittingPlan(space: SearchSpace, options: SearchOptions, milps: Int = 16) -> TrainingPlan? {
        let configs = space.configurations().filter(options.fixed.admits)
        var candidates = makeCandidates(configs, space: space).filter {
            $0.memoryBound <= $0.table.largestCapacityBytes
        }
        candidates.sort { ($0.bound, $0.index) < ($1.bound, $1.index) }
        if let candidate = candidates.first(where: { $0.heuristic.isFinite }),
            let layout = heuristicSplit(candidate.table)
        {
            return makePlan(candidate, Solved(layout: layout, status: .feasible), space: space)
        }
        for candidate in candidates {
            if let layout = frontLoadedSplit(candidate.table) {
                return makePlan(candidate, Solved(layout: layout, status: .feasible), space: space)
            }
        }
        for candidate in candidates.prefix(milps) {
            if case .success(let solved) = solveSplit(
                SplitWork(table: candidate.table, cutoff: .infinity), options: options.solver)
            {
                return makePlan(candidate, solved, space: space)
            }
        }
        return nil
    }

    /// A split that fits if any split with every layer recomputed does (one chunk per rank): each
    /// rank in turn takes as many layers, in model order, as its memory holds, leaving one for each
    /// rank after it. Taking more on an earlier rank never leaves a later one less room, so this
    /// finds a fitting split whenever one exists; it is slow (the early ranks hold the most), which a
    /// fix's check does not mind. Nil when none fits or the table has virtual stages.
    static func frontLoadedSplit(_ table: PipelineCostTable) -> StageLayout? {
        guard table.virtualStages == 1, table.fixedLayout == nil else { return nil }
        let order = table.groups.indices.flatMap { Array(repeating: $0, count: table.groups[$0].count) }
        let p = table.pipeline
        var layers = Array(repeating: Array(repeating: 0, count: table.groups.count), count: p)
        var next = 0
        for r in 0..<p {
            let device = table.onRank(r), inFlight = table.inFlight(rank: r)
            var bytes = table.extraBytes(rank: r)
            let reserve = p - r - 1
            while next < order.count - reserve {
                let cost = device.groups[order[next]].cost
                let kept = table.allowsFullRecompute ? cost.checkpointBytes : cost.activationBytes
                let added = cost.stateBytes + inFlight * kept
                // The last rank takes every layer left; others stop where the next layer would not fit.
                guard r == p - 1 || bytes + added <= device.capacityBytes || layers[r].reduce(0, +) == 0 else { break }
                bytes += added
                layers[r][order[next]] += 1
                next += 1
            }
        }
        let layout = StageLayout(
            layers: layers, recomputed: table.allowsFullRecompute ? layers : layers.map { $0.map { _ in 0 } })
        return table.evaluate(layout).fitsMemory ? layout : nil
    }
}
