import CostModel
import Planner

extension TrainingPlanDocument {
    /// The plan of a search: its best plan, with the next best distinct plans as `alternatives` and
    /// why other degrees lose as `whyNotOthers`. The solver status is "optimal" only when GLPK proved
    /// every reported split optimal. `result` must hold at least one plan.
    package init(
        result: SearchResult, model: ModelDescription, cluster: ClusterDescription, framework: Framework,
        wallSeconds: Double
    ) {
        let solver = Solver(
            status: result.plans.allSatisfy { $0.splitStatus == .optimal } ? "optimal" : "feasible",
            candidates: result.candidates, milpsSolved: result.milpsSolved, pruned: result.pruned,
            wallSeconds: wallSeconds)
        let alternatives = result.plans.dropFirst().map {
            TrainingPlanDocument(
                plan: $0, model: model, cluster: cluster, framework: framework,
                solver: .init(
                    status: $0.splitStatus.rawValue, candidates: result.candidates,
                    milpsSolved: result.milpsSolved, pruned: result.pruned, wallSeconds: wallSeconds))
        }
        self.init(
            plan: result.plans[0], model: model, cluster: cluster, framework: framework, solver: solver,
            whyNotOthers: result.rejections, alternatives: Array(alternatives))
    }
}
