import CostModel

/// Predicted against measured throughput and memory over a grid of configurations that really ran
/// (`plan validate --grid`), judged three ways:
/// - **error**: per row (predicted − measured) / measured of tokens/s per GPU; median and worst |error|
///   overall and per model;
/// - **ranking**: per cell (model, node count), Spearman's rank correlation of predicted against
///   measured throughput, and the top-1 ratio: the measured throughput of the configuration the
///   prediction ranks first, over the best measured throughput of the cell (1 when the planner would
///   pick the truly fastest configuration, 0.8 when its pick runs 20% slower than the best);
/// - **memory**: per row (predicted − measured) / measured of peak bytes per GPU, and how many rows are
///   predicted not to fit although every one of them ran;
/// - **measurement spread**: per cell, how far apart the measured throughputs of ZeRO-0 / ZeRO-1 twins
///   are (the same degrees and microbatch, only the stage differs). The cost model puts such twins
///   within a few percent of each other, so their spread is a floor under what any ranking of the
///   cell can reach; the summary also gives the median Spearman over the cells whose twins agree.
///
/// A pure value: the predictions come from a closure, so the report does not know (or care) how the
/// cost model was configured, and tests can feed it exact numbers.
package struct GridReport: Encodable, Sendable {
    /// What a predictor says about one configuration.
    package struct Prediction: Sendable, Hashable {
        package var tokensPerSecondPerDevice: Double
        /// Peak memory per GPU, bytes.
        package var memoryBytes: Double
        /// Whether `memoryBytes` fits the device.
        package var fits: Bool

        package init(tokensPerSecondPerDevice: Double, memoryBytes: Double, fits: Bool) {
            self.tokensPerSecondPerDevice = tokensPerSecondPerDevice
            self.memoryBytes = memoryBytes
            self.fits = fits
        }
    }

    /// Predicts one configuration of a model on a cluster; nil when the cost model says the configuration
    /// cannot run at all (more pipeline stages than layers, say), so it has no prediction to compare.
    package typealias Predictor = (ParallelConfiguration, ModelDescription, ClusterDescription) throws -> Prediction?

    package struct Row: Encodable, Sendable {
        package var line: Int
        package var model: String
        package var nodes: Int
        package var configuration: String
        package var measuredTokensPerSecondPerDevice: Double
        package var predictedTokensPerSecondPerDevice: Double?
        /// (predicted − measured) / measured tokens/s per GPU.
        package var error: Double?
        package var measuredMemoryGiB: Double
        package var predictedMemoryGiB: Double?
        /// (predicted − measured) / measured peak memory per GPU.
        package var memoryError: Double?
        package var fits: Bool?
    }

    /// Median and worst |relative error| over some rows; 0 and "" when there are none.
    package struct ErrorSummary: Encodable, Sendable {
        /// "all" or a model's name.
        package var scope: String
        package var rows: Int
        package var medianAbsoluteError: Double
        package var worstAbsoluteError: Double
        package var worstRow: String

        init(scope: String, errors: [(label: String, error: Double)]) {
            let worst = errors.max { abs($0.error) < abs($1.error) }
            self.scope = scope
            rows = errors.count
            medianAbsoluteError = Rounded.six(Statistics.median(errors.map { abs($0.error) }) ?? 0)
            worstAbsoluteError = Rounded.six(worst.map { abs($0.error) } ?? 0)
            worstRow = worst?.label ?? ""
        }
    }

    /// How well the prediction orders the configurations of one model on one node count.
    package struct Cell: Encodable, Sendable {
        package var model: String
        package var nodes: Int
        /// Rows of the cell that have a prediction.
        package var rows: Int
        /// nil with fewer than `minimumRows` rows, or when either side is constant.
        package var spearman: Double?
        /// Measured tokens/s of the predicted-fastest row ÷ the cell's best measured; nil with fewer than
        /// `minimumRows` rows.
        package var topOneRatio: Double?
        package var predictedBest: String?
        package var measuredBest: String?
        /// ZeRO-0 / ZeRO-1 twin pairs among the cell's rows, and the median over them of
        /// max/min − 1 of their measured tokens/s per GPU; nil without a pair.
        package var twinPairs: Int = 0
        package var twinSpread: Double?
    }

    package struct Summary: Encodable, Sendable {
        package var rows: Int
        /// Rows the predictor could not predict (nil): left out of every statistic.
        package var unpredicted: Int
        package var throughput: ErrorSummary
        package var throughputByModel: [ErrorSummary]
        /// Cells with at least `minimumRows` predicted rows.
        package var rankedCells: Int
        package var medianSpearman: Double?
        package var medianTopOneRatio: Double?
        package var meanTopOneRatio: Double?
        package var memory: ErrorSummary
        /// Rows predicted not to fit: every row of the grid ran, so each of these is a wrong prediction.
        package var predictedOutOfMemory: Int
        /// Ranked cells whose twins agree within `twinAgreement` (or that have no twins), and their
        /// median Spearman: the ranking where the measurements repeat themselves.
        package var agreeingCells: Int
        package var agreeingMedianSpearman: Double?
    }

    /// Twins measured further apart than this mark a cell whose measurements do not repeat.
    package static let twinAgreement = 0.25

    /// A run with the prediction it got.
    typealias Predicted = (run: GridRun, prediction: Prediction)

    /// Cells with fewer rows are not ranked: two rows give a Spearman of ±1 whatever the model does.
    package static let minimumRows = 3

    package var rows: [Row]
    package var cells: [Cell]
    package var summary: Summary
    /// Where the cluster file has a pipeline handoff table: the table fitted again here, and the grid predicted
    /// without it and with it fitted on the other models (`handoffCheck`).
    package var handoff: HandoffCheck?

    /// Predicts every run with `predict` on the cluster `cluster(nodes)` builds for its node count.
    package init(runs: [GridRun], cluster: (_ nodes: Int) throws -> ClusterDescription, predict: Predictor) throws {
        let predictions = try Self.predictions(runs: runs, cluster: cluster, predict: predict)
        rows = zip(runs, predictions).map { Self.row($0, $1) }
        let predicted = Self.pairs(runs, predictions)
        cells = Self.cells(predicted)
        summary = Self.summary(runs: runs, predicted: predicted, cells: cells)
    }

    /// Every run's prediction, in order, each cluster built once per node count.
    static func predictions(
        runs: [GridRun], cluster: (_ nodes: Int) throws -> ClusterDescription, predict: Predictor
    ) throws -> [Prediction?] {
        var clusters: [Int: ClusterDescription] = [:]
        var predictions: [Prediction?] = []
        for run in runs {
            let built = try clusters[run.nodes] ?? cluster(run.nodes)
            clusters[run.nodes] = built
            predictions.append(try predict(run.config, run.model, built))
        }
        return predictions
    }

    /// The runs that got a prediction, each with it.
    static func pairs(_ runs: [GridRun], _ predictions: [Prediction?]) -> [Predicted] {
        zip(runs, predictions).compactMap { run, prediction in prediction.map { (run: run, prediction: $0) } }
    }

    /// The models of `runs`, in the order they first appear.
    static func modelNames(_ runs: [GridRun]) -> [String] {
        var models: [String] = []
        for run in runs where !models.contains(run.modelName) { models.append(run.modelName) }
        return models
    }

    static func row(_ run: GridRun, _ prediction: Prediction?) -> Row {
        Row(
            line: run.line, model: run.modelName, nodes: run.nodes, configuration: describe(run.config),
            measuredTokensPerSecondPerDevice: run.measuredTokensPerSecondPerDevice,
            predictedTokensPerSecondPerDevice: prediction.map { Rounded.six($0.tokensPerSecondPerDevice) },
            error: prediction.map { Rounded.six(throughputError(run, $0)) },
            measuredMemoryGiB: Rounded.gib(run.measuredMemoryBytes),
            predictedMemoryGiB: prediction.map { Rounded.gib($0.memoryBytes) },
            memoryError: prediction.map { Rounded.six(memoryError(run, $0)) },
            fits: prediction?.fits)
    }

    static func throughputError(_ run: GridRun, _ prediction: Prediction) -> Double {
        prediction.tokensPerSecondPerDevice / run.measuredTokensPerSecondPerDevice - 1
    }

    static func memoryError(_ run: GridRun, _ prediction: Prediction) -> Double {
        prediction.memoryBytes / run.measuredMemoryBytes - 1
    }

    /// The degrees and the knobs that vary over a grid, in the form the tables print.
    static func describe(_ c: ParallelConfiguration) -> String {
        var text = "tp\(c.tensor) pp\(c.pipeline) dp\(c.data)"
        if c.context > 1 { text += " cp\(c.context)" }
        if c.expert > 1 { text += " ep\(c.expert)" }
        if c.virtualStages > 1 { text += " v\(c.virtualStages)" }
        return text + " mbs\(c.microbatchSize) z\(c.zeroStage)"
    }

    static func label(_ run: GridRun) -> String {
        "\(run.modelName) \(run.nodes)n \(describe(run.config)) (line \(run.line))"
    }

    /// One cell per (model, nodes), models in the order they first appear, nodes ascending.
    static func cells(_ predicted: [Predicted]) -> [Cell] {
        var models: [String] = []
        var groups: [String: [Int: [Predicted]]] = [:]
        for entry in predicted {
            if groups[entry.run.modelName] == nil { models.append(entry.run.modelName) }
            groups[entry.run.modelName, default: [:]][entry.run.nodes, default: []].append(entry)
        }
        return models.flatMap { model in
            (groups[model] ?? [:]).keys.sorted().map { nodes in cell(model, nodes, groups[model]?[nodes] ?? []) }
        }
    }

    /// Spearman over the cell's rows and the top-1 ratio. Ties for the predicted-fastest row go to the
    /// one listed first in the file, so the result does not depend on how the sort breaks ties.
    static func cell(_ model: String, _ nodes: Int, _ entries: [Predicted]) -> Cell {
        var cell = Cell(model: model, nodes: nodes, rows: entries.count)
        guard entries.count >= minimumRows else { return cell }
        let measured = entries.map(\.run.measuredTokensPerSecondPerDevice)
        let predicted = entries.map(\.prediction.tokensPerSecondPerDevice)
        cell.spearman = Statistics.spearman(predicted, measured).map(Rounded.six)
        let pick = predicted.indices.reduce(0) { predicted[$1] > predicted[$0] ? $1 : $0 }
        let best = measured.indices.reduce(0) { measured[$1] > measured[$0] ? $1 : $0 }
        cell.topOneRatio = Rounded.six(measured[pick] / measured[best])
        cell.predictedBest = describe(entries[pick].run.config)
        cell.measuredBest = describe(entries[best].run.config)
        let spreads = twinSpreads(entries)
        cell.twinPairs = spreads.count
        cell.twinSpread = Statistics.median(spreads).map(Rounded.six)
        return cell
    }

    /// max/min − 1 of the measured throughput of every pair of rows that differ only in ZeRO stage 0 / 1,
    /// in file order of the ZeRO-0 row.
    static func twinSpreads(_ entries: [Predicted]) -> [Double] {
        func key(_ c: ParallelConfiguration) -> String {
            var twin = c
            twin.zeroStage = 0
            return describe(twin)
        }
        var stageOne: [String: Double] = [:]
        for entry in entries where entry.run.config.zeroStage == 1 {
            stageOne[key(entry.run.config)] = entry.run.measuredTokensPerSecondPerDevice
        }
        return entries.compactMap { entry in
            guard entry.run.config.zeroStage == 0, let other = stageOne[key(entry.run.config)] else { return nil }
            let here = entry.run.measuredTokensPerSecondPerDevice
            return max(here, other) / min(here, other) - 1
        }
    }

    static func summary(runs: [GridRun], predicted: [Predicted], cells: [Cell]) -> Summary {
        let models = modelNames(runs)
        func throughput(_ scope: String, _ entries: [Predicted]) -> ErrorSummary {
            ErrorSummary(scope: scope, errors: entries.map { (label($0.run), throughputError($0.run, $0.prediction)) })
        }
        let ranked = cells.filter { $0.topOneRatio != nil }
        let ratios = ranked.compactMap(\.topOneRatio)
        let agreeing = ranked.filter { ($0.twinSpread ?? 0) <= twinAgreement }
        return Summary(
            rows: runs.count, unpredicted: runs.count - predicted.count,
            throughput: throughput("all", predicted),
            throughputByModel: models.map { name in throughput(name, predicted.filter { $0.run.modelName == name }) },
            rankedCells: ranked.count,
            medianSpearman: Statistics.median(ranked.compactMap(\.spearman)).map(Rounded.six),
            medianTopOneRatio: Statistics.median(ratios).map(Rounded.six),
            meanTopOneRatio: Statistics.mean(ratios).map(Rounded.six),
            memory: ErrorSummary(
                scope: "all",
                errors: predicted.map { (label($0.run), memoryError($0.run, $0.prediction)) }),
            predictedOutOfMemory: predicted.filter { !$0.prediction.fits }.count,
            agreeingCells: agreeing.count,
            agreeingMedianSpearman: Statistics.median(agreeing.compactMap(\.spearman)).map(Rounded.six))
    }
}
