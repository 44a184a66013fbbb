import ArgumentParser
import CostModel
import Foundation
import Launchers
import PlanFiles
import Planner

/// `plan train`: search the space and print the fastest plan that fits, with its alternatives.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Find the fastest training plan that fits memory.")

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "Precisions to consider, comma-separated (bf16, fp16, fp8).")
    var precision: String = "bf16"

    @Option(help: "How many distinct plans to report (the best and its alternatives).")
    var top: Int = 4

    @Option(help: "Write the plan to this file (atomically) instead of standard output.")
    var out: String?

    @Option(help: "json, table or svg (a picture of the step and the memory per rank).")
    var format: PlanFormat = .json

    @Option(name: .customLong("time-limit"), help: "Seconds GLPK may spend on one split MILP.")
    var timeLimit: Double = 30

    @Option(
        help:
            ArgumentHelp(
                "Print the best plan as a launcher configuration instead of JSON (as `plan export --to FORMAT`; --out "
                    + "writes it): \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    )
    var emit: ExportFormat?

    func run() throws {
        guard (1...50).contains(top) else { throw InputError(key: "--top", "must be from 1 to 50 plans, got \(top)") }
        guard timeLimit > 0, timeLimit <= 3600 else {
            throw InputError(key: "--time-limit", "must be more than 0 and at most 3600 seconds, got \(timeLimit)")
        }
        try OutPath.check(out, inputs: workload.inputPaths)
        if emit != nil && format != .json {
            throw InputError(key: "--emit", "cannot be given with --format \(format.rawValue); give one")
        }
        let precisions = try PrecisionList.parse(precision, flag: "--precision")
        let loaded = try LoadedWorkload(workload)
        // On a mixed cluster a precision one group lacks still plans on the groups that have it.
        for p in precisions where !loaded.cluster.groups.contains(where: { $0.profile.supports(p) }) {
            let peaks = Set(
                loaded.cluster.groups.flatMap { $0.profile.densePeakTFLOPS.keys.filter(\.isTrainingPrecision) }
            ).map(\.rawValue)
            let names = Set(loaded.cluster.groups.map(\.profile.name)).sorted().joined(separator: ", ")
            throw InputError(
                key: "--precision",
                "\(names) \(loaded.cluster.groups.count > 1 ? "have" : "has") no dense \(p.rawValue) peak in "
                    + "\(loaded.cluster.groups.count > 1 ? "their profiles" : "its profile"); choose from "
                    + peaks.sorted().joined(separator: ", ")
            )
        }
        let space = SearchSpace(
            model: loaded.model, cluster: loaded.cluster, globalBatchSize: loaded.globalBatch,
            sequenceLength: loaded.sequenceLength, precisions: precisions,
            framework: loaded.framework)
        let started = Date()
        let options = SearchOptions(
            top: top, solver: SolverOptions(timeLimitSeconds: timeLimit),
            timeLimitAdvice: "raise --time-limit")
        let result = TrainingSearch.run(space: space, options: options)
        let wall = Date().timeIntervalSince(started)
        guard !result.plans.isEmpty else {
            throw InputError(Infeasibility.message(result: result, space: space, options: options))
        }
        var document = TrainingPlanDocument(
            result: result, model: loaded.model, cluster: loaded.cluster,
            framework: loaded.framework, wallSeconds: wall)
        document.attachUncertainty(DataDirectory().predictionIntervals())
        document.attachSingleGroupPlans(
            TrainingSearch.bestOnEachGroup(space: space, options: options), cluster: loaded.cluster)
        if let emit {
            let plan = PlanDocument.training(document)
            try plan.check(origin: "plan train")
            try OutputWriter.emit(
                try LauncherExport.render(plan, origin: "plan train", as: emit).document, to: out)
            return
        }
        switch format {
        case .json: try OutputWriter.emit(try document.prettyJSON(), to: out)
        case .table: try OutputWriter.emit(PlanTable.text(document), to: out)
        case .svg:
            let picture = PlanPicture(
                document: document, plan: result.plans[0], model: loaded.model, cluster: loaded.cluster,
                framework: loaded.framework)
            try OutputWriter.emit(picture.render(), to: out)
        }
    }
}
