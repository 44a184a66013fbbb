import CostModel
import Foundation
import PlanFiles
import Planner

extension ValidateCommand {
    /// The models of the playbook grid, by the labels of its `model` column (validation/PLAYBOOK-GRID.md).
    static let gridModels = ["1B": "playbook-1b", "3B": "playbook-3b"]
    /// The grid's nodes: AWS p5 (8 H100 80GB on NVLink, EFA 400 Gb/s per GPU) with the bus bandwidth the
    /// playbook's authors measured on that cluster (clusters/aws-p5-efa-64.yaml); each row gets its own node count.
    static let defaultGridCluster = "aws-p5-efa-64"

    /// `plan validate --grid FILE`: loads the grid and its models, and predicts every row with the
    /// published degrees split evenly over the stages (`.uniform`, no recomputed layers): tokens/s per
    /// GPU = tokens/s ÷ devices, memory = the estimate's peak bytes per GPU, fits = memory ≤ the device's.
    /// A configuration the cost model refuses (more stages than layers) has no prediction.
    func gridReport(_ path: String, data: DataDirectory) throws -> GridReport {
        let framework = try data.framework(self.framework ?? "nanotron")
        let models = try Self.gridModels.mapValues { try data.model($0) }
        let runs = try GridFile.load(contentsOf: URL(fileURLWithPath: path), shownAs: path, models: models)
        let base = try data.cluster(gridCluster ?? Self.defaultGridCluster, flag: "--grid-cluster")
        let cluster = { (nodes: Int) -> ClusterDescription in
            var cluster = base
            cluster.name = "h100-\(nodes)x8"
            cluster.groups[0].nodes = nodes
            return cluster
        }
        let predict: GridReport.Predictor = { config, model, cluster in
            guard config.problems(model: model, cluster: cluster).isEmpty, framework.problem(with: config) == nil else {
                return nil
            }
            let plan = try TrainingSearch.evaluate(
                model: model, cluster: cluster, config: config, framework: framework,
                method: .uniform(recomputedPerStage: nil))
            let memory = plan.estimate.memory
            let perDevice = plan.estimate.tokensPerSecond / Double(cluster.devices)
            return GridReport.Prediction(
                tokensPerSecondPerDevice: perDevice, memoryBytes: memory.allocatorReservedBytes,
                fits: memory.totalBytes <= cluster.profile.memoryBytes)
        }
        var report = try GridReport(runs: runs, cluster: cluster, predict: predict)
        if base.pipelineHandoff?.framework == framework.name {
            report.handoff = try GridReport.handoffCheck(
                runs: runs, framework: framework.name, cluster: cluster, predict: predict)
        }
        return report
    }
}
