import CostModel
import Foundation
import PlanFiles

/// The plan at a glance, for people: degrees, time and memory breakdowns, the stages, the runner-ups.
/// Names from files (model, cluster, GPU) and the why-not lines that quote them are shown through
/// `DisplayText.escaped`, as every table shows them, so a control character in a name stays visible.
enum PlanTable {
    static func text(_ plan: TrainingPlanDocument) -> String {
        var lines: [String] = []
        let p = plan.parallelism, pred = plan.prediction
        lines.append(
            "\(shown(plan.model.name)) (\(billions(plan.model.parameters)) parameters) on "
                + "\(shown(plan.cluster.name)): \(plan.cluster.devicesShown)"
        )
        lines.append(
            "global batch \(plan.workload.globalBatchSize) × \(plan.workload.sequenceLength) tokens, "
                + "\(plan.precision)")
        lines.append("")
        lines.append("plan      \(degrees(plan))")
        lines.append(
            "          microbatch \(plan.microbatch.size) × \(plan.microbatch.count), recompute "
                + "\(plan.recompute.granularity), ZeRO \(p.zeroStage)\(p.sequenceParallel ? ", sequence parallel" : "")"
        )
        let interval =
            pred.uncertainty.map {
                let percent = Int(($0.coverage * 100).rounded())
                return " (\(fmt($0.stepTimeSeconds[0]))–\(fmt($0.stepTimeSeconds[1])) s, \(percent)% interval)"
            } ?? ""
        lines.append(
            "step      \(fmt(pred.stepTimeSeconds)) s\(interval)   \(fmt(pred.tokensPerSecond)) tokens/s   "
                + "\(fmt(pred.tokensPerSecondPerDevice)) tokens/s/GPU   \(fmt(pred.modelTflopsPerDevice)) "
                + "TFLOP/s/GPU   MFU \(fmt(pred.mfu * 100))%"
        )
        lines.append("")
        let b = pred.breakdownSeconds
        lines.append("time (slowest stage, per step)")
        var rows = [
            ("compute", b.compute), ("tensor comm", b.tensorComm), ("pipeline comm", b.pipelineComm),
            ("bubble", b.bubble), ("data comm", b.dataComm), ("optimizer", b.optimizer),
        ]
        if let expert = b.expertComm { rows.insert(("expert comm", expert), at: 2) }
        for (name, value) in rows {
            lines.append(
                "  \(pad(name, 14)) \(pad(fmt(value) + " s", 12)) "
                    + "\(bar(value / max(pred.stepTimeSeconds, 1e-12), width: 30))"
            )
        }
        lines.append("")
        let m = pred.memoryPerDeviceGiB
        lines.append("memory (fullest device, GiB of \(fmt(m.capacity)); \(fmt(m.usable)) usable)")
        for (name, value) in [
            ("weights", m.weights), ("gradients", m.gradients), ("optimizer", m.optimizer),
            ("activations", m.activations), ("total", m.total),
        ] {
            lines.append("  \(pad(name, 14)) \(pad(fmt(value), 12)) \(bar(value / max(m.capacity, 1e-12), width: 30))")
        }
        if let reserved = m.allocatorReserved {
            lines.append(
                "  \(pad("reserved", 14)) \(pad(fmt(reserved), 12)) what PyTorch's allocator will hold at the peak "
                    + "(torch.cuda.max_memory_reserved)")
        }
        lines.append("")
        let gpuColumn = plan.stages.contains { $0.gpu != nil }
        lines.append(
            "stages    " + "index  rank  layers          recomputed  memory GiB  time/microbatch s"
                + (gpuColumn ? "  gpu" : ""))
        for stage in plan.stages.prefix(64) {
            let range = "\(stage.firstLayer)–\(stage.firstLayer + stage.layerCount - 1) (\(stage.layerCount))"
            var cells = [
                pad(String(stage.index), 7), pad(String(stage.rank), 6), pad(range, 16),
                pad(String(stage.recomputedLayers), 12), pad(fmt(stage.memoryGiB), 12), fmt(stage.timeSeconds),
            ]
            if let gpu = stage.gpu { cells[5] = pad(cells[5], 19) + shown(gpu) }
            lines.append("          " + cells.joined())
        }
        if plan.stages.count > 64 { lines.append("          … \(plan.stages.count - 64) more") }
        if let placement = plan.placement { lines += placementLines(placement, step: pred.stepTimeSeconds) }
        if let alternatives = plan.alternatives, !alternatives.isEmpty {
            lines.append("")
            lines.append("runner-ups")
            for alt in alternatives {
                let slower = (alt.prediction.stepTimeSeconds / pred.stepTimeSeconds - 1) * 100
                lines.append(
                    "  \(pad(degrees(alt), 28)) mbs \(alt.microbatch.size) \(alt.recompute.granularity) ZeRO "
                        + "\(alt.parallelism.zeroStage): \(fmt(alt.prediction.stepTimeSeconds)) s "
                        + "(+\(fmt(slower))%), \(fmt(alt.prediction.memoryPerDeviceGiB.total)) GiB"
                )
            }
        }
        if let why = plan.whyNotOthers, !why.isEmpty {
            lines.append("")
            lines.append("why not")
            for line in why { lines.append("  " + shown(line)) }
        }
        lines.append("")
        lines.append(
            "solver    \(plan.solver.name) \(plan.solver.status): \(plan.solver.candidates) candidates, "
                + "\(plan.solver.pruned) pruned by bounds, \(plan.solver.milpsSolved) MILPs, "
                + "\(fmt(plan.solver.wallSeconds)) s"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    /// Which group serves which stages, why, and the gain over one group alone.
    static func placementLines(_ placement: TrainingPlanDocument.Placement, step: Double) -> [String] {
        var lines = ["", "device groups"]
        for line in placement.why { lines.append("  " + shown(line)) }
        for alone in placement.singleGroupPlans ?? [] {
            lines.append(
                "  alone on \(shown(alone.gpu)) (\(alone.devices) GPUs, \(alone.parallelism)): "
                    + "\(fmt(alone.stepTimeSeconds)) s per step")
        }
        if let gain = placement.gainOverBestSingleGroup {
            lines.append(
                gain >= 0
                    ? "  this plan: \(fmt(step)) s, \(fmt(gain * 100))% more throughput than the best on one group"
                    : "  one group alone is faster by \(fmt(-gain * 100))%")
        }
        return lines
    }

    static func degrees(_ plan: TrainingPlanDocument) -> String {
        let p = plan.parallelism
        return ParallelConfiguration.label(
            tensor: p.tensor, pipeline: p.pipeline, data: p.data, context: p.context,
            expert: p.expert, virtualStages: p.virtualStages)
    }

    /// A name (or other text from a file) for a table: `DisplayText.escaped`.
    static func shown(_ text: String) -> String { DisplayText.escaped(text) }

    static func billions(_ value: Double) -> String { String(format: "%.1fB", value / 1e9) }

    static func fmt(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 1000 { return String(format: "%.0f", value) }
        if abs(value) >= 10 { return String(format: "%.1f", value) }
        if abs(value) >= 0.1 { return String(format: "%.2f", value) }
        return String(format: "%.3g", value)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func bar(_ fraction: Double, width: Int) -> String {
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}
