import ArgumentParser
import CostModel
import Foundation
import PlanFiles
import Planner

/// `plan sweep`: the best plan at each device count, for the scaling curve of a job.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Scaling curve: the best plan at each device count (powers of two from --from to --to).")

    @Option(help: "Model: a file or a bundled name.") var model: String = "llama3-70b"
    @Option(help: "Cluster whose nodes are repeated: a file or a bundled name.") var cluster: String = "dgx-h100-64"
    @Option(help: "Fewest devices.") var from: Int = 8
    @Option(help: "Most devices.") var to: Int = 1024
    @Option(
        name: .customLong("global-batch"),
        help: ArgumentHelp(
            "Sequences per optimizer step, the same at every size (default 1024, not train's 128: 1,024 GPUs need "
                + "room for data parallelism)."))
    var globalBatchOption: Int?
    var globalBatch: Int { globalBatchOption ?? 1024 }
    var globalBatchGiven: Bool { globalBatchOption != nil }
    @Option(name: .customLong("seq-len"), help: "Tokens per sequence (default: the model's, at most 8192).")
    var sequenceLength: Int?
    @Option(help: "bf16, fp16 or fp8.") var precision: String = "bf16"
    @Option(help: "Tokens to train, for time and cost.") var tokens: Double = 1e12
    @Option(help: "The framework that runs the plans (a bundled name in frameworks/ or a file).")
    var framework: String = "megatron"
    @Option(help: "table, csv, json or svg (the scaling curve).") var format: ReportFormat = .table
    @Option(help: "Write to this file (atomically) instead of standard output.") var out: String?

    func run() throws {
        guard from >= 1 else { throw InputError(key: "--from", "must be at least 1, got \(from)") }
        guard to >= from, to <= 1_000_000 else {
            throw InputError(key: "--to", "must be from --from (\(from)) to 1000000, got \(to)")
        }
        guard globalBatch >= 1 else {
            throw InputError(key: "--global-batch", "must be at least 1, got \(globalBatch)")
        }
        guard tokens > 0, tokens.isFinite else {
            throw InputError(key: "--tokens", "must be a positive number of tokens, got \(tokens)")
        }
        let data = DataDirectory()
        try OutPath.check(out, inputs: data.inputPaths(models: [model], clusters: [cluster], frameworks: [framework]))
        let chosenFramework = try data.framework(framework)
        let model = try data.model(self.model)
        let base = try data.cluster(self.cluster)
        let chosen = try PrecisionList.parse(precision, flag: "--precision")
        guard chosen.count == 1 else {
            throw InputError(key: "--precision", "sweep takes one precision, got \(precision)")
        }
        let sequence = sequenceLength ?? min(model.maxPositions, 8192)
        var counts: [Int] = []
        var devices = from
        while devices <= to { counts.append(devices); devices *= 2 }
        let perNode = base.gpusPerNode
        // Past one node, a count must be whole nodes: 3 doubled to 12 would be planned on one 8-GPU node.
        func wholeNodes(_ counts: [Int]) -> Bool { counts.allSatisfy { $0 <= perNode || $0 % perNode == 0 } }
        if !wholeNodes(counts) {
            let valid = (1...max(to, 1)).filter { start in
                wholeNodes(Array(Swift.sequence(first: start) { $0 * 2 }.prefix { $0 <= to }))
            }
            let below = valid.last { $0 < from }, above = valid.first { $0 > from }
            let hint = [below, above].compactMap { $0 }.map { "--from \($0)" }.joined(separator: " or ")
            let partial = counts.first { $0 > perNode && $0 % perNode != 0 }!
            throw InputError(
                key: "--from",
                "the sweep \(counts.map(String.init).joined(separator: ", ")) has \(partial) GPUs, not a whole "
                    + "number of \(perNode)-GPU nodes; use "
                    + (hint.isEmpty ? "a --from that doubles to whole nodes" : hint)
            )
        }
        let jobs = counts.map { count -> Comparison.Job in
            var cluster = base
            cluster.name = "\(base.profile.name)×\(count)"
            cluster.groups = [
                .init(
                    profile: base.profile, nodes: max(count / perNode, 1),
                    gpusPerNode: count < perNode ? count : perNode)
            ]
            return Comparison.Job(
                model: model, cluster: cluster, batch: globalBatch, sequence: sequence, precision: chosen[0],
                framework: chosenFramework)
        }
        var comparison = Comparison.run(
            jobs: jobs, trainingTokens: tokens, progress: Progress.reporter(total: jobs.count, show: isatty(2) != 0))
        if let intervals = data.predictionIntervals() { comparison.attach(intervals, jobs: jobs) }
        Progress.clear(show: isatty(2) != 0)
        try CompareCommand.emit(
            comparison, format: format, out: out,
            chart: {
                let measured = comparison.rows.compactMap { row in
                    row.tokensPerSecond.map {
                        (x: Double(row.devices), y: $0, label: row.degrees.components(separatedBy: " mbs").first)
                    }
                }
                var series = [SVGChart.Series(name: "\(model.name), best plan per size", points: measured, line: true)]
                if let first = measured.first {
                    series.append(
                        .init(
                            name: "linear scaling from \(Int(first.x)) GPUs",
                            points: measured.map { (x: $0.x, y: first.y * $0.x / first.x, label: nil) }, line: true))
                }
                let missing = comparison.rows.filter { !$0.fits }.map {
                    (x: Double($0.devices), label: $0.degrees.hasPrefix("does not fit") ? "does not fit" : "no plan")
                }
                return SVGChart(
                    title: "\(model.name) on \(base.profile.name): tokens/s against GPUs",
                    subtitle:
                        "global batch \(globalBatch) × \(sequence) tokens"
                        + (globalBatchGiven ? "" : " (sweep's default; train uses 128)")
                        + ", \(chosen[0].rawValue), \(chosenFramework.name); crosses: sizes with no plan",
                    xLabel: "GPUs (log scale)", yLabel: "tokens/s", logX: true, series: series, missing: missing)
            })
    }
}
