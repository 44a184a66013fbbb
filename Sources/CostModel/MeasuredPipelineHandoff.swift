/// Time a pipeline rank loses per microbatch when its stages sit on different nodes, beyond moving the
/// activations, as one cluster measured it with one framework, by the job's node count.
///
/// Why a table and not a formula: on the Ultra-Scale Playbook's grid (nanotron on AWS p5 with EFA,
/// validation/PLAYBOOK-GRID.md) pipelined configurations ran slower than their compute and transfers by a
/// time that is linear in the number of pipeline slots (m + p − 1; R² 0.98 at 64 nodes), the same for the 1B
/// and the 3B model, and that grows with the job's node count (about 14 ms per slot on 2 nodes, 1 s on
/// 64), while unpipelined configurations of the same nodes show none. The activations are 17–50 MB per
/// microbatch, milliseconds at the measured bandwidth, so the time is not the transfer; nanotron's
/// handoff is three blocking exchanges with host synchronisations (shape, stride, data:
/// src/nanotron/parallel/pipeline_parallel/p2p.py), but what makes them grow with the node count is not
/// identified. The table carries what was measured, so plans on that cluster avoid many microbatches
/// through cross-node pipelines, and it says nothing about other clusters.
public struct MeasuredPipelineHandoff: Sendable, Hashable, Codable {
    /// Job node count → seconds per microbatch per pipeline rank (forward and backward handoff together).
    public var secondsByNodes: [Int: Double]

    public init(secondsByNodes: [Int: Double]) { self.secondsByNodes = secondsByNodes }

    /// The table's seconds at `nodes`: log-log interpolation between measured node counts, the nearest
    /// measurement outside them (`MeasuredBusBandwidth.interpolate`); 0 on one node or an empty table.
    public func seconds(nodes: Int) -> Double {
        guard nodes > 1 else { return 0 }
        return MeasuredBusBandwidth.interpolate(secondsByNodes, at: nodes) ?? 0
    }
}
