import CostModel
import Foundation
import Planner

/// Turns a search result into the JSON plan or the table for people.
enum PlanRendering {
    static func render(result: SearchResult, model: ModelDescription, cluster: ClusterDescription,
                       wallSeconds: Double, format: OutputFormat) throws -> Data {
        guard let best = result.plans.first else { return Data() }
        let solver = PlanDocument.Solver(
            status: result.plans.allSatisfy { $0.splitStatus == .optimal } ? "optimal" : "feasible",
            candidates: result.candidates, milpsSolved: result.milpsSolved, pruned: result.pruned, wallSeconds: wallSeconds)
        let alternatives = result.plans.dropFirst().map {
            PlanDocument(plan: $0, model: model, cluster: cluster,
                         solver: .init(status: $0.splitStatus.rawValue, candidates: result.candidates,
                                       milpsSolved: result.milpsSolved, pruned: result.pruned, wallSeconds: wallSeconds))
        }
        let document = PlanDocument(plan: best, model: model, cluster: cluster, solver: solver,
                                    whyNotOthers: result.rejections, alternatives: Array(alternatives))
        switch format {
        case .json: return try document.json()
        case .table: return Data(PlanTable.text(document).utf8)
        }
    }
}
