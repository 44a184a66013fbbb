import ArgumentParser
import CostModel
import Foundation
import PlanFiles
import Planner

/// `plan evaluate`: predict a given configuration, no search (how predictions are checked
/// against published runs). The layer split comes from the same MILP as `plan train`.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Predict step time and memory of a given configuration.")

    @OptionGroup var workload: WorkloadOptions
    @Option(help: "Tensor-parallel degree.") var tp: Int
    @Option(help: "Pipeline-parallel degree.") var pp: Int
    @Option(help: "Data-parallel degree.") var dp: Int
    @Option(help: "Microbatch size (sequences).") var mbs: Int
    @Option(help: "Virtual pipeline stages per rank (interleaved 1F1B).") var vpp: Int = 1
    @Option(help: "Context-parallel degree.") var cp: Int = 1
    @Option(help: "Expert-parallel degree (MoE).") var ep: Int = 1
    @Flag(help: "Sequence parallelism (default: on when --tp > 1).") var sp = false
    @Flag(name: .customLong("no-sp"), help: "Turn sequence parallelism off.") var noSP = false
    @Option(help: "none, selective or full.") var recompute: RecomputeGranularity = .none
    @Option(
        name: .customLong("recompute-layers"),
        help: "With --split uniform and full recompute: layers recomputed per stage (default all).")
    var recomputeLayers: Int?
    @Flag(
        name: .customLong("unfused-attention"),
        help: "Unfused softmax attention (2021-era Megatron, BLOOM) instead of flash attention.")
    var unfusedAttention = false
    @Option(
        name: .customLong("cpu-offload-layers"),
        help: "Layers, from the first, whose activations wait in host memory (pp 1, no recompute).")
    var cpuOffloadLayers = 0
    @Option(help: "ZeRO stage 0-3 (1 = distributed optimizer, 3 = FSDP).") var zero: Int = 1
    @Option(help: "bf16, fp16, fp8 or fp32.") var precision: String = "bf16"
    @Option(
        name: .customLong("stage-groups"),
        help: ArgumentHelp(
            "On a cluster with groups: the group (0, 1, ... in file order) of each pipeline stage, comma-separated "
                + "(default: stages fill the groups in file order)."))
    var stageGroups: String?
    @Option(help: "optimal (the split MILP) or uniform (even layers, Megatron's default).") var split: SplitChoice =
        .optimal
    @Option(help: "Write the plan to this file (atomically) instead of standard output.") var out: String?
    @Option(help: "json, table or svg (a picture of the step and the memory per rank).") var format: PlanFormat = .json

    enum SplitChoice: String, ExpressibleByArgument { case optimal, uniform }

    /// The first of a few changes to `config` (full recompute, a higher ZeRO stage, both, then
    /// twice the pipeline stages for half the data parallelism) whose split MILP finds a split that
    /// fits, as the flags to give: a fix that was tried.
    static func fittingVariant(of config: ParallelConfiguration, loaded: LoadedWorkload) -> String {
        var variants: [(flags: String, config: ParallelConfiguration)] = []
        // Recompute and offload exclude each other, so these variants drop an offload given.
        let dropOffload = config.offloadedLayers > 0 ? "--cpu-offload-layers 0 " : ""
        func add(_ flags: String, _ change: (inout ParallelConfiguration) -> Void) {
            var changed = config
            change(&changed)
            if changed.recompute != .none { changed.offloadedLayers = 0 }
            if changed != config { variants.append(((changed.recompute != .none ? dropOffload : "") + flags, changed)) }
        }
        add("--recompute full") { $0.recompute = .full }
        for stage in ZeROStage.allCases where stage > config.zeroStage {
            add("--zero \(stage.rawValue)") { $0.zeroStage = stage }
            add("--recompute full --zero \(stage.rawValue)") {
                $0.recompute = .full
                $0.zeroStage = stage
            }
        }
        if config.data % 2 == 0 {
            add("--pp \(config.pipeline * 2) --dp \(config.data / 2) --recompute full") {
                $0.pipeline *= 2
                $0.data /= 2
                $0.recompute = .full
            }
        }
        let offload = fewestOffloadedLayers(config, loaded: loaded).map { n, plan in
            "--cpu-offload-layers \(n) (\(gib(plan)) GiB, \(PlanTable.fmt(plan.estimate.stepSeconds)) s a step)"
        }
        for variant in variants where loaded.framework.problem(with: variant.config) == nil {
            guard
                let plan = try? TrainingSearch.evaluate(
                    model: loaded.model, cluster: loaded.cluster, config: variant.config, framework: loaded.framework)
            else { continue }
            return "it fits with \(variant.flags) (\(gib(plan)) GiB, \(PlanTable.fmt(plan.estimate.stepSeconds)) s a "
                + "step)" + (offload.map { ", or with \($0)" } ?? "")
        }
        if let offload { return "it fits with \(offload)" }
        return "neither full recompute, a higher --zero nor twice the pipeline stages makes it fit; use more "
            + "devices per model copy (plan train searches them)"
    }

    private static func gib(_ plan: TrainingPlan) -> String {
        String(format: "%.1f", plan.estimate.memory.totalBytes / 1_073_741_824)
    }

    /// The fewest layers whose activations, offloaded to the host, make `config` fit, with its plan;
    /// nil where the framework, the configuration or the profile cannot offload, or even the most
    /// layers do not fit. Memory falls as layers are offloaded, so a bisection finds it.
    static func fewestOffloadedLayers(
        _ config: ParallelConfiguration, loaded: LoadedWorkload
    ) -> (layers: Int, plan: TrainingPlan)? {
        func fitting(_ n: Int) -> TrainingPlan? {
            var offloaded = config
            offloaded.offloadedLayers = n
            guard offloaded.problems(model: loaded.model, cluster: loaded.cluster).isEmpty,
                loaded.framework.problem(with: offloaded) == nil,
                let plan = try? TrainingSearch.evaluate(
                    model: loaded.model, cluster: loaded.cluster, config: offloaded, framework: loaded.framework),
                plan.estimate.fits
            else { return nil }
            return plan
        }
        var high = loaded.model.layers - 1
        guard high >= 1, var best = fitting(high) else { return nil }
        var low = 0  // does not fit
        while high - low > 1 {
            let middle = (low + high) / 2
            if let plan = fitting(middle) {
                high = middle
                best = plan
            } else {
                low = middle
            }
        }
        return (high, best)
    }

    /// The group of each stage on a cluster of several groups: `--stage-groups`, checked against the
    /// groups' sizes, or the stages filling the groups in file order. Nil on one group.
    func placement(_ config: ParallelConfiguration, cluster: ClusterDescription) throws -> [Int]? {
        guard cluster.groups.count > 1 else {
            if stageGroups != nil {
                throw InputError(key: "--stage-groups", "the cluster has one device group; leave --stage-groups out")
            }
            return nil
        }
        let stage = config.pipelineStride
        let groups: [Int]
        if let stageGroups {
            let parts = stageGroups.split(separator: ",", omittingEmptySubsequences: false).map {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            guard parts.count == config.pipeline, parts.allSatisfy({ $0.map(cluster.groups.indices.contains) ?? false })
            else {
                throw InputError(
                    key: "--stage-groups",
                    "'\(stageGroups)' must list \(config.pipeline) group indices (one per pipeline stage) from 0 to "
                        + "\(cluster.groups.count - 1), comma-separated")
            }
            groups = parts.map { $0! }
        } else {
            // Ranks fill the groups in file order, as a launch that lists the nodes in file order runs.
            var filled: [Int] = []
            var left = cluster.groups.map(\.devices)
            var g = 0
            for _ in 0..<config.pipeline {
                while g < left.count && left[g] < stage { g += 1 }
                guard g < left.count else { break }
                filled.append(g)
                left[g] -= stage
            }
            guard filled.count == config.pipeline else { return nil }
            groups = filled
        }
        for (g, group) in cluster.groups.enumerated() {
            let used = groups.filter { $0 == g }.count * stage
            if used > group.devices {
                throw InputError(
                    key: "--stage-groups",
                    "puts \(used) GPUs (\(used / stage) stages of \(stage)) on group \(g), which has \(group.devices); "
                        + "give it at most \(group.devices / stage) stages")
            }
        }
        return groups
    }

    func validate() throws {
        if sp && noSP { throw ValidationError("--sp and --no-sp contradict each other; give one") }
    }

    func run() throws {
        if let recomputeLayers, recomputeLayers < 0 {
            throw InputError(key: "--recompute-layers", "must be 0 or more layers per stage, got \(recomputeLayers)")
        }
        try OutPath.check(out, inputs: workload.inputPaths)
        let chosen = try PrecisionList.parse(precision, flag: "--precision")
        guard chosen.count == 1 else {
            throw InputError(key: "--precision", "evaluate takes one precision, got \(precision)")
        }
        guard let zeroStage = ZeROStage(rawValue: zero) else {
            throw InputError(key: "--zero", "must be 0, 1, 2 or 3, got \(zero)")
        }
        let loaded = try LoadedWorkload(workload)
        var config = ParallelConfiguration(
            tensor: tp, pipeline: pp, data: dp, context: cp, expert: ep, virtualStages: vpp, microbatchSize: mbs,
            globalBatchSize: loaded.globalBatch, sequenceLength: loaded.sequenceLength,
            sequenceParallel: noSP ? false : (sp || tp > 1), recompute: recompute, zeroStage: zeroStage,
            precision: chosen[0],
            flashAttention: !unfusedAttention)
        config.stageGroups = try placement(config, cluster: loaded.cluster)
        config.offloadedLayers = cpuOffloadLayers
        if let (field, message) = DegreeBounds.problem(config, devices: loaded.cluster.devices) {
            throw InputError(key: Self.flag(field), message)
        }
        if let problem = config.problems(model: loaded.model, cluster: loaded.cluster).first {
            throw InputError(key: Self.flag(problem.field), problem.message)
        }
        if let problem = loaded.framework.problem(with: config) {
            throw InputError(key: "--framework", "\(problem); choose another --framework, or a configuration it runs")
        }
        let started = Date()
        let plan: TrainingPlan
        do {
            plan = try TrainingSearch.evaluate(
                model: loaded.model, cluster: loaded.cluster, config: config,
                framework: loaded.framework,
                method: split == .optimal ? .optimal : .uniform(recomputedPerStage: recomputeLayers))
        } catch let problem as ConfigurationProblem {
            throw InputError(key: Self.flag(problem.field), problem.message)
        } catch SolverError.infeasible {
            throw InputError(
                "tp=\(tp) pp=\(pp) dp=\(dp) mbs=\(mbs) does not fit \(loaded.cluster.profile.name) memory with any "
                    + "layer split; " + Self.fittingVariant(of: config, loaded: loaded))
        } catch let error as SolverError {
            // A limit is not a failure, and neither says that the configuration does not fit.
            let what = error.kind == .limit ? "stopped before finding a split" : "failed"
            // The even split is offered only when it was evaluated and fits.
            let uniform = try? TrainingSearch.evaluate(
                model: loaded.model, cluster: loaded.cluster, config: config, framework: loaded.framework,
                method: .uniform(recomputedPerStage: recomputeLayers))
            let fix =
                uniform.map { $0.estimate.fits } == true
                ? "--split uniform gives a plan that fits (\(PlanTable.fmt(uniform!.estimate.stepSeconds)) s a step)"
                : "the even split (--split uniform) does not fit either; change the degrees (plan train searches them)"
            throw InputError(key: "--split", "the split MILP \(what) for this configuration (\(error)); \(fix)")
        }
        let solver = TrainingPlanDocument.Solver(
            status: plan.splitStatus.rawValue, candidates: 1, milpsSolved: split == .optimal ? 1 : 0,
            pruned: 0, wallSeconds: Date().timeIntervalSince(started))
        var document = TrainingPlanDocument(
            plan: plan, model: loaded.model, cluster: loaded.cluster,
            framework: loaded.framework, solver: solver, alternatives: [])
        document.attachUncertainty(DataDirectory().predictionIntervals())
        if !plan.estimate.fits {
            FileHandle.standardError.write(
                Data(
                    ("warning: predicted \(String(format: "%.1f", plan.estimate.memory.totalBytes / 1_073_741_824)) "
                        + "GiB per device exceeds the "
                        + "\(String(format: "%.1f", plan.estimate.capacityBytes / 1_073_741_824)) GiB usable\n")
                        .utf8))
        }
        switch format {
        case .json: try OutputWriter.emit(try document.prettyJSON(), to: out)
        case .table: try OutputWriter.emit(PlanTable.text(document), to: out)
        case .svg:
            let picture = PlanPicture(
                document: document, plan: plan, model: loaded.model, cluster: loaded.cluster,
                framework: loaded.framework)
            try OutputWriter.emit(picture.render(), to: out)
        }
    }

    static func flag(_ field: ConfigurationProblem.Field) -> String {
        switch field {
        case .tensor: "--tp"
        case .pipeline: "--pp"
        case .data: "--dp"
        case .context: "--cp"
        case .expert: "--ep"
        case .virtualStages: "--vpp"
        case .microbatchSize: "--mbs"
        case .globalBatch: "--global-batch"
        case .sequenceLength: "--seq-len"
        case .zeroStage: "--zero"
        case .precision: "--precision"
        case .recomputeLayers: "--recompute-layers"
        case .offloadedLayers: "--cpu-offload-layers"
        }
    }
}

extension RecomputeGranularity: ExpressibleByArgument {}
