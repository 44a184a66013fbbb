import CostModel

/// The integer program that places replicas on a cluster: how many replicas of each option
/// (shape, batch, precision, device group) to run so that whole-cluster output throughput is
/// largest, on no more devices than each group has.
///
///     maximise  Σ_o x_o · throughput_o                  (1)
///     Σ_{o on group g} x_o · devices_o ≤ devices_g        (2) per device group
///     x_o ∈ ℤ≥0
public struct ReplicaPlacementProgram: Sendable {
    public let cluster: ClusterDescription
    public let options: [ReplicaOption]
    public private(set) var program = LinearProgram()

    /// Throughput is scaled to thousands of tokens/s inside the program.
    private static let unit = 1000.0

    public init(cluster: ClusterDescription, options: [ReplicaOption]) {
        self.cluster = cluster
        self.options = options
        for (o, option) in options.enumerated() {
            let most = cluster.groups[option.group].devices / option.config.devicesPerReplica
            program.addVariable(
                "replicas[\(o)]", .between(0, Double(most)), integer: true,
                objective: -option.outputTokensPerSecond / Self.unit)
        }
        for (g, group) in cluster.groups.enumerated() {
            let terms = options.enumerated().filter { $0.element.group == g }
                .map { LinearProgram.Term($0.offset, Double($0.element.config.devicesPerReplica)) }
            if !terms.isEmpty { program.addRow("devices[\(g)]", terms, .atMost(Double(group.devices))) }
        }
    }

    public func solve(options solver: SolverOptions = SolverOptions()) throws(SolverError) -> InferencePlan {
        let solution = try program.solve(options: solver)
        var replicas: [(ReplicaOption, Int)] = []
        for (o, option) in options.enumerated() {
            let count = Int(solution.values[o].rounded())
            if count > 0 { replicas.append((option, count)) }
        }
        guard !replicas.isEmpty else { throw .infeasible }
        replicas.sort { ($0.1, $0.0.outputTokensPerSecond) > ($1.1, $1.0.outputTokensPerSecond) }
        let total = replicas.reduce(0.0) { $0 + Double($1.1) * $1.0.outputTokensPerSecond }
        return InferencePlan(
            replicas: replicas.map { (option: $0.0, count: $0.1) }, outputTokensPerSecond: total,
            status: solution.status)
    }
}
