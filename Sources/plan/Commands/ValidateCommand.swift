import ArgumentParser
import PlanFiles
import CostModel
import Foundation
import Planner

/// `plan validate`: predicted against measured throughput for every published run in a file.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Compare predictions with published training (or serving) runs.")

    @Argument(help: "Runs file (default: validation/training-runs.yaml, the project's copy of the published runs). A file of serving runs (with `serving:`) is validated as inference.")
    var runs: String?

    @Flag(help: "Validate the bundled published serving runs (validation/serving-runs.yaml).") var serving = false
    @Option(name: .customLong("search-up-to"), help: "Also run the search on every training run with at most this many GPUs and compare its plan with the published degrees.")
    var searchUpTo: Int?
    @Option(help: ArgumentHelp("Validate a measured grid of configurations (a CSV such as "
                               + "validation/playbook-grid-1b-3b.csv): error, ranking per model and node count, memory."))
    var grid: String?

    @Option(help: "The framework of runs that name none (default megatron; nanotron for --grid): a bundled name in frameworks/ or a file.")
    var framework: String?
    @Option(help: "json or table.") var format: OutputFormat = .table
    @Option(help: "Write the report to this file (atomically) instead of standard output.") var out: String?

    func run() throws {
        try OutPath.check(out)
        let data = DataDirectory()
        if let grid {
            if runs != nil || serving || searchUpTo != nil {
                throw InputError(key: "--grid",
                                 "cannot be combined with a runs file, --serving or --search-up-to; give --grid alone")
            }
            let report = try gridReport(grid, data: data)
            switch format {
            case .json: try OutputWriter.emit(try report.json(), to: out)
            case .table: try OutputWriter.emit(report.table(), to: out)
            }
            return
        }
        let url: URL
        let shown: String
        if let runs {
            (url, shown) = (URL(fileURLWithPath: runs), runs)
        } else if let bundled = data.url(serving ? "validation/serving-runs.yaml" : "validation/training-runs.yaml") {
            (url, shown) = (bundled, serving ? "validation/serving-runs.yaml" : "validation/training-runs.yaml")
        } else {
            throw InputError(key: "RUNS", "no runs file given and no bundled validation/training-runs.yaml found; pass a file")
        }
        let yaml = try YAMLMapping(contentsOf: url, shownAs: shown, flag: "RUNS")
        let report: any Report = try ServingRunsFile.isServing(yaml)
            ? ServingValidationReport(runs: try ServingRunsFile.decode(yaml, data: data))
            : try ValidationReport(runs: try RunsFile.decode(yaml, data: data, defaultFramework: framework ?? "megatron"), searchUpTo: searchUpTo)
        switch format {
        case .json: try OutputWriter.emit(try report.json(), to: out)
        case .table: try OutputWriter.emit(report.table(), to: out)
        }
    }
}

/// Output that `--format json|table` can render.
protocol Report: Encodable {
    func table() -> String
}

extension Report {
    func json() throws -> Data { try prettyJSON() }
}
