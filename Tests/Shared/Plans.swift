import CostModel
import Foundation
import Launchers
import PlanFiles
import Planner

/// A plan as one `plan train`, `plan evaluate` or `plan infer` command line asks for it. `Plans` makes it
/// in process the way the command does (Sources/plan/Commands), so launcher tests need no binary;
/// Tests/planTests/ExportEndToEndTests.swift checks that the binary prints the same plan.
enum PlanRequest: CustomStringConvertible, Sendable {
    /// `plan train --model M --cluster C` with the default batch, sequence length and precision.
    case train(model: String, cluster: String)
    case evaluate(Evaluation)
    case infer(Inference)

    /// `plan evaluate`: one given configuration, no search.
    struct Evaluation: Sendable {
        var model: String
        var cluster: String
        var globalBatch = 128
        var sequenceLength: Int? = nil
        var tp: Int
        var pp: Int
        var dp: Int
        var mbs: Int
        var vpp = 1
        var cp = 1
        var ep = 1
        var recompute: RecomputeGranularity = .none
        var zero = 1
        var precision: Precision = .bf16
        /// `--split uniform` (even layers) instead of the split MILP.
        var uniform = false
        /// `--framework`.
        var framework = "megatron"
        /// `--cpu-offload-layers`.
        var cpuOffloadLayers = 0
    }

    /// `plan infer`: the serving search, or with `given` the prediction of one configuration.
    struct Inference: Sendable {
        var model: String
        var cluster: String
        var precisions: [Precision] = [.bf16]
        var kvPrecision: Precision = .bf16
        var given: Given? = nil

        /// `--tp --pp --replicas --batch`.
        struct Given: Sendable {
            var tp: Int
            var pp: Int
            var replicas: Int
            var batch: Int
        }
    }

    /// The command line (after `plan`) that asks for this plan.
    var arguments: [String] {
        switch self {
        case .train(let model, let cluster): return ["train", "--model", model, "--cluster", cluster]
        case .evaluate(let e):
            var words = ["evaluate", "--model", e.model, "--cluster", e.cluster, "--global-batch", "\(e.globalBatch)"]
            if let length = e.sequenceLength { words += ["--seq-len", "\(length)"] }
            words += [
                "--tp", "\(e.tp)", "--pp", "\(e.pp)", "--dp", "\(e.dp)", "--mbs", "\(e.mbs)",
                "--vpp", "\(e.vpp)", "--cp", "\(e.cp)", "--ep", "\(e.ep)", "--recompute", e.recompute.rawValue,
                "--zero", "\(e.zero)", "--precision", e.precision.rawValue,
            ]
            if e.cpuOffloadLayers > 0 { words += ["--cpu-offload-layers", "\(e.cpuOffloadLayers)"] }
            return words + (e.uniform ? ["--split", "uniform"] : []) + ["--framework", e.framework]
        case .infer(let i):
            var words = [
                "infer", "--model", i.model, "--cluster", i.cluster,
                "--precision", i.precisions.map(\.rawValue).joined(separator: ","),
                "--kv-precision", i.kvPrecision.rawValue,
            ]
            if let g = i.given {
                words += ["--tp", "\(g.tp)", "--pp", "\(g.pp)", "--replicas", "\(g.replicas)", "--batch", "\(g.batch)"]
            }
            return words
        }
    }

    var description: String { "plan " + arguments.joined(separator: " ") }
}

enum Plans {
    /// The plan `request` asks for, with `solver.wallSeconds` 0.
    static func document(_ request: PlanRequest) throws -> PlanDocument {
        let data = DataDirectory()
        switch request {
        case .train(let modelName, let clusterName):
            // TrainCommand with its defaults: --global-batch 128, --seq-len the model's context (at most
            // 8192), --precision bf16, --top 4, --time-limit 30.
            let model = try data.model(modelName), cluster = try data.cluster(clusterName)
            let framework = try data.framework("megatron")
            let space = SearchSpace(
                model: model, cluster: cluster, globalBatchSize: 128,
                sequenceLength: min(model.maxPositions, 8192), precisions: [.bf16],
                framework: framework)
            let options = SearchOptions(top: 4, solver: SolverOptions(timeLimitSeconds: 30))
            let result = TrainingSearch.run(space: space, options: options)
            guard !result.plans.isEmpty else { throw InputError("no configuration fits") }
            var document = TrainingPlanDocument(
                result: result, model: model, cluster: cluster, framework: framework, wallSeconds: 0)
            document.attachUncertainty(data.predictionIntervals())
            return .training(document)
        case .evaluate(let e):
            let model = try data.model(e.model), cluster = try data.cluster(e.cluster)
            let framework = try data.framework(e.framework)
            var config = ParallelConfiguration(
                tensor: e.tp, pipeline: e.pp, data: e.dp, context: e.cp, expert: e.ep, virtualStages: e.vpp,
                microbatchSize: e.mbs, globalBatchSize: e.globalBatch,
                sequenceLength: e.sequenceLength ?? min(model.maxPositions, 8192), sequenceParallel: e.tp > 1,
                recompute: e.recompute, zeroStage: ZeROStage(rawValue: e.zero) ?? .optimizer, precision: e.precision,
                flashAttention: true)
            config.offloadedLayers = e.cpuOffloadLayers
            let plan = try TrainingSearch.evaluate(
                model: model, cluster: cluster, config: config, framework: framework,
                method: e.uniform ? .uniform(recomputedPerStage: nil) : .optimal)
            let solver = TrainingPlanDocument.Solver(
                status: plan.splitStatus.rawValue, candidates: 1,
                milpsSolved: e.uniform ? 0 : 1, pruned: 0, wallSeconds: 0)
            var document = TrainingPlanDocument(
                plan: plan, model: model, cluster: cluster, framework: framework, solver: solver, alternatives: [])
            document.attachUncertainty(data.predictionIntervals())
            return .training(document)
        case .infer(let i):
            return .inference(try inference(i, data: data))
        }
    }

    /// InferCommand with its defaults: 1024 prompt and 256 output tokens, no latency targets, --top 4.
    private static func inference(_ i: PlanRequest.Inference, data: DataDirectory) throws -> InferencePlanDocument {
        let model = try data.model(i.model), cluster = try data.cluster(i.cluster)
        let prompt = 1024, output = 256
        if let g = i.given {
            let config = InferenceConfiguration(
                tensor: g.tp, pipeline: g.pp, replicas: 1, batchSize: g.batch,
                promptTokens: prompt, outputTokens: output, precision: i.precisions[0],
                kvCachePrecision: i.kvPrecision)
            let option = ReplicaOption(model: model, cluster: cluster, group: 0, config: config)
            let plan = InferencePlan(
                replicas: [(option: option, count: g.replicas)],
                outputTokensPerSecond: option.outputTokensPerSecond * Double(g.replicas),
                status: .optimal)
            let solver = TrainingPlanDocument.Solver(
                status: "optimal", candidates: 1, milpsSolved: 0, pruned: 0,
                wallSeconds: 0)
            return InferencePlanDocument(plan: plan, model: model, cluster: cluster, solver: solver, alternatives: [])
        }
        let targets = InferenceTargets(precisions: i.precisions, kvCachePrecision: i.kvPrecision)
        let result = try InferenceSearch.run(
            model: model, cluster: cluster, promptTokens: prompt,
            outputTokens: output, targets: targets, top: 4)
        let solver = TrainingPlanDocument.Solver(
            status: result.plan.status.rawValue, candidates: result.options,
            milpsSolved: 1 + result.alternatives.count, pruned: 0, wallSeconds: 0)
        let alternatives = result.alternatives.map {
            InferencePlanDocument(
                plan: $0, model: model, cluster: cluster,
                solver: .init(
                    status: $0.status.rawValue, candidates: result.options, milpsSolved: 1,
                    pruned: 0, wallSeconds: 0))
        }
        return InferencePlanDocument(
            plan: result.plan, model: model, cluster: cluster, solver: solver,
            alternatives: alternatives)
    }

    /// Writes the plan `request` asks for into `directory` as `name`, as `--out` writes it, and returns
    /// the file's path and its JSON.
    static func write(
        _ request: PlanRequest, in directory: URL, name: String = "plan.json"
    ) throws
        -> (path: String, json: [String: Any])
    {
        let url = directory.appendingPathComponent(name)
        let bytes = try document(request).json()
        try bytes.write(to: url)
        return (url.path, try JSONSerialization.jsonObject(with: bytes) as? [String: Any] ?? [:])
    }

    /// `plan export --to FORMAT PATH [--hosts ...]` (Sources/plan/Commands/ExportCommand.swift): the plan
    /// file read and checked, then rendered for the launcher.
    static func export(_ path: String, as format: ExportFormat, hosts: [String]? = nil) throws -> LauncherExport {
        let (document, origin) = try PlanDocument.load(path: path)
        return try LauncherExport.render(document, origin: origin, as: format, hosts: hosts)
    }

    /// A scratch directory for files a test writes.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plan-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension LauncherExport {
    /// The document as text (what `plan export` prints).
    var text: String { String(decoding: document, as: UTF8.self) }

    /// The document parsed as a JSON object (deepspeed, tensorflow).
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: document) as? [String: Any] ?? [:]
    }
}
