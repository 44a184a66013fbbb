/// The time and memory of a split, under 1F1B or the interleaved schedule (Narayanan et al. 2021).
public struct PipelineSchedule: Sendable, Hashable {
    /// Per chunk, time of one microbatch through it (forward, backward, recompute, sends).
    public var chunkSeconds: [Double]
    /// Per pipeline rank, the sum over its chunks (τ_r).
    public var rankSeconds: [Double]
    /// Per rank, bytes of state and in-flight activations.
    public var rankBytes: [Double]
    /// Per rank, exposed data-parallel sync plus optimizer time after the last microbatch.
    public var rankTailSeconds: [Double]
    /// Per rank, the memory its device may fill.
    public var rankCapacityBytes: [Double]
    /// The pipeline phase: (m − 1/v)·max τ_r + Σ τ_r / v. For v = 1 this is Σ stages + (m − 1)·slowest.
    public var pipelineSeconds: Double
    /// The slowest rank's tail: max_r of opt_r + max(0, reduce_r − backward_r) + max(0, gather_r − forward_r),
    /// backward and forward of one microbatch on r, each where the framework overlaps (`tailSeconds`).
    public var tailSeconds: Double
    public var stepSeconds: Double { pipelineSeconds + tailSeconds }
    public var peakBytes: Double { rankBytes.max() ?? 0 }
    /// Whether every rank fits its device's memory.
    public var fitsMemory: Bool { rankBytes.indices.allSatisfy { rankBytes[$0] <= rankCapacityBytes[$0] } }
    /// The rank nearest its capacity: the fullest in bytes on a uniform pipeline.
    public var fullestRank: Int {
        if Set(rankCapacityBytes).count <= 1 { return rankBytes.indices.max { rankBytes[$0] < rankBytes[$1] } ?? 0 }
        return rankBytes.indices.max { rankBytes[$0] / rankCapacityBytes[$0] < rankBytes[$1] / rankCapacityBytes[$1] }
            ?? 0
    }
}

extension PipelineCostTable {
    /// Time of one microbatch through chunk `c` holding `layers` (per group), `recomputed` of them in full.
    public func chunkSeconds(_ c: Int, layers: [Int], recomputed: [Int]) -> Double {
        let device = onRank(c % pipeline)
        var seconds = 0.0
        for (g, group) in device.groups.enumerated() {
            seconds += Double(layers[g]) * group.microbatchSeconds + Double(recomputed[g]) * group.recomputeSeconds
        }
        if c == 0 { seconds += device.firstChunkSeconds }
        if c == chunks - 1 { seconds += device.lastChunkSeconds }
        if chunks > 1 { seconds += device.sendSeconds }
        return seconds
    }

    /// Per pipeline rank, what its chunks add up to: time per microbatch, state and activation
    /// bytes (activations of one microbatch), backward, sync and optimizer seconds.
    struct RankTotals {
        var times, stateBytes, activationBytes, forward, backward, sync, gather, optimizer: [Double]
    }

    func rankTotals(_ layout: StageLayout, chunkTimes: [Double]) -> RankTotals {
        let zeros = Array(repeating: 0.0, count: pipeline)
        var t = RankTotals(
            times: zeros,
            stateBytes: (0..<pipeline).map { onRank($0).perRankBytes },
            activationBytes: zeros,
            forward: zeros, backward: zeros, sync: zeros, gather: zeros, optimizer: zeros)
        for c in 0..<chunks {
            let r = c % pipeline
            let device = onRank(r)
            t.times[r] += chunkTimes[c]
            for (g, group) in device.groups.enumerated() {
                let n = Double(layout.layers[c][g]), k = Double(layout.recomputed[c][g])
                t.stateBytes[r] += n * group.cost.stateBytes
                t.activationBytes[r] += (n - k) * group.cost.activationBytes + k * group.cost.checkpointBytes
                t.forward[r] += n * (group.cost.forwardComputeSeconds + group.cost.forwardCommSeconds)
                t.backward[r] += n * (group.cost.backwardComputeSeconds + group.cost.backwardCommSeconds)
                t.sync[r] += n * group.cost.gradientSyncSeconds
                t.gather[r] += n * group.cost.parameterGatherSeconds
                t.optimizer[r] += n * group.cost.optimizerSeconds
            }
            if c == 0 {
                t.stateBytes[r] += device.firstChunkStateBytes
                t.forward[r] += device.firstChunkForwardSeconds
                t.backward[r] += device.firstChunkBackwardSeconds
                t.sync[r] += device.firstChunkSyncSeconds
                t.gather[r] += device.firstChunkGatherSeconds
                t.optimizer[r] += device.firstChunkOptimizerSeconds
            }
            if c == chunks - 1 {
                t.stateBytes[r] += device.lastChunkStateBytes + device.lastChunkActivationBytes
                t.forward[r] += device.lastChunkForwardSeconds
                t.backward[r] += device.lastChunkBackwardSeconds
                t.sync[r] += device.lastChunkSyncSeconds
                t.gather[r] += device.lastChunkGatherSeconds
                t.optimizer[r] += device.lastChunkOptimizerSeconds
            }
        }
        return t
    }

    /// Per pipeline rank, its state bytes (weights, gradients, optimizer state, buffers, logits) and
    /// activation bytes under `layout` (those in flight, plus the once-per-rank part: a layer rebuilt
    /// under full recompute, less the layers offloaded to the host): the two parts of
    /// `PipelineSchedule.rankBytes`.
    public func rankMemory(_ layout: StageLayout) -> [(stateBytes: Double, activationBytes: Double)] {
        let t = rankTotals(layout, chunkTimes: Array(repeating: 0, count: chunks))
        return (0..<pipeline).map { r in
            let once = onRank(r).onceActivationBytesPerRank
            return (t.stateBytes[r] - once, inFlight(rank: r) * t.activationBytes[r] + once)
        }
    }

    /// A rank's time after its last microbatch: the optimizer, the gradient reduction less what hides
    /// behind the last microbatch's backward (where the framework overlaps it), and the weight all-gather
    /// less what hides behind the next step's first forward (where it overlaps that):
    /// opt + max(0, reduce − backward) + max(0, gather − forward).
    public func tailSeconds(
        optimizer: Double, reduce: Double, gather: Double, backward: Double, forward: Double
    ) -> Double {
        optimizer + max(0, reduce - (syncOverlapsBackward ? backward : 0))
            + max(0, gather - (gatherOverlapsForward ? forward : 0))
    }

    /// Evaluates a split: per-chunk and per-rank times, memory per rank, step time.
    public func evaluate(_ layout: StageLayout) -> PipelineSchedule {
        precondition(layout.chunks == chunks, "layout has \(layout.chunks) chunks, table \(chunks)")
        let chunkTimes = (0..<chunks).map {
            chunkSeconds($0, layers: layout.layers[$0], recomputed: layout.recomputed[$0])
        }
        let totals = rankTotals(layout, chunkTimes: chunkTimes)
        let rankTimes = totals.times, stateBytes = totals.stateBytes, activation = totals.activationBytes
        let backward = totals.backward, sync = totals.sync, optimizer = totals.optimizer
        let bytes = (0..<pipeline).map { stateBytes[$0] + inFlight(rank: $0) * activation[$0] }
        let tails = (0..<pipeline).map { r in
            tailSeconds(
                optimizer: optimizer[r], reduce: sync[r] - totals.gather[r], gather: totals.gather[r],
                backward: backward[r], forward: totals.forward[r])
        }
        let capacities = (0..<pipeline).map(capacityBytes(rank:))
        let v = Double(virtualStages), m = Double(microbatches)
        let slowest = rankTimes.max() ?? 0
        let pipelineTime = (m - 1 / v) * slowest + rankTimes.reduce(0, +) / v
        return PipelineSchedule(
            chunkSeconds: chunkTimes, rankSeconds: rankTimes, rankBytes: bytes,
            rankTailSeconds: tails, rankCapacityBytes: capacities, pipelineSeconds: pipelineTime,
            tailSeconds: tails.max() ?? 0)
    }
}
