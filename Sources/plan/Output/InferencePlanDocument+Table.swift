import Foundation
import PlanFiles

extension InferencePlanDocument {
    /// The plan at a glance.
    func table() -> String {
        var lines: [String] = []
        let p = prediction
        lines.append(
            "\(PlanTable.shown(model.name)) on \(PlanTable.shown(cluster.name)): "
                + "\(cluster.devicesShown), serving \(workload.promptTokens) prompt + \(workload.outputTokens) "
                + "output tokens"
        )
        lines.append("")
        for replica in serving.replicas {
            lines.append(
                "replicas  \(replica.count) × (tp=\(replica.tensor) pp=\(replica.pipeline)) on "
                    + "\(PlanTable.shown(replica.gpu)), batch "
                    + "\(replica.batchSize), \(replica.precision) weights, \(serving.kvCachePrecision) KV cache"
            )
            lines.append(
                "          TTFT \(PlanTable.fmt(replica.ttftSeconds * 1000)) ms   TPOT "
                    + "\(PlanTable.fmt(replica.tpotSeconds * 1000)) ms   "
                    + "\(PlanTable.fmt(replica.outputTokensPerSecond)) tokens/s per replica   KV cache "
                    + "\(PlanTable.fmt(replica.kvCacheTokens)) tokens"
            )
        }
        lines.append(
            "cluster   \(PlanTable.fmt(p.outputTokensPerSecond)) output tokens/s "
                + "(\(PlanTable.fmt(p.outputTokensPerSecondPerDevice)) per GPU)"
        )
        let m = p.memoryPerDeviceGiB
        lines.append(
            "memory    weights \(PlanTable.fmt(m.weights)) + KV cache \(PlanTable.fmt(m.kvCache)) + activations "
                + "\(PlanTable.fmt(m.activations)) = \(PlanTable.fmt(m.total)) GiB of \(PlanTable.fmt(m.capacity)) "
                + "\(PlanTable.bar(m.total / max(m.capacity, 1e-9), width: 30))"
        )
        if let alternatives, !alternatives.isEmpty {
            lines.append("")
            lines.append("runner-ups")
            for alt in alternatives {
                let r = alt.serving.replicas[0]
                let share = (alt.prediction.outputTokensPerSecond / max(p.outputTokensPerSecond, 1e-9) - 1) * 100
                lines.append(
                    "  \(r.count) × (tp=\(r.tensor) pp=\(r.pipeline)) batch \(r.batchSize) \(r.precision): "
                        + "\(PlanTable.fmt(alt.prediction.outputTokensPerSecond)) tokens/s "
                        + "(\(String(format: "%+.1f", share))%), TTFT \(PlanTable.fmt(r.ttftSeconds * 1000)) ms, "
                        + "TPOT \(PlanTable.fmt(r.tpotSeconds * 1000)) ms"
                )
            }
        }
        lines.append("")
        lines.append(
            "solver    \(solver.name) \(solver.status): \(solver.candidates) replica options, \(solver.milpsSolved) "
                + "integer programs, \(PlanTable.fmt(solver.wallSeconds)) s"
        )
        return lines.joined(separator: "\n") + "\n"
    }
}
