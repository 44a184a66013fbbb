import ArgumentParser
import CostModel
import Foundation
import Launchers
import PlanFiles
import Planner

/// `plan calibrate`: fit a hardware profile's efficiency values to a team's own measured runs and
/// write the calibrated profile, with each run's error before, after and left out of the fit.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a hardware profile's efficiency values to your own measured runs.",
        discussion: """
            RUNS are runs files in the `plan validate` format (validation/training-runs.yaml shows it).
            The fit moves the GEMM maxima (BF16, FP8), the fixed time per layer, the hidden share
            of tensor-parallel communication and the MoE dispatch time, each only where at least two runs
            pin it. Each run's error is shown with the profile's values, after the fit, and left out of it
            (fitted on the other runs): the last is what to expect on the next job. Runs that cannot pin a
            fit (too few, contradictory, one shape only) are refused with what would help. --out writes the
            calibrated profile; name it in a cluster file as `gpu: FILE.yaml`.
            """)

    @Argument(help: ArgumentHelp("Runs files with your measurements.", valueName: "runs")) var runs: [String] = []
    @Option(help: "The hardware profile to calibrate, when the runs use several.") var profile: String?
    @Option(help: "The framework of runs that name none (a bundled name in frameworks/ or a file).")
    var framework: String = "megatron"
    @Option(help: "Write the calibrated profile (YAML) to this file.") var out: String?
    @Option(help: "The calibrated profile's name (default: the profile's name with -calibrated).") var name: String?
    @Option(help: "json or table.") var format: OutputFormat = .table
    @Flag(
        name: .customLong("emit-bench"),
        help: "Write a PyTorch microbenchmark (GEMMs of the plan for --model on --cluster, HBM, NCCL) instead.")
    var emitBench = false
    @Option(
        name: .customLong("from-bench"),
        help: ArgumentHelp(
            "Make the profile from the microbenchmark's results files instead of runs.", valueName: "results"))
    var fromBench: [String] = []
    @Option(help: "With --emit-bench: the model whose plan's GEMMs are measured.") var model: String = "llama3-70b"
    @Option(help: "With --emit-bench: the cluster it is planned on.") var cluster: String = "dgx-h100-64"
    @Option(help: "With --emit-bench: the precision of the GEMMs (bf16, fp16, fp8).") var precision: String = "bf16"

    func run() throws {
        if emitBench { return try writeBench() }
        if !fromBench.isEmpty { return try profileFromBench() }
        guard !runs.isEmpty else {
            throw InputError(key: "RUNS", "no runs file given; give the runs files with your measurements")
        }
        let data = DataDirectory()
        try OutPath.check(out, inputs: runs + data.inputPaths(frameworks: [framework]))
        var all: [PublishedRun] = []
        for path in runs {
            let yaml = try YAMLMapping(contentsOf: URL(fileURLWithPath: path), shownAs: path, flag: "RUNS")
            all += try RunsFile.decode(yaml, data: data, defaultFramework: framework)
        }
        let profiles = Dictionary(grouping: all, by: { $0.cluster.profile.name })
        let chosen: [PublishedRun]
        if let profile {
            guard let matching = profiles[profile] else {
                throw InputError(
                    key: "--profile",
                    "no run is on '\(DisplayText.escaped(profile))'; the runs use "
                        + profiles.keys.sorted().joined(separator: ", "))
            }
            chosen = matching
        } else if profiles.count > 1 {
            let counts = profiles.keys.sorted().map { "\($0) (\(profiles[$0]!.count) runs)" }
            throw InputError(
                key: "--profile", "the runs use several profiles: \(counts.joined(separator: ", ")); choose one")
        } else {
            chosen = all
        }
        let report: CalibrationReport
        do {
            report = try CalibrationReport(runs: chosen)
        } catch let refusal as CalibrationRefusal {
            throw InputError(key: "RUNS", refusal.description)
        }
        if let out {
            var calibrated = chosen[0].cluster.profile
            let original = calibrated.name
            calibrated.name = name ?? "\(original)-calibrated"
            calibrated.description = "\(calibrated.description), calibrated on \(chosen.count) measured runs"
            calibrated.efficiency = report.fit.efficiency
            let fitted = report.fit.values.filter(\.wasFitted).map(\.key.rawValue).joined(separator: ", ")
            let text = ProfileWriter.yaml(
                calibrated,
                sources: [
                    (
                        "profile",
                        "hardware-profiles/\(original).yaml: every hardware number and unfitted efficiency "
                            + "value is that profile's (its source: gives their origin)"
                    ),
                    (
                        "efficiency",
                        "fitted by `plan calibrate \(runs.joined(separator: " "))` on \(chosen.count) "
                            + "runs (\(chosen.map(\.id).joined(separator: ", "))): \(fitted); median |error| "
                            + percent(report.medianBefore) + " before, " + percent(report.medianAfter) + " after"
                            + (report.medianLeaveOneOut.map { ", " + percent($0) + " left out" } ?? "")
                    ),
                ])
            try OutputWriter.emit(text, to: out)
            FileHandle.standardError.write(
                Data("wrote \(out) (profile \(calibrated.name)); name it in a cluster file as `gpu: \(out)`\n".utf8))
        }
        switch format {
        case .json: FileHandle.standardOutput.write(try report.prettyJSON())
        case .table: FileHandle.standardOutput.write(Data(report.table().utf8))
        }
    }

    private func percent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }

    /// The microbenchmark script for the best plan of --model on --cluster.
    private func writeBench() throws {
        let data = DataDirectory()
        try OutPath.check(out)
        let precisions = try PrecisionList.parse(precision, flag: "--precision")
        let model = try data.model(self.model), cluster = try data.cluster(self.cluster)
        let space = SearchSpace(
            model: model, cluster: cluster, globalBatchSize: 128, sequenceLength: min(model.maxPositions, 8192),
            precisions: precisions, framework: try data.framework(framework))
        let config =
            TrainingSearch.run(space: space, options: SearchOptions(top: 1)).plans.first?.config
            ?? ParallelConfiguration(
                globalBatchSize: 128, sequenceLength: min(model.maxPositions, 8192), precision: precisions[0])
        let script = MicrobenchScript.text(
            shapes: MicrobenchScript.shapes(model: model, config: config), dtype: precisions[0],
            origin: "\(model.name) on \(cluster.name), \(config.degreeLabel())")
        try OutputWriter.emit(script, to: out)
    }

    /// A profile from the microbenchmark's results, starting from --profile's values.
    private func profileFromBench() throws {
        guard let profile else {
            throw InputError(
                key: "--profile", "is needed with --from-bench: the bundled profile whose peaks to start from")
        }
        guard let out else { throw InputError(key: "--out", "is needed with --from-bench: the profile file to write") }
        let data = DataDirectory()
        try OutPath.check(out, inputs: fromBench)
        guard var start = data.bundledProfiles().first(where: { $0.name == profile }) else {
            throw InputError(key: "--profile", "'\(DisplayText.escaped(profile))' is not a bundled hardware profile")
        }
        let results = try fromBench.map(MicrobenchResults.load)
        let (measured, sources) = try MicrobenchResults.apply(results, to: start, files: fromBench)
        start = measured
        let original = start.name
        start.name = name ?? "\(original)-bench"
        let text = ProfileWriter.yaml(
            start,
            sources: [
                ("profile", "hardware-profiles/\(original).yaml: every value not listed here is that profile's")
            ] + sources)
        try OutputWriter.emit(text, to: out)
        FileHandle.standardOutput.write(
            Data(
                (["wrote \(out) (profile \(start.name)) from \(fromBench.joined(separator: ", ")):"]
                    + sources.map { "  \($0.key): \($0.text)" } + [
                        "microbenchmarks are upper bounds of what a training step reaches: calibrate on runs "
                            + "(plan calibrate RUNS) once there are any"
                    ]).joined(separator: "\n").utf8 + Data("\n".utf8)))
    }
}
