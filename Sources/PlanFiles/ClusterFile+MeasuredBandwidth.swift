import CostModel

extension ClusterFile {
    /// The collectives of `measured_bus_GBps`: all-reduce, and the two ring gathers.
    static let measuredCollectives = ["all_reduce", "all_gather", "reduce_scatter"]

    /// Reads `measured_bus_GBps` (README, "Cluster files"): the cluster's own nccl-tests bus bandwidth by node
    /// count,
    ///
    ///     measured_bus_GBps:
    ///       message_MiB: 256
    ///       all_reduce: {2: 361.7, 4: 160.1, 8: 99.6}
    ///       all_gather: {2: 184.6, 4: 119.0, 8: 69.0}
    ///       reduce_scatter: {2: 181.6, 4: 115.8, 8: 68.6}
    ///       source: "where it was measured"
    ///
    /// Node counts are whole numbers ≥ 1 (one node is NVLink and is kept for reference, not used);
    /// bandwidths are GB/s per GPU, one direction, at most the NVLink rate. All-gather and reduce-scatter
    /// share one ring algorithm, so where both are given the model uses their mean at each node count.
    /// A `source:` is required: a measurement without one cannot be checked. The table is keyed by nodes,
    /// and a group's node span is counted in NVLink domains, so it is refused where a node is not one
    /// domain (PCIe boxes, NVL72 racks of 4-GPU trays), and on clusters of several `groups:`, whose
    /// stages are costed per group without it.
    static func measuredBusBandwidth(
        _ yaml: YAMLMapping, nvlinkGBps: Double, domainGPUs: Int, gpusPerNode: Int
    ) throws -> MeasuredBusBandwidth? {
        guard
            let table = try nodeKeyedTable(
                yaml, key: "measured_bus_GBps", domainGPUs: domainGPUs, gpusPerNode: gpusPerNode,
                keys: measuredCollectives + ["message_MiB"],
                measured: "the bandwidths were measured (tool, message size, date)")
        else { return nil }
        _ = try table.number("message_MiB", in: 0.000001...1_000_000, fix: "give the message size in MiB")
        var columns: [String: [Int: Double]] = [:]
        for name in measuredCollectives {
            guard let column = try table.mapping(name) else { continue }
            columns[name] = try nodeColumn(
                column, in: 0.001...(nvlinkGBps * 1.0001), example: "2: 361.7",
                fix: "give the bus bandwidth per GPU in GB/s, one direction, at most the NVLink rate "
                    + "\(YAMLMapping.format(nvlinkGBps)) GB/s")
            guard columns[name]!.keys.contains(where: { $0 > 1 }) else {
                throw table.error(
                    at: name, message: "has no node count above 1; give the bandwidth measured across 2 or more nodes")
            }
        }
        guard !columns.isEmpty else {
            throw yaml.error(
                at: "measured_bus_GBps",
                message: "has none of \(measuredCollectives.joined(separator: ", ")); give at least one")
        }
        let gathers = [columns["all_gather"], columns["reduce_scatter"]].compactMap { $0 }
        var gather: [Int: Double] = [:]
        for nodes in Set(gathers.flatMap(\.keys)) {
            let values = gathers.compactMap { $0[nodes] }
            gather[nodes] = values.reduce(0, +) / Double(values.count)
        }
        return MeasuredBusBandwidth(
            allReduceGBps: columns["all_reduce"] ?? [:], gatherGBps: gather)
    }

    /// A table keyed by node count (`measured_bus_GBps`, `pipeline_handoff_seconds`): nil when
    /// `key` is absent; refused on a cluster of several groups (each group's stages are costed on its
    /// own) and where a node is not one NVLink domain (the tables count nodes, the cost model NVLink
    /// domains); its keys are `keys` with `source` (required: a measurement without one cannot be checked)
    /// and `notes`.
    static func nodeKeyedTable(
        _ yaml: YAMLMapping, key: String, domainGPUs: Int, gpusPerNode: Int, keys: [String], measured: String
    ) throws -> YAMLMapping? {
        guard let table = try yaml.mapping(key) else { return nil }
        if yaml.contains("groups") {
            throw yaml.error(
                at: key,
                message: "is not read on a cluster of several groups (each group's stages are costed on its own); "
                    + "remove it, or give it in a cluster file of one group")
        }
        if domainGPUs != gpusPerNode {
            throw yaml.error(
                at: key,
                message: "is keyed by nodes, but a node here is not one NVLink domain (\(gpusPerNode) GPUs per node, "
                    + "nvlink_domain_gpus \(domainGPUs)); it applies only where nvlink_domain_gpus equals gpus_per_node"
            )
        }
        try table.requireKnownKeys(keys + ["source", "notes"])
        guard let source = try table.string("source"), !YAMLMapping.isBlank(source) else {
            throw table.error(at: "source", message: "is missing; say where \(measured)")
        }
        return table
    }

    /// One column of such a table: whole node counts ≥ 1 to numbers in `range`.
    static func nodeColumn(
        _ column: YAMLMapping, in range: ClosedRange<Double>, example: String, fix: String
    ) throws -> [Int: Double] {
        var values: [Int: Double] = [:]
        for key in column.keys {
            guard let nodes = Int(key), nodes >= 1, nodes <= 1_000_000 else {
                throw column.error(
                    key, nil, "is not a node count; key each value by a whole number of nodes, like \(example)")
            }
            values[nodes] = try column.number(key, in: range, fix: fix)
        }
        return values
    }
}
