import CostModel
import Foundation
import PlanFiles
import Planner

/// The plan as a picture (`plan train|evaluate --format svg`): one step drawn as a timeline per
/// pipeline rank — forwards, backwards with their recompute, idle time (the bubble), then the
/// exposed data-parallel sync and the optimizer — to scale, with the repeated middle of a long
/// schedule folded; beside it each rank's memory (state and in-flight activations) against the
/// usable limit. Times come from the cost model's own per-layer forward and backward times
/// (`LayerCost`), scaled per chunk to the chunk time the prediction uses, so the picture's step is
/// the predicted step.
struct PlanPicture {
    var document: TrainingPlanDocument
    var plan: TrainingPlan
    var table: PipelineCostTable

    init(
        document: TrainingPlanDocument, plan: TrainingPlan, model: ModelDescription, cluster: ClusterDescription,
        framework: Framework
    ) {
        self.document = document
        self.plan = plan
        table = TrainingCost(model: model, cluster: cluster, config: plan.config, framework: framework).pipelineTable
    }

    static let width = 1100.0, timelineLeft = 70.0, timelineWidth = 700.0, memoryLeft = 830.0, memoryWidth = 220.0
    static let top = 104.0, foldWidth = 36.0
    static let timelineTitle = "one training step, per pipeline rank (time →)"
    static let colors = (
        forward: "#4c78a8", backward: "#f58518", recompute: "#b9461b", tail: "#54a24b", idle: "#e9e9e9",
        state: "#6b6ecf", activations: "#b5cf6b"
    )

    /// Forward, backward and recompute seconds per chunk and microbatch, scaled so each chunk's sum
    /// is `PipelineSchedule.chunkSeconds` (which also holds the sends and selective recompute).
    func chunkPasses() -> (forward: [Double], backward: [Double], recompute: [Double]) {
        let layout = plan.estimate.layout, chunkTimes = plan.estimate.schedule.chunkSeconds
        var f: [Double] = [], b: [Double] = [], r: [Double] = []
        for c in 0..<table.chunks {
            var forward = 0.0, backward = 0.0, recompute = 0.0
            for (g, group) in table.groups.enumerated() {
                let n = Double(layout.layers[c][g]), k = Double(layout.recomputed[c][g])
                forward += n * (group.cost.forwardComputeSeconds + group.cost.forwardCommSeconds)
                backward += n * (group.cost.backwardComputeSeconds + group.cost.backwardCommSeconds)
                recompute += k * group.recomputeSeconds
            }
            if c == 0 {
                forward += table.firstChunkSeconds - table.firstChunkBackwardSeconds
                backward += table.firstChunkBackwardSeconds
            }
            if c == table.chunks - 1 {
                forward += table.lastChunkSeconds - table.lastChunkBackwardSeconds
                backward += table.lastChunkBackwardSeconds
            }
            let scale = chunkTimes[c] / max(forward + backward + recompute, 1e-30)
            f.append(forward * scale)
            b.append(backward * scale)
            r.append(recompute * scale)
        }
        return (f, b, r)
    }

    func render() -> String {
        let passes = chunkPasses()
        let p = table.pipeline
        let timeline = PipelineTimeline(
            forward: passes.forward, backward: passes.backward, recompute: passes.recompute, pipeline: p,
            microbatches: table.microbatches)
        let schedule = plan.estimate.schedule
        let tails = schedule.rankTailSeconds
        let end = timeline.makespan + (tails.max() ?? 0)
        let rowHeight = max(6, min(28, 420 / Double(p)))
        let height = Self.top + Double(p) * rowHeight + 110
        // The repeated middle of a long schedule is folded: rank 0's events after its first eight
        // steady ones up to its last eight.
        let rank0 = timeline.events.filter { $0.rank == 0 }.sorted { $0.start < $1.start }
        var fold: (from: Double, to: Double)?
        let leading = rank0.prefix { $0.pass == .forward }.count
        if rank0.count - 2 * leading > 48 {
            let from = rank0[leading + 16].start, to = rank0[rank0.count - leading - 16].start
            if to - from > 0.2 * end { fold = (from, to) }
        }
        let shown = end - (fold.map { $0.to - $0.from } ?? 0)
        let scale = (Self.timelineWidth - (fold == nil ? 0 : Self.foldWidth)) / max(shown, 1e-30)
        func x(_ t: Double) -> Double {
            guard let fold else { return Self.timelineLeft + t * scale }
            if t <= fold.from { return Self.timelineLeft + t * scale }
            if t >= fold.to { return Self.timelineLeft + (t - (fold.to - fold.from)) * scale + Self.foldWidth }
            return Self.timelineLeft + fold.from * scale + Self.foldWidth * (t - fold.from) / (fold.to - fold.from)
        }
        func y(_ rank: Int) -> Double { Self.top + Double(rank) * rowHeight }
        var svg = header(height: height, simulated: timeline.makespan + (tails.max() ?? 0))
        // Rows: idle background, then passes, then the tail.
        for rank in 0..<p {
            svg += rect(Self.timelineLeft, y(rank) + 1, x(end) - Self.timelineLeft, rowHeight - 2, Self.colors.idle)
            if rowHeight >= 10 {
                svg += text("rank \(rank)", Self.timelineLeft - 6, y(rank) + rowHeight / 2 + 4, anchor: "end", size: 11)
            }
        }
        for event in Self.merged(timeline.events) {
            var start = event.start, stop = event.end
            if let fold {
                if start >= fold.from && stop <= fold.to { continue }
                if start < fold.from && stop > fold.from { stop = min(stop, fold.from) }
                if start < fold.to && stop > fold.to { start = max(start, fold.to) }
            }
            let left = x(start), w = max(x(stop) - left, 0.5)
            let top = y(event.rank) + 2, h = rowHeight - 4
            if event.pass == .forward {
                svg += rect(left, top, w, h, Self.colors.forward)
            } else {
                let recompute = min(event.recomputeSeconds * scale, w)
                if recompute > 0.3 { svg += rect(left, top, recompute, h, Self.colors.recompute) }
                svg += rect(left + recompute, top, w - recompute, h, Self.colors.backward)
            }
            let label = event.label
            if rowHeight >= 14 && SVG.width(label, size: 9) + 4 < w {
                svg += text(label, left + w / 2, top + h / 2 + 3, anchor: "middle", size: 9, fill: "white")
            }
        }
        for rank in 0..<p where tails[rank] > 0 {
            svg += rect(
                x(timeline.makespan), y(rank) + 2, max(x(timeline.makespan + tails[rank]) - x(timeline.makespan), 0.5),
                rowHeight - 4, Self.colors.tail)
        }
        if let fold {
            let left = x(fold.from)
            svg += rect(left, Self.top - 4, Self.foldWidth, Double(p) * rowHeight + 8, "white")
            svg +=
                "<path d=\"M\(f(left + 8)) \(f(Self.top - 4)) l 10 \(f(Double(p) * rowHeight / 2 + 4)) l -10 "
                + "\(f(Double(p) * rowHeight / 2 + 4))\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"3 2\"/>\n"
            let hidden = rank0.filter { $0.start >= fold.from && $0.end <= fold.to }.count
            svg += text(
                "\(hidden) passes, \(PlanTable.fmt(fold.to - fold.from)) s folded", left + Self.foldWidth / 2,
                Self.top - 8, anchor: "middle", size: 10, fill: "#555")
        }
        svg += timeAxis(end: end, x: x, fold: fold, bottom: y(p) + 4)
        svg += memoryPanel(rowHeight: rowHeight, y: y)
        svg += legend(y: y(p) + 48)
        return svg + "</svg>\n"
    }

    /// What one rectangle draws: a pass of one or more microbatches back to back on a rank (drawn
    /// apart, 768 passes of a 405B interleaved schedule are hairlines).
    struct Block {
        var rank: Int, pass: PipelineTimeline.Pass, start: Double, end: Double, recomputeSeconds: Double
        var first: Int, count: Int
        var label: String { count == 1 ? String(first + 1) : "×\(count)" }
    }

    /// `events` with runs of the same pass on a rank, each starting where the last ended, joined.
    /// A joined backward keeps only its first recompute drawn, so recompute is drawn only unjoined.
    static func merged(_ events: [PipelineTimeline.Event]) -> [Block] {
        var blocks: [Block] = []
        for event in events.sorted(by: { ($0.rank, $0.start) < ($1.rank, $1.start) }) {
            if var last = blocks.last, last.rank == event.rank, last.pass == event.pass,
                abs(last.end - event.start) < 1e-9 * max(event.end, 1), event.recomputeSeconds == 0
            {
                last.end = event.end
                last.count += 1
                blocks[blocks.count - 1] = last
            } else {
                blocks.append(
                    Block(
                        rank: event.rank, pass: event.pass, start: event.start, end: event.end,
                        recomputeSeconds: event.recomputeSeconds, first: event.microbatch, count: 1))
            }
        }
        return blocks
    }

    private func header(height: Double, simulated: Double) -> String {
        let d = document, p = d.parallelism
        let title = "\(d.model.name) on \(d.cluster.name): \(d.cluster.devicesShown)"
        var degrees = "tp=\(p.tensor) pp=\(p.pipeline) dp=\(p.data)"
        if p.context > 1 { degrees += " cp=\(p.context)" }
        if p.expert > 1 { degrees += " ep=\(p.expert)" }
        if p.virtualStages > 1 { degrees += " vpp=\(p.virtualStages)" }
        let subtitle =
            "\(degrees), microbatch \(d.microbatch.size) × \(d.microbatch.count), recompute "
            + "\(d.recompute.granularity.rawValue), ZeRO \(p.zeroStage.rawValue), \(d.precision.rawValue); "
            + "global batch "
            + "\(d.workload.globalBatchSize) × \(d.workload.sequenceLength) tokens; step "
            + "\(PlanTable.fmt(d.prediction.stepTimeSeconds)) s"
            + (d.prediction.uncertainty.map {
                " (\(PlanTable.fmt($0.stepTimeSeconds[0]))–\(PlanTable.fmt($0.stepTimeSeconds[1])) s, "
                    + "\(Int(($0.coverage * 100).rounded()))%)"
            } ?? "")
        // The prediction's pipeline time is a closed form exact for even chunks (PipelineCostTable
        // evaluate); the drawing is the schedule simulated pass by pass, which uneven chunks (a heavy
        // output layer) lengthen. Say so when they differ.
        let predicted = d.prediction.stepTimeSeconds
        let note =
            abs(simulated / predicted - 1) > 0.01
            ? "drawn as simulated pass by pass: \(PlanTable.fmt(simulated)) s (the prediction's closed form "
                + "assumes even chunks)" : ""
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(Self.width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            \(text(title, 20, 28, size: 16, weight: "bold"))\
            \(text(subtitle, 20, 48, size: 12))\
            \(text(note, 20, 64, size: 11, fill: "#b9461b"))\
            \(text(Self.timelineTitle, Self.timelineLeft, Self.top - 24, size: 11, fill: "#555"))\
            \(text("memory per GPU, GiB", Self.memoryLeft, Self.top - 24, size: 11, fill: "#555"))

            """
    }

    /// Ticks at 1-2-5 steps of seconds under the timeline (those that fall in the folded band skipped).
    private func timeAxis(
        end: Double, x: (Double) -> Double, fold: (from: Double, to: Double)?, bottom: Double
    ) -> String {
        var svg =
            SVG.line(Self.timelineLeft, bottom, x(end), bottom)
        var lastRight = -Double.infinity
        let segments: [(Double, Double)] = fold.map { [(0.0, $0.from), ($0.to, end)] } ?? [(0, end)]
        let ticks = segments.flatMap { segment -> [Double] in
            Ticks.linear(
                from: segment.0, to: segment.1, count: max(3, Int(8 * (segment.1 - segment.0) / max(end, 1e-30)))
            )
            .filter { $0 >= segment.0 && $0 <= segment.1 }
        }
        for tick in ticks {
            let label = Ticks.label(tick) + (tick == 0 ? " s" : "")
            let position = x(tick), half = SVG.width(label, size: 10) / 2
            guard position - half > lastRight + 4 else { continue }
            lastRight = position + half
            svg +=
                SVG.line(position, bottom, position, bottom + 4)
            svg += text(label, position, bottom + 16, anchor: "middle", size: 10)
        }
        return svg
    }

    /// Per rank: state and in-flight activations against the usable memory and the capacity.
    private func memoryPanel(rowHeight: Double, y: (Int) -> Double) -> String {
        let memory = table.rankMemory(plan.estimate.layout)
        let gib = 1_073_741_824.0
        let usable = plan.estimate.capacityBytes / gib, capacity = document.prediction.memoryPerDeviceGiB.capacity
        let top = max(capacity, (memory.map { ($0.stateBytes + $0.activationBytes) / gib }.max() ?? 0))
        let scale = Self.memoryWidth / max(top, 1e-9)
        var svg = ""
        for (rank, m) in memory.enumerated() {
            let state = m.stateBytes / gib * scale, acts = m.activationBytes / gib * scale
            svg += rect(Self.memoryLeft, y(rank) + 2, state, rowHeight - 4, Self.colors.state)
            svg += rect(Self.memoryLeft + state, y(rank) + 2, acts, rowHeight - 4, Self.colors.activations)
        }
        let bottom = y(table.pipeline) + 4
        let limit = Self.memoryLeft + usable * scale
        svg +=
            SVG.line(limit, Self.top - 4, limit, bottom, stroke: "#d62728", dash: "4 3")
        svg += text("usable \(PlanTable.fmt(usable))", limit, Self.top - 8, anchor: "end", size: 10, fill: "#d62728")
        svg +=
            SVG.line(Self.memoryLeft, bottom, Self.memoryLeft + capacity * scale, bottom)
        var lastRight = -Double.infinity
        for tick in Ticks.linear(from: 0, to: capacity, count: 4) where tick <= capacity {
            let position = Self.memoryLeft + tick * scale, label = Ticks.label(tick)
            guard position - SVG.width(label, size: 10) / 2 > lastRight + 4 else { continue }
            lastRight = position + SVG.width(label, size: 10) / 2
            svg += text(label, position, bottom + 16, anchor: "middle", size: 10)
        }
        return svg
    }

    private func legend(y: Double) -> String {
        let b = document.prediction.breakdownSeconds
        let items = [
            ("forward", Self.colors.forward), ("backward", Self.colors.backward), ("recompute", Self.colors.recompute),
            ("idle (bubble)", Self.colors.idle), ("exposed data-parallel sync + optimizer", Self.colors.tail),
            ("state (weights, gradients, optimizer)", Self.colors.state),
            ("activations in flight", Self.colors.activations),
        ]
        var svg = "", left = 20.0, row = y
        for (name, color) in items {
            let w = SVG.width(name, size: 11) + 24
            if left + w > Self.width - 20 { left = 20; row += 18 }
            svg += rect(left, row - 10, 12, 12, color) + text(name, left + 16, row, size: 11)
            left += w + 12
        }
        let first =
            "per step on the slowest stage: compute \(PlanTable.fmt(b.compute)) s; exposed tensor comm "
            + "\(PlanTable.fmt(b.tensorComm)) s and pipeline comm \(PlanTable.fmt(b.pipelineComm)) s (inside the "
            + "passes); bubble \(PlanTable.fmt(b.bubble)) s"
        let second =
            "data comm \(PlanTable.fmt(b.dataComm)) s (ZeRO-2/3's inside the passes, the rest after them), optimizer "
            + "\(PlanTable.fmt(b.optimizer)) s; numbers in the passes: the microbatch, or ×N passes back to back"
        return svg + text(first, 20, row + 24, size: 10, fill: "#555")
            + text(second, 20, row + 38, size: 10, fill: "#555")
    }

    private func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ fill: String) -> String {
        "<rect x=\(SVG.q(x)) y=\(SVG.q(y)) width=\(SVG.q(max(w, 0))) height=\(SVG.q(max(h, 0))) fill=\"\(fill)\"/>\n"
    }

    private func text(
        _ content: String, _ x: Double, _ y: Double, anchor: String = "start", size: Double, weight: String? = nil,
        fill: String? = nil
    ) -> String {
        "<text x=\(SVG.q(x)) y=\(SVG.q(y)) font-size=\"\(Int(size))\" text-anchor=\"\(anchor)\""
            + (weight.map { " font-weight=\"\($0)\"" } ?? "") + (fill.map { " fill=\"\($0)\"" } ?? "")
            + ">\(SVG.escape(content))</text>\n"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// Axis ticks at 1, 2 or 5 times a power of ten (what people read: 250k, 500k; 1000, 2000), and
/// powers of ten for log axes.
enum Ticks {
    /// About `count` ticks covering [from, to], at a 1-2-5 step.
    static func linear(from: Double, to: Double, count: Int) -> [Double] {
        let span = to - from
        guard span > 0, span.isFinite else { return [from] }
        let raw = span / Double(max(count, 1))
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        let first = (from / step).rounded(.up) * step
        return stride(from: first, through: to + step * 1e-9, by: step).map { ($0 / step).rounded() * step }
    }

    /// `value` rounded up to the 1-2-5 step `linear` takes for about `count` ticks up to it, so an
    /// axis ends on a tick.
    static func niceEnd(_ value: Double, count: Int) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let raw = value / Double(max(count, 1))
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        return (value / step).rounded(.up) * step
    }

    /// A tick's text: as few digits as it has (2, 0.5, 250k, 1.5M), since ticks are 1-2-5 steps.
    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return trimmed(value / 1e6) + "M" }
        if magnitude >= 1e4 { return trimmed(value / 1e3) + "k" }
        return trimmed(value)
    }

    static func trimmed(_ value: Double) -> String {
        var text = String(format: "%.6g", value)
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// 1, 2, 5 × 10^k inside [from, to] (from > 0); only the powers of ten when that is too many.
    static func log(from: Double, to: Double) -> [Double] {
        guard from > 0, to > from else { return [from] }
        var ticks: [Double] = []
        var power = pow(10, floor(log10(from)))
        while power <= to {
            for m in [1.0, 2, 5] where m * power >= from && m * power <= to { ticks.append(m * power) }
            power *= 10
        }
        return ticks.count > 10 ? ticks.filter { log10($0) == log10($0).rounded() } : ticks
    }
}
