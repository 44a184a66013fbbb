import ArgumentParser
import CostModel
import Foundation
import PlanFiles
import Planner

/// `plan validate`: predicted against measured throughput for every published run in a file.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Compare predictions with published training (or serving) runs.")

    @Argument(
        help: ArgumentHelp(
            "Runs files (default: validation/training-runs.yaml, the project's copy of the published runs; with "
                + "--cross-validate also validation/training-runs-2.yaml). Files of serving runs (with `serving:`) "
                + "are validated as inference. Several files are validated as one set of runs.",
            valueName: "runs"))
    var runs: [String] = []

    @Flag(help: "Validate the bundled published serving runs (validation/serving-runs.yaml).") var serving = false
    @Option(
        name: .customLong("search-up-to"),
        help: ArgumentHelp(
            "Also run the search on every training run with at most this many GPUs and compare its plan with "
                + "the published degrees."))
    var searchUpTo: Int?
    @Option(
        help: ArgumentHelp(
            "Validate a measured grid of configurations (a CSV such as "
                + "validation/playbook-grid-1b-3b.csv): error, ranking per model and node count, memory."))
    var grid: String?
    @Option(
        name: .customLong("grid-cluster"),
        help: ArgumentHelp(
            "With --grid: the cluster its nodes are (default aws-p5-efa-64, the playbook's cluster with its "
                + "measured collective bandwidth; dgx-h100-64 for the same nodes at the NIC line rate alone); "
                + "each row gets its own node count."))
    var gridCluster: String?
    @Flag(
        name: .customLong("cross-validate"),
        help: ArgumentHelp(
            "Fit each hardware profile's GEMM, overlap and MoE efficiency values to the training runs, then hold "
                + "out each source family in turn and predict it with a fit on the others: in-sample against "
                + "cross-validated error per family, and the values fitted on all runs."))
    var crossValidate = false
    @Flag(
        name: .customLong("half-fit"),
        help: ArgumentHelp(
            "Per source family: start from the fit on the other families, calibrate on half of the family's runs "
                + "(a fixed seed) and predict the other half, before and after: what `plan calibrate` buys."))
    var halfFit = false
    @Option(
        name: .customLong("write-intervals"),
        help: ArgumentHelp(
            "With --cross-validate: also write the prediction intervals its errors give (JSON; the bundled "
                + "validation/prediction-intervals.json is this file for the bundled runs)."))
    var writeIntervals: String?

    @Option(
        help: ArgumentHelp(
            "The framework of runs that name none (default megatron; nanotron for --grid): a bundled name in "
                + "frameworks/ or a file."))
    var framework: String?
    @Option(help: "json or table.") var format: OutputFormat = .table
    @Option(help: "Write the report to this file (atomically) instead of standard output.") var out: String?

    /// The bundled training runs: the published runs the profiles were calibrated on, and the held-out ones.
    static let bundledTrainingRuns = ["validation/training-runs.yaml", "validation/training-runs-2.yaml"]

    func run() throws {
        let data = DataDirectory()
        try OutPath.check(
            out,
            inputs: runs + Self.bundledTrainingRuns.compactMap { data.url($0)?.path }
                + [grid, gridCluster].compactMap { $0 }
                + data.inputPaths(frameworks: [framework].compactMap { $0 }))
        if writeIntervals != nil && !crossValidate {
            throw InputError(key: "--write-intervals", "needs --cross-validate, whose errors the intervals come from")
        }
        try OutPath.check(writeIntervals, inputs: runs + Self.bundledTrainingRuns.compactMap { data.url($0)?.path })
        if gridCluster != nil && grid == nil {
            throw InputError(key: "--grid-cluster", "needs --grid, whose rows it costs")
        }
        let report: any Report
        if let grid {
            if !runs.isEmpty || serving || searchUpTo != nil || crossValidate {
                throw InputError(
                    key: "--grid",
                    "cannot be combined with a runs file, --serving, --search-up-to or --cross-validate; "
                        + "give --grid alone")
            }
            report = try gridReport(grid, data: data)
        } else if halfFit {
            if serving || searchUpTo != nil || crossValidate {
                throw InputError(
                    key: "--half-fit", "cannot be combined with --serving, --search-up-to or --cross-validate")
            }
            let files = try load(runs.isEmpty ? Self.bundledTrainingRuns : runs, data: data)
            report = try HalfFitReport(runs: try trainingRuns(files, data: data))
        } else if crossValidate && serving {
            if !runs.isEmpty || searchUpTo != nil || writeIntervals != nil {
                throw InputError(
                    key: "--cross-validate",
                    "with --serving holds out each source family of validation/serving-runs.yaml; give no runs "
                        + "file, --search-up-to or --write-intervals")
            }
            let files = try load(["validation/serving-runs.yaml"], data: data)
            report = ServingCrossValidationReport(runs: try ServingRunsFile.decode(files[0].yaml, data: data))
        } else if crossValidate {
            if searchUpTo != nil {
                throw InputError(
                    key: "--cross-validate", "cannot be combined with --search-up-to; give training runs files")
            }
            let files = try load(runs.isEmpty ? Self.bundledTrainingRuns : runs, data: data)
            if try files.contains(where: { try ServingRunsFile.isServing($0.yaml) }) {
                throw InputError(key: "--cross-validate", "fits training runs; a serving runs file was given")
            }
            let crossValidation = try CrossValidationReport(runs: try trainingRuns(files, data: data))
            if let writeIntervals {
                try OutputWriter.emit(try crossValidation.intervals.prettyJSON(), to: writeIntervals)
            }
            report = crossValidation
        } else {
            let files = try load(
                runs.isEmpty ? [serving ? "validation/serving-runs.yaml" : Self.bundledTrainingRuns[0]] : runs,
                data: data)
            let servingFiles = try files.filter { try ServingRunsFile.isServing($0.yaml) }
            if servingFiles.isEmpty {
                report = try ValidationReport(runs: try trainingRuns(files, data: data), searchUpTo: searchUpTo)
            } else if servingFiles.count == files.count {
                report = ServingValidationReport(
                    runs: try files.flatMap { try ServingRunsFile.decode($0.yaml, data: data) })
            } else {
                throw InputError(key: "RUNS", "mixes serving and training runs files; validate them separately")
            }
        }
        switch format {
        case .json: try OutputWriter.emit(try report.json(), to: out)
        case .table: try OutputWriter.emit(report.table(), to: out)
        }
    }

    /// The runs files, each a path as given or, for the bundled defaults, found in the data directory.
    func load(_ paths: [String], data: DataDirectory) throws -> [(shown: String, yaml: YAMLMapping)] {
        try paths.map { path in
            let url: URL
            if runs.isEmpty {
                guard let bundled = data.url(path) else {
                    throw InputError(key: "RUNS", "no runs file given and no bundled \(path) found; pass a file")
                }
                url = bundled
            } else {
                url = URL(fileURLWithPath: path)
            }
            return (path, try YAMLMapping(contentsOf: url, shownAs: path, flag: "RUNS"))
        }
    }

    /// The training runs of all files, in file order; a run id may appear only once over them.
    func trainingRuns(_ files: [(shown: String, yaml: YAMLMapping)], data: DataDirectory) throws -> [PublishedRun] {
        var seen: [String: String] = [:]
        var all: [PublishedRun] = []
        for file in files {
            for run in try RunsFile.decode(file.yaml, data: data, defaultFramework: framework ?? "megatron") {
                if let first = seen[run.id] {
                    throw InputError(
                        file: file.shown, key: run.id, "run id also in \(first); give every run its own id")
                }
                seen[run.id] = file.shown
                all.append(run)
            }
        }
        return all
    }
}

/// Output that `--format json|table` can render.
protocol Report: Encodable {
    func table() -> String
}

extension Report {
    func json() throws -> Data { try prettyJSON() }
}
