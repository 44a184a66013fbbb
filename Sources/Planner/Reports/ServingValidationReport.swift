import CostModel
import Foundation

/// Predicted against measured serving metrics (throughput, TTFT, TPOT, batch latency) for
/// published runs, with the median and worst error per metric and overall.
package struct ServingValidationReport: Encodable, Sendable {
    package struct Row: Encodable {
        package var id: String
        package var gpu: String
        package var configuration: String
        package var fullySpecified: Bool
        package var metric: String
        package var measured: Double
        package var predicted: Double
        /// (predicted − measured) / measured.
        package var error: Double
    }

    package var rows: [Row]
    package var fullySpecified: ValidationReport.Summary
    package var all: ValidationReport.Summary
    /// Per metric (throughput, TTFT, TPOT, latency), in the order of `metrics`.
    package var byMetric: [MetricSummary]

    /// One metric's median and worst error over the fully specified runs and over all.
    package struct MetricSummary: Encodable {
        package var metric: String
        package var fullySpecified: ValidationReport.Summary
        package var all: ValidationReport.Summary
    }

    static let metrics = ["output tokens/s", "TTFT s", "TPOT s", "latency s"]

    package init(runs: [PublishedServingRun]) {
        var rows: [Row] = []
        for run in runs {
            let c = run.config
            let text =
                "tp\(c.tensor) pp\(c.pipeline) ×\(c.replicas) batch \(c.batchSize) "
                + "\(c.promptTokens)/\(c.outputTokens) \(c.precision.rawValue)/kv \(c.kvCachePrecision.rawValue)"
            for p in Self.predictions(run) {
                rows.append(
                    Row(
                        id: run.id, gpu: run.cluster.profile.name, configuration: text,
                        fullySpecified: run.fullySpecified, metric: p.metric, measured: p.measured,
                        predicted: Rounded.six(p.predicted), error: Rounded.six(p.predicted / p.measured - 1)))
            }
        }
        self.rows = rows
        fullySpecified = Self.summary(rows.filter(\.fullySpecified))
        all = Self.summary(rows)
        byMetric = Self.metrics.compactMap { metric in
            let these = rows.filter { $0.metric == metric }
            guard !these.isEmpty else { return nil }
            return MetricSummary(
                metric: metric, fullySpecified: Self.summary(these.filter(\.fullySpecified)), all: Self.summary(these))
        }
    }

    static func summary(_ rows: [Row]) -> ValidationReport.Summary {
        .init(errors: rows.map { ("\($0.id) (\($0.metric))", $0.error) }, outOfMemory: 0)
    }

    /// What the model predicts for each metric `run` measured. Continuous-batching runs with a
    /// `load` are simulated at the benchmark's own load (at most `batch` running, chunked prefill);
    /// the rest use the closed forms. `requestCap` shortens simulations (for fitting).
    package static func predictions(
        _ run: PublishedServingRun, requestCap: Int? = nil
    ) -> [(metric: String, measured: Double, predicted: Double)] {
        let c = run.config
        let cost = InferenceCost(model: run.model, cluster: run.cluster, config: c)
        var out: [(metric: String, measured: Double, predicted: Double)] = []
        func add(_ metric: String, _ measured: Double?, _ predicted: Double) {
            if let measured { out.append((metric, measured, predicted)) }
        }
        if let load = run.load {
            let workload = ServingWorkload(
                promptTokens: c.promptTokens, outputTokens: c.outputTokens, promptSpread: run.promptSpread,
                outputSpread: run.outputSpread, requests: min(run.requests, requestCap ?? run.requests))
            let simulation = ServingSimulation(
                cost: cost, workload: workload,
                limits: SchedulerLimits(maxBatchedTokens: run.maxBatchedTokens, maxSequences: c.batchSize))
            if simulation.fitsLongestRequest {
                let result = simulation.run(load)
                add("output tokens/s", run.outputTokensPerSecond, result.outputTokensPerSecond * Double(c.replicas))
                add("TTFT s", run.ttftSeconds, result.ttftSeconds.mean)
                add("TPOT s", run.tpotSeconds, result.tpotSeconds.mean)
                return out
            }
        }
        add("output tokens/s", run.outputTokensPerSecond, cost.replicaOutputTokensPerSecond * Double(c.replicas))
        add("TTFT s", run.ttftSeconds, cost.ttftSeconds)
        add("TPOT s", run.tpotSeconds, cost.decodeStepSeconds)
        add("latency s", run.latencySeconds, cost.prefillSeconds + Double(c.outputTokens) * cost.decodeStepSeconds)
        return out
    }
}
