import CostModel

/// Where a pipeline's stages sit on a cluster of several device groups: the groups it uses, in
/// pipeline order. Every stage is d·t·c devices of one group and every device of a used group
/// serves, so group g holds devices_g / (d·t·c) consecutive stages; a group left out is idle.
///
/// Stages of one group are contiguous (one boundary between groups, where activations cross the
/// slower link), as the heterogeneous planners Metis (Um et al., USENIX ATC'24) and AMP (Li et al.,
/// NeurIPS'22) place them; the split MILP then gives each stage its layers and recompute from its
/// own device's costs.
public struct StagePlacement: Sendable, Hashable {
    /// Group indices into `ClusterDescription.groups`, first stage's group first.
    public var order: [Int]

    /// Every placement: each group alone, then (when `mixed`) every ordered choice of two or more
    /// groups, fewest groups first, in lexicographic order.
    public static func orders(of cluster: ClusterDescription, mixed: Bool) -> [StagePlacement] {
        let indices = Array(cluster.groups.indices)
        var orders = indices.map { [$0] }
        if mixed {
            func extend(_ prefix: [Int]) -> [[Int]] {
                indices.filter { !prefix.contains($0) }.flatMap { g in [prefix + [g]] + extend(prefix + [g]) }
            }
            let longer = indices.flatMap { extend([$0]) }
            orders += longer.sorted { $0.count != $1.count ? $0.count < $1.count : $0.lexicographicallyPrecedes($1) }
        }
        return orders.map(StagePlacement.init(order:))
    }

    /// The cluster the degrees are enumerated on: the used groups, with the narrowest NVLink domain
    /// and link of them (tensor parallelism must fit every stage's node).
    public func cluster(of cluster: ClusterDescription) -> ClusterDescription {
        guard order.count > 1 else { return cluster.subcluster(group: order[0]) }
        let parts = order.map { cluster.subcluster(group: $0) }
        return ClusterDescription(
            name: cluster.name, groups: order.map { cluster.groups[$0] },
            intraNodeGBps: parts.map(\.intraNodeGBps).min(), nvlinkDomainGPUs: parts.map(\.nvlinkDomainGPUs).min(),
            interNodeGbpsPerGPU: cluster.interNodeGbpsPerGPU, interNodeLatencySeconds: cluster.interNodeLatencySeconds,
            intraNodeLatencySeconds: cluster.intraNodeLatencySeconds, usdPerGPUHour: cluster.usdPerGPUHour)
    }

    /// The group of each stage when stages of `stageDevices` devices tile every used group; nil when
    /// one does not divide a group's devices.
    public func stageGroups(stageDevices: Int, in cluster: ClusterDescription) -> [Int]? {
        guard order.allSatisfy({ cluster.groups[$0].devices % stageDevices == 0 }) else { return nil }
        return order.flatMap { Array(repeating: $0, count: cluster.groups[$0].devices / stageDevices) }
    }
}
