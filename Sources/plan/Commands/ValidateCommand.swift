import ArgumentParser
import CostModel
import Foundation
import Planner

/// `plan validate`: predicted against measured throughput for every published run in a file.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Compare predictions with published training runs.")

    @Argument(help: "Runs file (default: validation/training-runs.yaml, the project's copy of the published runs).")
    var runs: String?

    @Option(help: "json or table.") var format: OutputFormat = .table
    @Option(help: "Write the report to this file (atomically) instead of standard output.") var out: String?

    func run() throws {
        try OutPath.check(out)
        let data = DataDirectory()
        let url: URL
        let shown: String
        if let runs {
            (url, shown) = (URL(fileURLWithPath: runs), runs)
        } else if let bundled = data.url("validation/training-runs.yaml") {
            (url, shown) = (bundled, "validation/training-runs.yaml")
        } else {
            throw InputError(key: "RUNS", "no runs file given and no bundled validation/training-runs.yaml found; pass a file")
        }
        let published = try RunsFile.decode(try YAMLMapping(contentsOf: url, shownAs: shown, flag: "RUNS"), data: data)
        let report = try ValidationReport(runs: published)
        switch format {
        case .json: try OutputWriter.emit(try report.json(), to: out)
        case .table: try OutputWriter.emit(report.table(), to: out)
        }
    }
}
