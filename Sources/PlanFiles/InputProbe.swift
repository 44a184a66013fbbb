import CostModel
import Foundation
import Planner

/// One input's bytes decoded as a model file and as a cluster file, exactly as `--model FILE` and
/// `--cluster FILE` decode them, and whatever decodes run through the cheap code behind the loaders:
/// parameter and FLOP counts, the configuration checks, and `plan evaluate --split uniform` with its
/// JSON document; never the search, whose MILPs take far too long per input.
///
/// The libFuzzer target (Fuzz/PlanFuzz) probes every input with this and traps on a finding;
/// Tests/PlanFilesTests replays the seeds and the findings through it. A thrown `InputError` is the
/// right answer to a bad file; a trap, a hang, or a finding listed in `Outcome.findings` is a bug.
package struct InputProbe: Sendable {
    package let directory: DataDirectory
    /// What a decoded model is evaluated with: small, so a probe stays cheap.
    let referenceCluster: ClusterDescription
    /// What a decoded cluster is evaluated with.
    let referenceModel: ModelDescription

    /// Devices up to which a decoded cluster's plan document is built and encoded (its device map
    /// has a row per GPU: for the largest clusters encoding it would dominate the probe).
    static let maximumDocumentDevices = 4096

    /// Loads the bundled `gpt3-125m` model and `dgx-h100-8` cluster from `directory`.
    package init(directory: DataDirectory = DataDirectory()) throws {
        self.directory = directory
        referenceModel = try directory.model("gpt3-125m")
        referenceCluster = try directory.cluster("dgx-h100-8")
    }

    /// What one input decoded to, both ways, and what went wrong beyond a clear error.
    package struct Outcome: Sendable {
        package var model: Result<ModelDescription, any Error>
        package var cluster: Result<ClusterDescription, any Error>
        /// Failures that are not a clear `InputError`: an error of another type from a loader (the
        /// command would print it raw), or an evaluated plan whose JSON cannot be encoded.
        package var findings: [String] = []
    }

    /// Decodes `data` as a model file and as a cluster file, then exercises what decoded.
    package func probe(_ data: Data) -> Outcome {
        var outcome = Outcome(
            model: Result { try directory.model(data: data, shownAs: "input.yaml", defaultName: "input") },
            cluster: Result { try directory.cluster(data: data, shownAs: "input.yaml", defaultName: "input") })
        for (side, error) in [("model", outcome.model.failure), ("cluster", outcome.cluster.failure)] {
            if let error, !(error is InputError) {
                outcome.findings.append("\(side): \(type(of: error)) is not an InputError: \(error)")
            }
        }
        if case .success(let model) = outcome.model {
            outcome.findings += exercise(model: model, cluster: referenceCluster)
        }
        if case .success(let cluster) = outcome.cluster {
            outcome.findings += exercise(model: referenceModel, cluster: cluster)
        }
        return outcome
    }

    /// Counts, checks and uniform-split evaluations of `model` on `cluster`: data parallelism over
    /// every GPU, then tensor parallelism over a node, as `plan evaluate --split uniform` runs them.
    func exercise(model: ModelDescription, cluster: ClusterDescription) -> [String] {
        var findings: [String] = []
        _ = model.totalParameters + model.activeParameters
        let sequence = min(model.maxPositions, 8192)
        _ = model.trainingFLOPsPerToken(sequenceLength: sequence)
        let devices = cluster.devices
        let precision: Precision = cluster.profile.supports(.bf16) ? .bf16 : .fp16
        for tensor in Set([1, cluster.gpusPerNode]) where tensor >= 1 && devices % tensor == 0 {
            let config = ParallelConfiguration(
                tensor: tensor, data: devices / tensor,
                globalBatchSize: devices / tensor, sequenceLength: sequence,
                precision: precision)
            guard DegreeBounds.problem(config, devices: devices) == nil,
                config.problems(model: model, cluster: cluster).isEmpty
            else { continue }
            for recompute in [RecomputeGranularity.none, .full] {
                var variant = config
                variant.recompute = recompute
                guard
                    let plan = try? TrainingSearch.evaluate(
                        model: model, cluster: cluster, config: variant,
                        framework: .megatronDefaults,
                        method: .uniform(recomputedPerStage: nil))
                else {
                    findings.append("evaluate threw for \(variant) although its configuration checks passed")
                    continue
                }
                guard devices <= Self.maximumDocumentDevices else { continue }
                let solver = TrainingPlanDocument.Solver(
                    status: plan.splitStatus.rawValue, candidates: 1,
                    milpsSolved: 0, pruned: 0, wallSeconds: 0)
                let document = TrainingPlanDocument(
                    plan: plan, model: model, cluster: cluster,
                    framework: .megatronDefaults, solver: solver, alternatives: [])
                do { _ = try document.prettyJSON() } catch {
                    findings.append("the plan document of \(variant) cannot be encoded: \(error)")
                }
            }
        }
        return findings
    }
}

private extension Result {
    /// The error, or nil on success.
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
