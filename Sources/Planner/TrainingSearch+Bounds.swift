import CostModel

/// Bounds that let the search skip split MILPs: lower bounds on a candidate's step time and memory,
/// and a feasible split found without GLPK (an upper bound).
extension TrainingSearch {
    /// Lower bound on the step time of any split: every rank at least the average of the layer
    /// work and no recompute: (m − 1/v)·S/p + S/v, plus the average optimizer time.
    ///
    /// Two refinements keep it close to the MILP's optimum: the recompute that memory forces, from a
    /// continuous relaxation (layers fill each rank's free memory, the rest goes where recomputing a
    /// layer frees its bytes most cheaply), and the integer split: some rank holds ⌈L/p⌉ layers.
    static func lowerBound(_ table: PipelineCostTable) -> Double {
        // On a pipeline over several devices each layer is counted at its fastest rank's time.
        let ranks = 0..<table.pipeline
        let first = table.onRank(0), last = table.onRank(table.pipeline - 1)
        var total = first.firstChunkSeconds + last.lastChunkSeconds
        if table.chunks > 1 {
            total += (0..<table.chunks).reduce(0) { $0 + table.onRank($1 % table.pipeline).sendSeconds }
        }
        var optimizer = first.firstChunkOptimizerSeconds + last.lastChunkOptimizerSeconds
        for (g, group) in table.groups.enumerated() {
            total += Double(group.count) * ranks.map { table.onRank($0).groups[g].microbatchSeconds }.min()!
            optimizer += Double(group.count) * ranks.map { table.onRank($0).groups[g].cost.optimizerSeconds }.min()!
        }
        total += forcedRecomputeSeconds(table)
        let p = Double(table.pipeline), v = Double(table.virtualStages), m = Double(table.microbatches)
        let fastest = ranks.flatMap { table.onRank($0).groups.map(\.microbatchSeconds) }.min() ?? 0
        let fullest = (Double(table.totalLayers) / p).rounded(.up) * fastest
        return (m - 1 / v) * max(total / p, fullest) + total / v + optimizer / p
    }

    /// Recompute time (per microbatch, all ranks) that memory forces at least, in the continuous
    /// relaxation: layers first fill every rank's memory without recompute (at the smallest
    /// per-layer bytes of any group); each layer beyond costs the cheapest recompute, over ranks and
    /// groups, that frees room for it.
    ///
    /// Once some layer must be recomputed, the counts the launch expresses (the split MILP's row 13)
    /// force more: every layer where it recomputes all or none (`all`, and `same_count` with two
    /// layer groups), and under `same_count` with one group N ≥ 1 layers of every chunk (each chunk
    /// holds one), so at least one layer per chunk.
    static func forcedRecomputeSeconds(_ table: PipelineCostTable) -> Double {
        let relaxed = relaxedRecomputeSeconds(table)
        guard relaxed > 0, table.recomputeLayers != .any else { return relaxed }
        let ranks = 0..<table.pipeline
        let cheapest = table.groups.indices.map { g in ranks.map { table.onRank($0).groups[g].recomputeSeconds }.min()!
        }
        if table.recomputeLayers == .all || table.groups.count > 1 {
            return max(relaxed, zip(table.groups, cheapest).reduce(0) { $0 + Double($1.0.count) * $1.1 })
        }
        return max(relaxed, Double(table.chunks) * cheapest[0])
    }

    /// The continuous relaxation of `forcedRecomputeSeconds`, any count per chunk allowed.
    static func relaxedRecomputeSeconds(_ table: PipelineCostTable) -> Double {
        guard table.allowsFullRecompute, !table.groups.isEmpty else { return 0 }
        var free = 0.0, cheapest = Double.infinity
        for r in 0..<table.pipeline {
            let inFlight = table.inFlight(rank: r)
            let device = table.onRank(r)
            var fixed = device.fixedBytesPerRank
            for c in stride(from: r, to: table.chunks, by: table.pipeline) {
                if c == 0 { fixed += device.firstChunkStateBytes }
                if c == table.chunks - 1 { fixed += device.lastChunkStateBytes + device.lastChunkActivationBytes }
            }
            let room = max(0, device.capacityBytes - fixed)
            let leastBytes = device.groups.map { $0.cost.stateBytes + inFlight * $0.cost.activationBytes }.min()!
            free += room / leastBytes
            // Recomputing one layer frees inFlight·(act − ckpt) bytes at the price of ρ: the room for
            // one more layer (at least leastBytes) costs at least leastBytes · min ρ/(inFlight·(act − ckpt)).
            for group in device.groups {
                let saved = inFlight * (group.cost.activationBytes - group.cost.checkpointBytes)
                if saved > 0 { cheapest = min(cheapest, leastBytes * group.recomputeSeconds / saved) }
            }
        }
        let overflow = Double(table.totalLayers) - free
        guard overflow > 0, cheapest.isFinite else { return 0 }
        return overflow * cheapest
    }

    /// Lower bound on the fullest rank's memory: the average state, plus the checkpoints the
    /// last rank must keep for one microbatch (every layer recomputed). Bytes do not depend on the
    /// device, so on a mixed pipeline it is compared with the largest capacity.
    static func memoryLowerBound(_ table: PipelineCostTable) -> Double {
        var state = table.firstChunkStateBytes + table.lastChunkStateBytes
        var smallestActivation = 0.0
        for group in table.groups {
            state += Double(group.count) * group.cost.stateBytes
            let kept = table.allowsFullRecompute ? group.cost.checkpointBytes : group.cost.activationBytes
            smallestActivation += Double(group.count) * kept
        }
        return table.fixedBytesPerRank + state / Double(table.pipeline) + smallestActivation / Double(table.pipeline)
    }

    /// A feasible split without GLPK: layers as even as group order allows, then on each rank the
    /// fewest recomputed layers that make it fit. Its step time bounds the candidate's optimum from above.
    static func heuristicSplit(_ table: PipelineCostTable) -> StageLayout? {
        if table.fixedLayout != nil {
            return table.fixedLayoutChoices.first { table.evaluate($0).fitsMemory }
        }
        var layout = StageLayout.uniform(groups: table.groups.map(\.count), chunks: table.chunks)
        let schedule = table.evaluate(layout)
        for r in 0..<table.pipeline where schedule.rankBytes[r] > table.capacityBytes(rank: r) {
            guard table.allowsFullRecompute else { return nil }
            var excess = schedule.rankBytes[r] - table.capacityBytes(rank: r)
            let inFlight = table.inFlight(rank: r)
            for c in stride(from: r, to: table.chunks, by: table.pipeline) {
                for (g, group) in table.groups.enumerated() where excess > 0 {
                    let saving = inFlight * (group.cost.activationBytes - group.cost.checkpointBytes)
                    guard saving > 0 else { continue }
                    let k = min(layout.layers[c][g], Int((excess / saving).rounded(.up)))
                    layout.recomputed[c][g] = k
                    excess -= Double(k) * saving
                }
            }
            if excess > 0 { return nil }
        }
        // A launch that cannot recompute these counts (row 13 of the split MILP) recomputes every layer.
        if table.recomputeLayers != .any && layout.recomputed.contains(where: { $0.contains { $0 > 0 } }) {
            layout.recomputed = layout.layers
            guard table.evaluate(layout).fitsMemory else { return nil }
        }
        return layout
    }
}
