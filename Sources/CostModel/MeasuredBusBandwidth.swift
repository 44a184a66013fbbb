import Foundation

/// Bus bandwidth that a cluster's own collective benchmark (nccl-tests or the like) measured over
/// whole nodes, by node count: what the network really delivers, where the NIC line rate only bounds it.
///
/// Why a table and not a formula: on real fabrics the achieved bandwidth falls with the number of nodes
/// a collective spans (switch tiers, congestion, the transport's per-hop cost), and the fall differs by
/// cluster and by collective. The Ultra-Scale Playbook's cluster (AWS p5, EFA) measured all-reduce at
/// 362 GB/s on 2 nodes and 33 GB/s on 64, and all-gather at 185 and 11 GB/s (256 MB messages); a ring
/// over 8 NICs of 50 GB/s predicts 400 GB/s at every size. Values are nccl-tests' `busbw`
/// (NVIDIA/nccl-tests doc/PERFORMANCE.md): algorithm bandwidth × 2(n−1)/n for all-reduce and × (n−1)/n
/// for all-gather and reduce-scatter, which is the `B` of `Link`'s ring formulas.
public struct MeasuredBusBandwidth: Sendable, Hashable, Codable {
    /// Node count → measured bus bandwidth, GB/s, one direction per GPU, with every GPU of each node in
    /// the collective.
    public var allReduceGBps: [Int: Double]
    /// All-gather and reduce-scatter (one ring algorithm; nccl-tests measures them within a few percent).
    public var gatherGBps: [Int: Double]

    public init(allReduceGBps: [Int: Double], gatherGBps: [Int: Double]) {
        self.allReduceGBps = allReduceGBps
        self.gatherGBps = gatherGBps
    }

    /// Bytes/s per GPU of a ring all-reduce (`allReduce`) or gather that spans `nodes` nodes: the
    /// table's bandwidth at that node count. A group with fewer members per node than the table's is
    /// not scaled down: in a training step the other groups of its nodes (tensor, pipeline ranks) run the
    /// same collective at once, so every GPU drives its NIC as in the measurement; the NIC bound of
    /// `ClusterDescription.link` still caps it. Between measured node counts it interpolates linearly in
    /// log(nodes) and log(bandwidth); outside them it keeps the nearest measurement (beyond the largest
    /// this is optimistic, since bandwidth falls with nodes). nil when the table has no entries for the
    /// collective or the group stays in one node.
    public func bytesPerSecond(allReduce: Bool, nodes: Int) -> Double? {
        guard nodes > 1, let interpolated = Self.interpolate(allReduce ? allReduceGBps : gatherGBps, at: nodes)
        else { return nil }
        return interpolated * 1e9
    }

    /// Log-log interpolation of `table` at `nodes`, clamped to its ends; nil for an empty table.
    static func interpolate(_ table: [Int: Double], at nodes: Int) -> Double? {
        let points = table.filter { $0.key > 1 }.sorted { $0.key < $1.key }
        guard let first = points.first, let last = points.last else { return nil }
        if let measured = table[nodes] { return measured }
        if nodes <= first.key { return first.value }
        if nodes >= last.key { return last.value }
        let upper = points.firstIndex { $0.key >= nodes }!
        let (n0, b0) = points[upper - 1], (n1, b1) = points[upper]
        let fraction = log(Double(nodes) / Double(n0)) / log(Double(n1) / Double(n0))
        return exp(log(b0) + fraction * log(b1 / b0))
    }
}
