/// A pipeline whose stages run on different device groups of a mixed cluster (an H100 group and an
/// A100 group, say): each rank is costed on its own group's device, as Metis (Um et al., USENIX
/// ATC'24) and AMP (Li et al., NeurIPS'22) cost heterogeneous stages; the split MILP then reads each
/// rank's own coefficients.
extension TrainingCost {
    /// The group of each pipeline rank when the ranks sit on more than one group; nil otherwise.
    public var mixedStageGroups: [Int]? {
        guard cluster.groups.count > 1, let groups = config.stageGroups, Set(groups).count > 1 else { return nil }
        return groups
    }

    /// This step costed on group `g`'s device alone: its speed, memory, NVLink and NIC.
    public func onGroup(_ g: Int) -> TrainingCost {
        var uniform = config
        uniform.stageGroups = nil
        return TrainingCost(model: model, cluster: cluster.subcluster(group: g), config: uniform, framework: framework)
    }

    /// A pipeline send between ranks on different groups: between nodes, at the cluster's network
    /// rate (the file's `inter_node_Gbps_per_gpu`, which a mixed cluster sets to the slower NIC).
    /// Forward activation and backward gradient, as `pipelineSendSeconds`.
    var crossGroupSendSeconds: Double {
        let link = Link(bytesPerSecond: cluster.networkBytesPerSecond, latencySeconds: cluster.interNodeLatencySeconds)
        if config.virtualStages > 1 { return 2 * link.latencySeconds }
        return 2 * link.sendSeconds(bytes: tokens * h * activationValueBytes / hiddenShard)
    }

    /// Rank r's table is its group's uniform table; a rank next to a group boundary sends at the
    /// rate between groups when that is slower than its own.
    func mixedPipelineTable(_ groups: [Int]) -> PipelineCostTable {
        var perGroup: [Int: PipelineCostTable] = [:]
        for g in Set(groups) { perGroup[g] = onGroup(g).uniformPipelineTable }
        let crossing = crossGroupSendSeconds
        var ranks = groups.map { perGroup[$0]! }
        for r in ranks.indices {
            let boundary = (r > 0 && groups[r - 1] != groups[r]) || (r + 1 < groups.count && groups[r + 1] != groups[r])
            if boundary { ranks[r].sendSeconds = max(ranks[r].sendSeconds, crossing) }
        }
        var table = ranks[0]
        table.rankTables = ranks
        return table
    }

    /// Dense peak FLOP/s per device of this precision, averaged over the pipeline's ranks (every rank
    /// has the same d·t·c devices).
    var meanPeakFLOPS: Double {
        guard let groups = mixedStageGroups else { return cluster.profile.computePeakFLOPS(config.precision) }
        let peaks = groups.map { cluster.groups[$0].profile.computePeakFLOPS(config.precision) }
        return peaks.reduce(0, +) / Double(peaks.count)
    }
}
