import CostModel

/// Exhaustive search over every split and every recompute count, for small instances: the reference
/// the MILP must equal. Exponential; meant for tests (up to about 12 layers and 4 chunks).
package enum BruteForceSplit {
    /// The best feasible split by `PipelineCostTable.evaluate`, or nil when none fits memory.
    package static func best(_ table: PipelineCostTable) -> (layout: StageLayout, schedule: PipelineSchedule)? {
        var best: (StageLayout, PipelineSchedule)?
        let order = table.groups.flatMap { group in
            Array(repeating: table.groups.firstIndex(of: group)!, count: group.count)
        }
        let total = order.count
        // Every composition of the layer sequence into `chunks` non-empty contiguous parts.
        func compositions(_ remaining: Int, _ parts: Int) -> [[Int]] {
            if parts == 1 { return remaining >= 1 ? [[remaining]] : [] }
            guard remaining >= parts else { return [] }
            return (1...(remaining - parts + 1)).flatMap { first in
                compositions(remaining - first, parts - 1).map { [first] + $0 }
            }
        }
        for sizes in compositions(total, table.chunks) {
            var layers: [[Int]] = [], start = 0
            for size in sizes {
                var counts = Array(repeating: 0, count: table.groups.count)
                for index in start..<(start + size) { counts[order[index]] += 1 }
                layers.append(counts)
                start += size
            }
            for recomputed in recomputeChoices(layers, allowed: table.allowsFullRecompute)
            where launchable(recomputed, layers: layers, table: table) {
                let layout = StageLayout(layers: layers, recomputed: recomputed)
                let schedule = table.evaluate(layout)
                guard schedule.fitsMemory else { continue }
                if best == nil || schedule.stepSeconds < best!.1.stepSeconds { best = (layout, schedule) }
            }
        }
        return best
    }

    /// The MILP's row (13): counts the framework's launch expresses; `same_count` is exact with one group
    /// and one chunk per rank, and every layer or none otherwise (LayerSplitProgram+Launchable.swift).
    private static func launchable(_ recomputed: [[Int]], layers: [[Int]], table: PipelineCostTable) -> Bool {
        guard table.allowsFullRecompute, table.recomputeLayers != .any else { return true }
        if table.recomputeLayers == .sameCount && table.groups.count == 1 && table.virtualStages == 1 {
            return table.recomputeLayers.admits(held: layers.map { $0[0] }, recomputed: recomputed.map { $0[0] })
        }
        if table.recomputeLayers == .sameCount && table.groups.count == 1 {
            // Interleaved: N in every chunk (N at most every chunk's size), or every layer.
            let n = recomputed[0][0]
            return recomputed == layers || zip(recomputed, layers).allSatisfy { $0[0] == n && n <= $1[0] }
        }
        return recomputed == layers || recomputed.allSatisfy { $0.allSatisfy { $0 == 0 } }
    }

    private static func recomputeChoices(_ layers: [[Int]], allowed: Bool) -> [[[Int]]] {
        guard allowed else { return [layers.map { $0.map { _ in 0 } }] }
        var results: [[[Int]]] = [[]]
        for chunk in layers {
            var perChunk: [[Int]] = [[]]
            for count in chunk { perChunk = perChunk.flatMap { prefix in (0...count).map { prefix + [$0] } } }
            results = results.flatMap { prefix in perChunk.map { prefix + [$0] } }
        }
        return results
    }
}
