import CostModel
import Foundation

/// Rows of a what-if comparison (`plan compare`) or a scaling sweep (`plan sweep`), each the best
/// plan for one job, rendered as a table, CSV, JSON or an SVG chart.
package struct Comparison: Encodable, Sendable {
    package struct Row: Encodable {
        package var model: String
        package var cluster: String
        package var gpu: String
        package var devices: Int
        package var precision: String
        package var sequenceLength: Int
        package var globalBatchSize: Int
        /// "tp=… pp=… dp=…", or why there is no plan.
        package var degrees: String
        package var fits: Bool
        package var stepTimeSeconds: Double?
        package var tokensPerSecond: Double?
        package var tokensPerSecondPerDevice: Double?
        package var mfu: Double?
        package var memoryPerDeviceGiB: Double?
        /// Days to train `trainingTokens` tokens.
        package var daysToTrain: Double?
        /// Dollars for that, where the cluster gives `usd_per_gpu_hour`.
        package var costUSD: Double?
        /// Throughput per device relative to the first row (sweeps: scaling efficiency).
        package var relativeEfficiency: Double?
        /// The prediction's interval (`PredictionIntervals`): the time may be this fraction longer, or
        /// 1/(1 + this) shorter.
        package var intervalRelative: Double?
        /// Whether this row's time to train and the fastest row's overlap within their intervals:
        /// the prediction cannot tell the two apart.
        package var withinIntervalOfFastest: Bool?
    }

    package var trainingTokens: Double
    package var rows: [Row]
    /// The coverage of the rows' intervals, when they have any.
    package var intervalCoverage: Double?

    /// One job of a comparison: a model on a cluster with its batch, sequence length and precision.
    package struct Job: Sendable {
        package var model: ModelDescription
        package var cluster: ClusterDescription
        package var batch: Int
        package var sequence: Int
        package var precision: Precision
        package var framework: Framework

        package init(
            model: ModelDescription, cluster: ClusterDescription, batch: Int, sequence: Int, precision: Precision,
            framework: Framework
        ) {
            self.model = model
            self.cluster = cluster
            self.batch = batch
            self.sequence = sequence
            self.precision = precision
            self.framework = framework
        }
    }

    /// The best plan for each job, or a row saying why none fits. `progress` is told before each
    /// job starts (its index and the job), so a command can show where a long comparison is.
    package static func run(
        jobs: [Job], trainingTokens: Double,
        progress: (Int, Job) -> Void = { _, _ in }
    ) -> Comparison {
        var rows: [Row] = []
        for (index, job) in jobs.enumerated() {
            progress(index, job)
            rows.append(row(job, trainingTokens: trainingTokens))
        }
        if let base = rows.lazy.compactMap(\.tokensPerSecondPerDevice).first {
            for i in rows.indices {
                rows[i].relativeEfficiency = rows[i].tokensPerSecondPerDevice.map { Rounded.six($0 / base) }
            }
        }
        return Comparison(trainingTokens: trainingTokens, rows: rows)
    }

    /// The rows with the intervals of their predictions, and which cannot be told apart from the
    /// fastest: their [days / (1 + r), days · (1 + r)] ranges overlap the fastest row's.
    package mutating func attach(_ intervals: PredictionIntervals, jobs: [Job]) {
        intervalCoverage = intervals.coverage
        for (index, job) in zip(rows.indices, jobs) where rows[index].fits {
            let interval = intervals.interval(
                profile: job.cluster.profile.name, framework: job.framework.name, precision: job.precision,
                devices: job.cluster.devices, parameters: job.model.totalParameters)
            rows[index].intervalRelative = interval.relative
        }
        let timed = rows.indices.filter { rows[$0].daysToTrain != nil && rows[$0].intervalRelative != nil }
        guard let fastest = timed.min(by: { rows[$0].daysToTrain! < rows[$1].daysToTrain! }) else { return }
        let best = rows[fastest].daysToTrain! * (1 + rows[fastest].intervalRelative!)
        for index in timed {
            rows[index].withinIntervalOfFastest = rows[index].daysToTrain! / (1 + rows[index].intervalRelative!) <= best
        }
    }

    /// The best plan for one job, or why there is none.
    static func row(_ job: Job, trainingTokens: Double) -> Row {
        let space = SearchSpace(
            model: job.model, cluster: job.cluster, globalBatchSize: job.batch,
            sequenceLength: job.sequence, precisions: [job.precision], framework: job.framework)
        var row = Row(
            model: job.model.name, cluster: job.cluster.name, gpu: job.cluster.profile.name,
            devices: job.cluster.devices, precision: job.precision.rawValue, sequenceLength: job.sequence,
            globalBatchSize: job.batch, degrees: "", fits: false)
        if !job.cluster.profile.supports(job.precision) {
            row.degrees = "no \(job.precision.rawValue) on \(job.cluster.profile.name)"
            return row
        }
        let result = TrainingSearch.run(space: space, options: SearchOptions(top: 1))
        if let best = result.plans.first {
            let e = best.estimate, c = best.config
            row.degrees = c.degreeLabel() + " mbs=\(c.microbatchSize) \(c.recompute.rawValue)"
            row.fits = true
            row.stepTimeSeconds = Rounded.six(e.stepSeconds)
            row.tokensPerSecond = Rounded.six(e.tokensPerSecond)
            row.tokensPerSecondPerDevice = Rounded.six(e.tokensPerSecond / Double(job.cluster.devices))
            row.mfu = Rounded.six(e.mfu)
            row.memoryPerDeviceGiB = Rounded.gib(e.memory.totalBytes)
            let days = trainingTokens / e.tokensPerSecond / 86_400
            row.daysToTrain = Rounded.six(days)
            row.costUSD = job.cluster.usdPerGPUHour.map { Rounded.six($0 * days * 24 * Double(job.cluster.devices)) }
        } else if !result.unsolvedReasons.isEmpty {
            // Split MILPs that stopped at a limit or failed prove nothing about memory.
            row.degrees = "no plan: " + result.unsolvedReasons.joined(separator: "; ")
        } else {
            row.degrees = "does not fit"
        }
        return row
    }
}
