import CostModel
import Foundation

/// Serving predictions on sources they were not fitted to (`plan validate --serving --cross-validate`).
/// Per hardware profile the four serving keys (decode_memory, kv_cache_memory,
/// decode_step_overhead_us, prefill_overhead_us) are fitted on bounded grids,
/// minimising the mean |ln(predicted / measured)|, starting from the library's uncalibrated values
/// (never the profile files). Each source family (one engine release's table: the run id's first
/// two parts) is held out in turn: fit on the others, predict it. A profile with fewer than 3
/// measurements outside the family keeps the uncalibrated values.
package struct ServingCrossValidationReport: Encodable, Sendable {
    package struct Row: Encodable, Sendable {
        package var id, family, gpu, metric: String
        package var fullySpecified: Bool
        package var measured: Double
        /// Fitted without this row's family.
        package var predicted: Double
        package var error: Double
        /// Fitted on every row, this one included.
        package var inSampleError: Double
    }

    /// The values one fit chose for one profile.
    package struct Fit: Encodable, Sendable {
        package var gpu: String
        package var measurements: Int
        package var decodeMemory, kvCacheMemory, decodeStepOverheadMicroseconds, prefillOverheadMicroseconds: Double
    }

    package struct Family: Encodable, Sendable {
        package var family: String
        package var measurements: Int
        package var crossValidated: ValidationReport.Summary
        package var fits: [Fit]
    }

    package struct MetricSummary: Encodable, Sendable {
        package var metric: String
        package var crossValidatedFullySpecified, crossValidatedAll, inSampleFullySpecified,
            inSampleAll: ValidationReport.Summary
    }

    package var rows: [Row]
    package var families: [Family]
    package var byMetric: [MetricSummary]
    package var crossValidated, inSample: ValidationReport.Summary
    package var crossValidatedFullySpecified, inSampleFullySpecified: ValidationReport.Summary

    /// The source family of a run id: its first two dash-separated parts ("trtllm-v061", "lmdeploy-v010a1").
    package static func family(_ id: String) -> String {
        id.split(separator: "-").prefix(2).joined(separator: "-")
    }

    package init(runs: [PublishedServingRun]) {
        let families = Array(Set(runs.map { Self.family($0.id) })).sorted()
        let inSampleFits = Self.fit(runs)
        let inSample = Self.predict(runs, fits: inSampleFits)
        var rows: [Row] = []
        var familyReports: [Family] = []
        for family in families {
            let heldOut = runs.filter { Self.family($0.id) == family }
            let fits = Self.fit(runs.filter { Self.family($0.id) != family })
            let predicted = Self.predict(heldOut, fits: fits)
            var these: [Row] = []
            for (run, metric, measured, value) in predicted {
                let reference = inSample.first { $0.run.id == run.id && $0.metric == metric }?.predicted ?? value
                these.append(
                    Row(
                        id: run.id, family: family, gpu: run.cluster.profile.name, metric: metric,
                        fullySpecified: run.fullySpecified, measured: measured, predicted: Rounded.six(value),
                        error: Rounded.six(value / measured - 1), inSampleError: Rounded.six(reference / measured - 1)))
            }
            let used = Set(heldOut.map { $0.cluster.profile.name })
            familyReports.append(
                Family(
                    family: family, measurements: these.count,
                    crossValidated: Self.summary(these.map { ($0.id, $0.error) }),
                    fits: fits.filter { used.contains($0.key) }.sorted { $0.key < $1.key }.map { $0.value.fit }))
            rows += these
        }
        self.rows = rows
        self.families = familyReports
        func summary(_ rows: [Row], _ inSample: Bool) -> ValidationReport.Summary {
            Self.summary(rows.map { ("\($0.id) (\($0.metric))", inSample ? $0.inSampleError : $0.error) })
        }
        byMetric = ServingValidationReport.metrics.compactMap { metric in
            let these = rows.filter { $0.metric == metric }
            guard !these.isEmpty else { return nil }
            let fully = these.filter(\.fullySpecified)
            return MetricSummary(
                metric: metric, crossValidatedFullySpecified: summary(fully, false),
                crossValidatedAll: summary(these, false), inSampleFullySpecified: summary(fully, true),
                inSampleAll: summary(these, true))
        }
        crossValidated = summary(rows, false)
        self.inSample = summary(rows, true)
        crossValidatedFullySpecified = summary(rows.filter(\.fullySpecified), false)
        inSampleFullySpecified = summary(rows.filter(\.fullySpecified), true)
    }

    static func summary(_ errors: [(String, Double)]) -> ValidationReport.Summary {
        .init(errors: errors.map { (label: $0.0, error: $0.1) }, outOfMemory: 0)
    }

    /// Predictions of `runs` with each profile's fitted values.
    static func predict(
        _ runs: [PublishedServingRun], fits: [String: (efficiency: Efficiency, fit: Fit)], requestCap: Int? = nil
    ) -> [(run: PublishedServingRun, metric: String, measured: Double, predicted: Double)] {
        runs.flatMap { original in
            var run = original
            if let fitted = fits[run.cluster.profile.name] {
                run.cluster.groups[0].profile.efficiency = fitted.efficiency
            }
            return ServingValidationReport.predictions(run, requestCap: requestCap).map {
                (original, $0.metric, $0.measured, $0.predicted)
            }
        }
    }

    /// The grids the fit searches, per key.
    static var grids: [(WritableKeyPath<Efficiency, Double> & Sendable, [Double])] {
        [
            (\.decodeMemory, (10...19).map { Double($0) * 5 / 100 }),
            (\.kvCacheMemory, (3...20).map { Double($0) * 5 / 100 }),
            (\.decodeStepOverheadMicroseconds, [250, 500, 1000, 1500, 2000, 3000, 4000, 6000]),
            (\.prefillOverheadMicroseconds, [1000, 2500, 5000, 7500, 10000, 15000, 20000]),
        ]
    }

    /// Per profile with at least 3 measurements among `runs`: the grid values that minimise the
    /// mean |ln(predicted / measured)|. Every grid point is tried on the closed-form runs (one-key
    /// moves alone stop where the weight read and the fixed step cost trade off), then one-key sweeps
    /// refine on all runs; simulations are cut to 2 × batch requests (at least 300) while fitting.
    static func fit(_ runs: [PublishedServingRun]) -> [String: (efficiency: Efficiency, fit: Fit)] {
        var result: [String: (efficiency: Efficiency, fit: Fit)] = [:]
        let byProfile = Dictionary(grouping: runs) { $0.cluster.profile.name }
        for (gpu, theirs) in byProfile.sorted(by: { $0.key < $1.key }) {
            let measurements = theirs.reduce(0) { $0 + ServingValidationReport.predictions($1, requestCap: 1).count }
            guard measurements >= 3 else { continue }
            // Closed-form runs cost microseconds, simulated ones milliseconds: search every grid point
            // on the first, then refine on all with one-key sweeps.
            let closedForm = theirs.filter { $0.load == nil }
            func loss(_ e: Efficiency, _ runs: [PublishedServingRun]) -> Double {
                var total = 0.0, n = 0.0
                for original in runs {
                    var run = original
                    run.cluster.groups[0].profile.efficiency = e
                    for p in ServingValidationReport.predictions(
                        run, requestCap: max(300, 2 * run.config.batchSize))
                    where p.predicted > 0 {
                        total += abs(log(p.predicted / p.measured))
                        n += 1
                    }
                }
                return n == 0 ? .infinity : total / n
            }
            var best = Efficiency()
            if !closedForm.isEmpty {
                var bestGrid = loss(best, closedForm)
                for a in grids[0].1 {
                    for b in grids[1].1 {
                        for c in grids[2].1 {
                            for d in grids[3].1 {
                                var trial = best
                                trial[keyPath: grids[0].0] = a
                                trial[keyPath: grids[1].0] = b
                                trial[keyPath: grids[2].0] = c
                                trial[keyPath: grids[3].0] = d
                                let l = loss(trial, closedForm)
                                if l < bestGrid - 1e-12 {
                                    bestGrid = l
                                    best = trial
                                }
                            }
                        }
                    }
                }
            }
            var bestLoss = loss(best, theirs)
            // One-key sweeps on every run, until a sweep improves nothing (at most 6).
            for _ in 0..<6 {
                let before = bestLoss
                for (key, values) in grids {
                    for value in values where value != best[keyPath: key] {
                        var trial = best
                        trial[keyPath: key] = value
                        let l = loss(trial, theirs)
                        if l < bestLoss - 1e-12 {
                            bestLoss = l
                            best = trial
                        }
                    }
                }
                if bestLoss >= before - 1e-12 { break }
            }
            result[gpu] = (
                best,
                Fit(
                    gpu: gpu, measurements: measurements, decodeMemory: best.decodeMemory,
                    kvCacheMemory: best.kvCacheMemory,
                    decodeStepOverheadMicroseconds: best.decodeStepOverheadMicroseconds,
                    prefillOverheadMicroseconds: best.prefillOverheadMicroseconds)
            )
        }
        return result
    }
}
