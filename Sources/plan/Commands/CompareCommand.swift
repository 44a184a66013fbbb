import ArgumentParser
import CostModel
import Foundation
import PlanFiles
import Planner

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json, svg
}

/// `plan compare`: the same job over several clusters, models, precisions or sequence lengths,
/// side by side (step time, tokens/s, MFU, memory, degrees, time and cost to train N tokens).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "What-if: the best plan for each combination, side by side.",
        discussion:
            "Comma-separated lists form every combination: --cluster dgx-h100-64,dgx-a100-1024 --precision bf16,fp8.")

    @Option(help: "Models (files or bundled names), comma-separated.") var model: String = "llama3-70b"
    @Option(help: "Clusters (files or bundled names), comma-separated.") var cluster: String = "dgx-h100-64"
    @Option(name: .customLong("global-batch"), help: "Sequences per optimizer step.") var globalBatch: Int = 128
    @Option(
        name: .customLong("seq-len"), help: "Sequence lengths, comma-separated (default: the model's, at most 8192).")
    var sequenceLengths: String?
    @Option(help: "Precisions to compare, comma-separated (each is its own row).") var precision: String = "bf16"
    @Option(help: "Tokens to train, for time and cost (e.g. 15e12).") var tokens: Double = 1e12
    @Option(help: "The framework that runs the plans (a bundled name in frameworks/ or a file).")
    var framework: String = "megatron"
    @Option(help: "table, csv, json or svg (cost against time to train).") var format: ReportFormat = .table
    @Option(help: "Write to this file (atomically) instead of standard output.") var out: String?

    func run() throws {
        let data = DataDirectory()
        try OutPath.check(
            out,
            inputs: data.inputPaths(
                models: try Self.list(model, flag: "--model"), clusters: try Self.list(cluster, flag: "--cluster"),
                frameworks: [framework]))
        let chosenFramework = try data.framework(framework)
        let models = try Self.list(model, flag: "--model").map(data.model)
        let clusters = try Self.list(cluster, flag: "--cluster").map(data.cluster)
        let precisions = try PrecisionList.parse(precision, flag: "--precision")
        guard globalBatch >= 1 else {
            throw InputError(key: "--global-batch", "must be at least 1, got \(globalBatch)")
        }
        guard tokens > 0, tokens.isFinite else {
            throw InputError(key: "--tokens", "must be a positive number of tokens, got \(tokens)")
        }
        let lengths: [Int?] =
            try sequenceLengths.map { text in
                try Self.list(text, flag: "--seq-len").map { part -> Int? in
                    guard let value = Int(part), value >= 1 else {
                        throw InputError(key: "--seq-len", "'\(part)' is not a positive whole number")
                    }
                    return value
                }
            } ?? [nil]
        var jobs: [Comparison.Job] = []
        for model in models {
            for cluster in clusters {
                for precision in precisions {
                    for length in lengths {
                        jobs.append(
                            .init(
                                model: model, cluster: cluster, batch: globalBatch,
                                sequence: length ?? min(model.maxPositions, 8192), precision: precision,
                                framework: chosenFramework))
                    }
                }
            }
        }
        var comparison = Comparison.run(
            jobs: jobs, trainingTokens: tokens,
            progress: Progress.reporter(total: jobs.count, show: isatty(2) != 0 && jobs.count > 1))
        if let intervals = data.predictionIntervals() { comparison.attach(intervals, jobs: jobs) }
        Progress.clear(show: isatty(2) != 0 && jobs.count > 1)
        try Self.emit(
            comparison, format: format, out: out,
            chart: {
                let withCost = comparison.rows.allSatisfy { $0.costUSD != nil || !$0.fits }
                let points = comparison.rows.compactMap { row -> (x: Double, y: Double, label: String?)? in
                    guard let days = row.daysToTrain else { return nil }
                    return (
                        days, withCost ? (row.costUSD ?? 0) : (row.tokensPerSecond ?? 0),
                        "\(row.model) \(row.cluster) \(row.precision)"
                    )
                }
                return SVGChart(
                    title: withCost
                        ? "Cost against time to train \(Comparison.tokens(tokens))"
                        : "Throughput against time to train \(Comparison.tokens(tokens))",
                    subtitle: Self.subtitle(comparison),
                    xLabel: "days to train", yLabel: withCost ? "cost (USD)" : "tokens/s", logX: false,
                    series: [.init(name: "best plan per job", points: points, line: false)])
            })
    }

    /// The workload of a comparison's rows, and the jobs that have no plan (no point to draw).
    static func subtitle(_ comparison: Comparison) -> String {
        let workloads = Set(comparison.rows.map { "\($0.globalBatchSize) × \($0.sequenceLength)" }).sorted()
        let none = comparison.rows.filter { !$0.fits }.map { "\($0.model) on \($0.cluster)" }
        return "global batch \(workloads.joined(separator: ", ")) tokens"
            + (none.isEmpty ? "" : "; no plan (not drawn): \(none.joined(separator: ", "))")
    }

    static func list(_ text: String, flag: String) throws -> [String] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw InputError(key: flag, "is empty; give one or more values, comma-separated") }
        return parts
    }

    static func emit(_ comparison: Comparison, format: ReportFormat, out: String?, chart: () -> SVGChart) throws {
        switch format {
        case .table: try OutputWriter.emit(comparison.table(), to: out)
        case .csv: try OutputWriter.emit(comparison.csv(), to: out)
        case .json: try OutputWriter.emit(try comparison.json(), to: out)
        case .svg: try OutputWriter.emit(chart().render(), to: out)
        }
    }
}
