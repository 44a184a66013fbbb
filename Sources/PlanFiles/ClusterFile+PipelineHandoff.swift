import CostModel

extension ClusterFile {
    /// Reads `pipeline_handoff_seconds` (README, "Cluster files"): what a microbatch handoff between
    /// pipeline stages on different nodes cost on this cluster beyond the transfer, per pipeline rank
    /// (forward and backward together), by the job's node count, with the framework it was found with
    /// (a framework name as in frameworks/; only plans for that framework pay it):
    ///
    ///     pipeline_handoff_seconds:
    ///       framework: nanotron
    ///       by_nodes: {2: 0.014, 8: 0.061, 64: 0.995}
    ///       source: "how it was measured or fitted"
    ///
    /// Seconds are above 0 (log-log interpolation) and at most an hour; the framework is one of
    /// `frameworks` (the bundled ones) where there are any; the same refusals as `measured_bus_GBps`
    /// (`nodeKeyedTable`).
    static func pipelineHandoff(
        _ yaml: YAMLMapping, domainGPUs: Int, gpusPerNode: Int, frameworks: [String]
    ) throws -> PipelineHandoff? {
        let key = "pipeline_handoff_seconds"
        guard
            let table = try nodeKeyedTable(
                yaml, key: key, domainGPUs: domainGPUs, gpusPerNode: gpusPerNode, keys: ["by_nodes", "framework"],
                measured: "the handoff time was measured or fitted")
        else { return nil }
        guard let column = try table.mapping("by_nodes") else {
            throw table.error(at: "by_nodes", message: "is missing; give seconds by node count, like {2: 0.014}")
        }
        let seconds = try nodeColumn(
            column, in: 0.000001...3600, example: "2: 0.014",
            fix: "give the seconds per microbatch per pipeline rank, above 0")
        guard seconds.keys.contains(where: { $0 > 1 }) else {
            throw table.error(
                at: "by_nodes", message: "has no node count above 1; give the time measured on 2 or more nodes")
        }
        guard let framework = try table.string("framework"), !YAMLMapping.isBlank(framework) else {
            throw table.error(
                at: "framework",
                message:
                    "is missing; name the framework the times were found with (like nanotron): only its plans pay them")
        }
        if !frameworks.isEmpty, !frameworks.contains(framework) {
            throw table.error(
                at: "framework",
                message: "'\(framework)' is not a framework in frameworks/ (a table is for a bundled framework, "
                    + "whose name its plans carry); use one of " + frameworks.joined(separator: ", "))
        }
        return PipelineHandoff(framework: framework, secondsByNodes: seconds)
    }
}
