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
        lines += loadLines()
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

    /// The simulated load and the capacity, when asked for.
    private func loadLines() -> [String] {
        var lines: [String] = []
        func ms(_ seconds: Double) -> String { PlanTable.fmt(seconds * 1000) }
        if let load = prediction.load {
            let offered =
                load.requestsPerSecond.map { "Poisson \(PlanTable.fmt($0)) requests/s" }
                ?? load.concurrency.map { "\($0) concurrent clients" } ?? load.kind
            let verdict = load.meetsTargets.map { $0 ? ", targets met at p99" : ", targets MISSED at p99" } ?? ""
            lines.append(
                "load      \(offered), \(load.requestsSimulated) requests simulated: TTFT mean "
                    + "\(ms(load.ttftSeconds.mean)) ms p99 \(ms(load.ttftSeconds.p99)) ms, TPOT mean "
                    + "\(ms(load.tpotSeconds.mean)) ms p99 \(ms(load.tpotSeconds.p99)) ms, "
                    + "\(PlanTable.fmt(load.outputTokensPerSecond)) output tokens/s\(verdict)")
        }
        if let capacity = prediction.maxRequestRate {
            let targets = [
                capacity.ttftP99TargetSeconds.map { "TTFT p99 ≤ \(ms($0)) ms" },
                capacity.tpotP99TargetSeconds.map { "TPOT p99 ≤ \(ms($0)) ms" },
            ].compactMap { $0 }.joined(separator: ", ")
            let each = zip(capacity.replicas, capacity.limitedBy).map { replica, reason in
                "\(replica.count) × \(PlanTable.fmt(replica.requestsPerSecond ?? 0)) requests/s (tp=\(replica.tensor) "
                    + "pp=\(replica.pipeline), limited by \(reason))"
            }.joined(separator: " + ")
            lines.append(
                "capacity  \(PlanTable.fmt(capacity.requestsPerSecond)) requests/s of this mix within \(targets): "
                    + each)
            if let d = capacity.disaggregated {
                let verdict =
                    capacity.best == "disaggregated" ? "better: best = disaggregated" : "not better, colocated kept"
                lines.append(
                    "          disaggregated: \(d.prefill.count) × prefill tp=\(d.prefill.tensor) + "
                        + "\(d.decode.count) × decode tp=\(d.decode.tensor) (batch \(d.decode.batch ?? 0)), "
                        + "KV handover \(ms(d.kvTransferSeconds)) ms: "
                        + "\(PlanTable.fmt(d.requestsPerSecond)) requests/s "
                        + "(\(String(format: "%+.1f", d.gainOverColocated * 100))% over colocated on the same "
                        + "\(PlanTable.shown(d.prefill.gpu)) devices, \(verdict))")
            } else {
                lines.append("          disaggregated: no prefill/decode split (pipeline 1) fits and meets the targets")
            }
        }
        return lines
    }
}
