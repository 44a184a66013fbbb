import CostModel
import Foundation
import Planner

/// Rows of a what-if comparison (`plan compare`) or a scaling sweep (`plan sweep`), each the best
/// plan for one job, rendered as a table, CSV, JSON or an SVG chart.
struct Comparison: Encodable {
    struct Row: Encodable {
        var model: String
        var cluster: String
        var gpu: String
        var devices: Int
        var precision: String
        var sequenceLength: Int
        var globalBatchSize: Int
        /// "tp=… pp=… dp=…", or why there is no plan.
        var degrees: String
        var fits: Bool
        var stepTimeSeconds: Double?
        var tokensPerSecond: Double?
        var tokensPerSecondPerDevice: Double?
        var mfu: Double?
        var memoryPerDeviceGiB: Double?
        /// Days to train `trainingTokens` tokens.
        var daysToTrain: Double?
        /// Dollars for that, where the cluster gives `usd_per_gpu_hour`.
        var costUSD: Double?
        /// Throughput per device relative to the first row (sweeps: scaling efficiency).
        var relativeEfficiency: Double?
    }

    var trainingTokens: Double
    var rows: [Row]

    /// The best plan for each job, or a row saying why none fits.
    init(jobs: [(model: ModelDescription, cluster: ClusterDescription, batch: Int, sequence: Int, precision: Precision)],
         trainingTokens: Double, progress: Bool) {
        self.trainingTokens = trainingTokens
        var rows: [Row] = []
        for (index, job) in jobs.enumerated() {
            if progress {
                FileHandle.standardError.write(Data("\r[\(index + 1)/\(jobs.count)] \(job.model.name) on \(job.cluster.name) (\(job.cluster.devices) GPUs)…\u{1B}[K".utf8))
            }
            let space = SearchSpace(model: job.model, cluster: job.cluster, globalBatchSize: job.batch,
                                    sequenceLength: job.sequence, precisions: [job.precision])
            var row = Row(model: job.model.name, cluster: job.cluster.name, gpu: job.cluster.profile.name,
                          devices: job.cluster.devices, precision: job.precision.rawValue, sequenceLength: job.sequence,
                          globalBatchSize: job.batch, degrees: "", fits: false)
            if !job.cluster.profile.supports(job.precision) {
                row.degrees = "no \(job.precision.rawValue) on \(job.cluster.profile.name)"
            } else if let best = TrainingSearch.run(space: space, options: SearchOptions(top: 1)).plans.first {
                let e = best.estimate, c = best.config
                row.degrees = "tp=\(c.tensor) pp=\(c.pipeline) dp=\(c.data)" + (c.context > 1 ? " cp=\(c.context)" : "")
                    + (c.expert > 1 ? " ep=\(c.expert)" : "") + (c.virtualStages > 1 ? " vpp=\(c.virtualStages)" : "")
                    + " mbs=\(c.microbatchSize) \(c.recompute.rawValue)"
                row.fits = true
                row.stepTimeSeconds = PlanDocument.round(e.stepSeconds)
                row.tokensPerSecond = PlanDocument.round(e.tokensPerSecond)
                row.tokensPerSecondPerDevice = PlanDocument.round(e.tokensPerSecond / Double(job.cluster.devices))
                row.mfu = PlanDocument.round(e.mfu)
                row.memoryPerDeviceGiB = PlanDocument.gib(e.memory.totalBytes)
                let days = trainingTokens / e.tokensPerSecond / 86_400
                row.daysToTrain = PlanDocument.round(days)
                row.costUSD = job.cluster.usdPerGPUHour.map { PlanDocument.round($0 * days * 24 * Double(job.cluster.devices)) }
            } else {
                row.degrees = "does not fit"
            }
            rows.append(row)
        }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if let base = rows.lazy.compactMap(\.tokensPerSecondPerDevice).first {
            for i in rows.indices { rows[i].relativeEfficiency = rows[i].tokensPerSecondPerDevice.map { PlanDocument.round($0 / base) } }
        }
        self.rows = rows
    }

    func table() -> String {
        let header = ["model", "cluster", "GPUs", "prec", "seq", "plan", "step s", "tokens/s", "tok/s/GPU", "MFU", "GiB/GPU",
                      "days for \(Self.tokens(trainingTokens))", "cost USD", "rel."]
        let cells = rows.map(Self.cells)
        let widths = header.indices.map { i in ([header[i]] + cells.map { $0[i] }).map(\.count).max()! + 2 }
        let line = { (row: [String]) in row.enumerated().map { PlanTable.pad($1, widths[$0]) }.joined().trimmingCharacters(in: .whitespaces) }
        return ([line(header)] + cells.map(line)).joined(separator: "\n") + "\n"
    }

    private static func cells(_ r: Row) -> [String] {
        let dash = "-"
        var cells: [String] = [r.model, r.cluster, String(r.devices), r.precision, String(r.sequenceLength), r.degrees]
        cells.append(r.stepTimeSeconds.map(PlanTable.fmt) ?? dash)
        cells.append(r.tokensPerSecond.map(PlanTable.fmt) ?? dash)
        cells.append(r.tokensPerSecondPerDevice.map(PlanTable.fmt) ?? dash)
        cells.append(r.mfu.map { String(format: "%.1f%%", $0 * 100) } ?? dash)
        cells.append(r.memoryPerDeviceGiB.map(PlanTable.fmt) ?? dash)
        cells.append(r.daysToTrain.map(PlanTable.fmt) ?? dash)
        cells.append(r.costUSD.map { String(format: "%.0f", $0) } ?? dash)
        cells.append(r.relativeEfficiency.map { String(format: "%.2f", $0) } ?? dash)
        return cells
    }

    func csv() -> String {
        let header = "model,cluster,gpu,devices,precision,sequence_length,global_batch,plan,step_seconds,tokens_per_second,tokens_per_second_per_gpu,mfu,memory_gib_per_gpu,days_to_train,cost_usd,relative_efficiency"
        let quote = { (text: String) in text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text }
        let number = { (value: Double?) in value.map { String($0) } ?? "" }
        let lines = rows.map { r in
            [quote(r.model), quote(r.cluster), r.gpu, String(r.devices), r.precision, String(r.sequenceLength), String(r.globalBatchSize),
             quote(r.degrees), number(r.stepTimeSeconds), number(r.tokensPerSecond), number(r.tokensPerSecondPerDevice), number(r.mfu),
             number(r.memoryPerDeviceGiB), number(r.daysToTrain), number(r.costUSD), number(r.relativeEfficiency)].joined(separator: ",")
        }
        return ([header] + lines).joined(separator: "\n") + "\n"
    }

    func json() throws -> Data { try prettyJSON() }

    static func tokens(_ count: Double) -> String {
        count >= 1e12 ? PlanTable.fmt(count / 1e12) + "T tokens" : PlanTable.fmt(count / 1e9) + "B tokens"
    }
}
