/// Time a pipeline rank loses per microbatch when its stages sit on different nodes, beyond moving the
/// activations, on one cluster with one framework, by the job's node count.
///
/// Why a table and not a formula: on the Ultra-Scale Playbook's grid (nanotron on AWS p5 with EFA,
/// validation/PLAYBOOK-GRID.md, "Pipelines across nodes") pipelined configurations ran slower than their
/// compute and transfers by a time that grows with the job's node count (the median over rows about
/// 14 ms per pipeline slot on 2 nodes, 0.3 s on 32, 1 s on 64, where it is linear in the slots with R²
/// 0.98–0.99 for both models), while unpipelined configurations of the same nodes show none. Below 64
/// nodes it is a growing share of rows that stall by 0.3–2 s per slot rather than every row paying a
/// little. The activations are 17–50 MB per microbatch, milliseconds at the measured bandwidth, so the
/// time is not the transfer; nanotron hands a microbatch on in three blocking exchanges with host
/// synchronisations (src/nanotron/parallel/pipeline_parallel/p2p.py), but what makes them grow with the
/// node count is not identified. The table carries the fit, for the framework it was fitted with only,
/// so plans on that cluster avoid many microbatches through cross-node pipelines; it says nothing about
/// other clusters or frameworks.
public struct PipelineHandoff: Sendable, Hashable, Codable {
    /// The framework (`Framework.name`) whose runs the table came from; other frameworks do not pay it.
    public var framework: String
    /// Job node count → seconds per chunk handoff per pipeline rank and microbatch (forward and backward
    /// together).
    public var secondsByNodes: [Int: Double]

    public init(framework: String, secondsByNodes: [Int: Double]) {
        self.framework = framework
        self.secondsByNodes = secondsByNodes
    }

    /// The table's seconds at `nodes`: log-log interpolation between node counts, the nearest value outside
    /// them (`MeasuredBusBandwidth.interpolate`); 0 on one node or an empty table.
    public func seconds(nodes: Int) -> Double {
        guard nodes > 1 else { return 0 }
        return MeasuredBusBandwidth.interpolate(secondsByNodes, at: nodes) ?? 0
    }
}
