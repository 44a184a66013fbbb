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
        let fastest = ranks.map { fastestLayerSeconds(table.onRank($0)) }.min() ?? 0
        let fullest = (Double(table.totalLayers) / p).rounded(.up) * fastest
        return (m - 1 / v) * max(total / p, fullest, balancedRankSeconds(table)) + total / v + optimizer / p
    }

    /// A rank's cheapest layer, seconds per microbatch.
    static func fastestLayerSeconds(_ rank: PipelineCostTable) -> Double {
        rank.groups.map(\.microbatchSeconds).min() ?? 0
    }

    /// Lower bound on the slowest rank's time T, by water-filling: by time T rank r holds at most
    /// n_r(T) layers, from its own speed (τ_r = n·μ_r + e_r, μ_r its cheapest layer, e_r its
    /// embedding, output layer and sends) and its memory (layers beyond what its free bytes hold
    /// unrecomputed cost recompute time, and no rank holds more than its free bytes with every layer
    /// recomputed); the least T with Σ n_r(T) ≥ L. This catches what the average misses: ranks of
    /// slower devices, and first ranks with many microbatches in flight, hold fewer layers, so the
    /// others hold more. With several layer groups it takes each group's least bytes and times and
    /// free recompute (an over-estimate of n_r, so still a bound). 0 when memory cannot hold L layers.
    static func balancedRankSeconds(_ table: PipelineCostTable) -> Double {
        struct Rank { var mu, rho, extras, room, inFlight, state, activation, checkpoint: Double }
        let single = table.groups.count == 1
        let ranks = (0..<table.pipeline).map { r -> Rank in
            let device = table.onRank(r)
            let extras = table.extraSeconds(rank: r), fixed = table.extraBytes(rank: r)
            let costs = device.groups.map(\.cost)
            return Rank(
                mu: fastestLayerSeconds(device), rho: device.groups.map(\.recomputeSeconds).min() ?? 0, extras: extras,
                room: max(0, device.capacityBytes - fixed), inFlight: table.inFlight(rank: r),
                state: costs.map(\.stateBytes).min() ?? 0, activation: costs.map(\.activationBytes).min() ?? 0,
                checkpoint: costs.map(\.checkpointBytes).min() ?? 0)
        }
        guard ranks.allSatisfy({ $0.mu > 0 }) else { return 0 }
        func held(_ T: Double, _ r: Rank) -> Double {
            let budget = T - r.extras
            guard budget > 0 else { return 0 }
            let byTime = budget / r.mu
            let unrecomputed = r.room / (r.state + r.inFlight * r.activation)
            if byTime <= unrecomputed { return byTime }
            guard table.allowsFullRecompute else { return unrecomputed }
            let most = r.room / (r.state + r.inFlight * r.checkpoint)
            let freed = r.inFlight * (r.activation - r.checkpoint)
            guard single, freed > 0 else { return min(byTime, most) }
            // n layers need (n·(s + f·a) − room)/(f·(a − c)) of them recomputed, ρ each.
            let n = (budget + r.room * r.rho / freed) / (r.mu + r.rho * (r.state + r.inFlight * r.activation) / freed)
            return min(n, most)
        }
        let total = Double(table.totalLayers)
        func holds(_ T: Double) -> Bool { ranks.reduce(0) { $0 + held(T, $1) } >= total }
        var high = ranks.map { $0.extras + total * $0.mu }.max()! + ranks.map { total * $0.rho }.max()!
        guard holds(high) else { return 0 }
        var low = 0.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if holds(middle) { high = middle } else { low = middle }
        }
        return low
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
        let layers = table.virtualStages == 1 ? sameCountRecomputedLayers(table) : Double(table.chunks)
        return max(relaxed, layers * cheapest[0])
    }

    /// Under `same_count` with one layer group and one chunk per rank (k[r] = min(N, n[r])), the
    /// fewest layers any fitting split recomputes. With N fixed, rank r holds at most
    /// cap_r(N) = max(min(N, R_r/(s + f_r·c)), (R_r + N·f_r·(a − c))/(s + f_r·a)) layers (R_r its free
    /// bytes, f_r its microbatches in flight, s, a, c a layer's state, activation and checkpoint
    /// bytes); the least N with Σ cap_r(N) ≥ L is needed. Layers a rank holds beyond N are not
    /// recomputed, at most cap_r(N) − N of them, so at least L − Σ max(0, cap_r(N) − N) layers are
    /// (and one per rank); that count grows with N, so the least N gives the bound.
    static func sameCountRecomputedLayers(_ table: PipelineCostTable) -> Double {
        let total = Double(table.totalLayers), p = table.pipeline
        var rooms: [(room: Double, inFlight: Double, cost: LayerCost)] = []
        for r in 0..<p {
            let device = table.onRank(r)
            rooms.append(
                (
                    max(0, device.capacityBytes - table.extraBytes(rank: r)), table.inFlight(rank: r),
                    device.groups[0].cost
                ))
        }
        func capacity(_ n: Double, _ rank: (room: Double, inFlight: Double, cost: LayerCost)) -> Double {
            let s = rank.cost.stateBytes, a = rank.cost.activationBytes, c = rank.cost.checkpointBytes
            let f = rank.inFlight
            let allRecomputed = min(n, rank.room / (s + f * c))
            let beyond = (rank.room + n * f * max(0, a - c)) / (s + f * a)
            return max(allRecomputed, beyond)
        }
        for count in 1...table.totalLayers {
            let n = Double(count)
            guard rooms.reduce(0, { $0 + capacity(n, $1) }) >= total else { continue }
            let unrecomputed = rooms.reduce(0) { $0 + max(0, capacity(n, $1) - n) }
            return max(Double(p), total - unrecomputed)
        }
        return Double(p)
    }

    /// The continuous relaxation of `forcedRecomputeSeconds`, any count per chunk allowed.
    static func relaxedRecomputeSeconds(_ table: PipelineCostTable) -> Double {
        guard table.allowsFullRecompute, !table.groups.isEmpty else { return 0 }
        var free = 0.0, cheapest = Double.infinity
        for r in 0..<table.pipeline {
            let inFlight = table.inFlight(rank: r)
            let device = table.onRank(r)
            let room = max(0, device.capacityBytes - table.extraBytes(rank: r))
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
        return table.perRankBytes + state / Double(table.pipeline) + smallestActivation
            / Double(table.pipeline)
    }

    /// A feasible split without GLPK: layers as even as group order allows, then on each rank the
    /// fewest recomputed layers that make it fit. Its step time bounds the candidate's optimum from above.
    static func heuristicSplit(_ table: PipelineCostTable) -> StageLayout? {
        if table.fixedLayout != nil {
            return table.fixedLayoutChoices.first { table.evaluate($0).fitsMemory }
        }
        // On a pipeline over devices of different speeds, each chunk's share follows its rank's speed.
        var layout =
            table.isUniform
            ? StageLayout.uniform(groups: table.groups.map(\.count), chunks: table.chunks)
            : StageLayout.weighted(
                groups: table.groups.map(\.count),
                weights: (0..<table.chunks).map { 1 / fastestLayerSeconds(table.onRank($0 % table.pipeline)) })
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
