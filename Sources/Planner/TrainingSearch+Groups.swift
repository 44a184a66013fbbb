import CostModel

extension TrainingSearch {
    /// On a cluster of several device groups, the best plan of each group alone (the others idle),
    /// in group order: what a mixed plan is measured against. Groups where nothing fits are left out.
    public static func bestOnEachGroup(
        space: SearchSpace, options: SearchOptions
    ) -> [(group: Int, plan: TrainingPlan)] {
        guard space.cluster.groups.count > 1 else { return [] }
        var single = options
        single.top = 1
        return space.cluster.groups.indices.compactMap { g in
            var scoped = space
            scoped.cluster = space.cluster.subcluster(group: g)
            return run(space: scoped, options: single).plans.first.map { (g, $0) }
        }
    }
}
