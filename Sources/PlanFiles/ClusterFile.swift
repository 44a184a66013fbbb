import CostModel
import Foundation

/// Reads a cluster (DESIGN.md, "Cluster file"): one device type, or `groups:` of several.
package enum ClusterFile {
    /// GPUs in one cluster, at most: the plan's device map has a row per GPU, and beyond this
    /// writing it takes longer than the search.
    static let maximumDevices = 262_144

    static func decode(_ yaml: YAMLMapping, defaultName: String, profiles: DataDirectory) throws -> ClusterDescription {
        var groups: [ClusterDescription.Group] = []
        if let key = ["num_hidden_layers", "hidden_size", "n_layer", "num_attention_heads"].first(where: yaml.contains)
        {
            throw yaml.error(
                at: key,
                message: "is a model key: this is a model file; pass it with --model, and a cluster with --cluster")
        }
        let grouped = yaml.contains("groups")
        if grouped, let key = groupKeys.first(where: yaml.contains) {
            throw yaml.error(
                at: key,
                message:
                    "is set per group in a cluster with groups:; move it into each entry of groups (gpu, nodes, "
                    + "gpus_per_node)")
        }
        try yaml.requireKnownKeys(sharedKeys + (grouped ? ["groups"] : groupKeys))
        if let entries = try yaml.sequenceOfMappings("groups") {
            guard !entries.isEmpty else {
                throw yaml.error(
                    at: "groups", message: "is empty; list at least one group with gpu, nodes and gpus_per_node")
            }
            for entry in entries {
                try entry.requireKnownKeys(groupKeys + ["name"])
                groups.append(try group(entry, profiles: profiles))
            }
        } else {
            groups.append(try group(yaml, profiles: profiles))
        }
        let first = groups[0]
        let domain = try yaml.integer("nvlink_domain_gpus", maximum: 100_000)
        if let domain, domain % first.gpusPerNode != 0 && first.gpusPerNode % domain != 0 {
            throw yaml.error(
                at: "nvlink_domain_gpus",
                message:
                    "\(domain) neither divides nor is a multiple of gpus_per_node \(first.gpusPerNode); use a "
                    + "multiple (72 for a GB200 NVL72 of 4-GPU trays) or a divisor"
            )
        }
        try checkTopology(yaml, groups: groups, domain: domain)
        let devices = groups.reduce(0) { $0 + $1.devices }
        if devices > maximumDevices {
            throw yaml.error(
                at: "nodes", "groups",
                message:
                    "the cluster has \(devices) GPUs, more than the \(maximumDevices) `plan` handles (the largest "
                    + "clusters built have about 200000); plan a smaller slice"
            )
        }
        let latencySeconds =
            try yaml.number(
                "inter_node_latency_us", in: 0.001...1_000_000,
                fix: "give the network latency in microseconds"
            ).map { $0 * 1e-6 }
            ?? Assumption.interNodeHopLatencySeconds
        var cluster = ClusterDescription(
            name: try yaml.string("name") ?? defaultName,
            groups: groups,
            intraNodeGBps: try yaml.number(
                "intra_node_GBps", in: 0.001...1_000_000,
                fix: "give the NVLink bandwidth per GPU, one direction, "
                    + "GB/s"),
            nvlinkDomainGPUs: domain ?? min(first.profile.nvlinkDomainGPUs, first.devices),
            interNodeGbpsPerGPU: try yaml.number(
                "inter_node_Gbps_per_gpu", in: 0.001...10_000_000,
                fix: "give the NIC line rate per GPU, one direction, Gb/s"),
            interNodeLatencySeconds: latencySeconds,
            usdPerGPUHour: try yaml.number(
                "usd_per_gpu_hour", in: 0.0001...1_000_000, fix: "give a price per GPU-hour in USD, or remove the key"))
        cluster.measuredBusBandwidth = try measuredBusBandwidth(
            yaml, nvlinkGBps: cluster.intraNodeGBps, domainGPUs: cluster.nvlinkDomainGPUs,
            gpusPerNode: first.gpusPerNode)
        cluster.pipelineHandoff = try pipelineHandoff(
            yaml, domainGPUs: cluster.nvlinkDomainGPUs, gpusPerNode: first.gpusPerNode,
            frameworks: profiles.names(in: "frameworks"))
        return cluster
    }

    /// Refuses links the cluster's hardware cannot have: an NVLink domain larger than its profile's
    /// (72 GPUs on 8-GPU H100 nodes, where NVSwitch joins 8), or an NVLink bandwidth above the
    /// profile's one-direction figure (most often the both-directions number, twice as large).
    private static func checkTopology(_ yaml: YAMLMapping, groups: [ClusterDescription.Group], domain: Int?) throws {
        let narrowest = groups.min { $0.profile.nvlinkDomainGPUs < $1.profile.nvlinkDomainGPUs }!.profile
        if let domain, domain > narrowest.nvlinkDomainGPUs {
            throw yaml.error(
                at: "nvlink_domain_gpus",
                message:
                    "\(domain) GPUs cannot share NVLink on \(narrowest.name), whose NVLink domain is at most "
                    + "\(narrowest.nvlinkDomainGPUs) GPU\(narrowest.nvlinkDomainGPUs == 1 ? "" : "s") (its profile's "
                    + "nvlink_domain_gpus); use "
                    + "\(narrowest.nvlinkDomainGPUs) or fewer, or a profile whose hardware links more")
        }
        for (index, group) in groups.enumerated() {
            let profile = group.profile
            // Baseboards and racks of switched links hold a fixed number of GPUs (8 on HGX, 4 per
            // GB200 tray); PCIe servers vary, so only the switched kind is checked.
            if group.gpusPerNode > profile.gpusPerNode && profile.nvlinkDomainGPUs >= profile.gpusPerNode
                && profile.nvlinkDomainGPUs > 1
            {
                let key =
                    groups.count > 1 || yaml.contains("groups") ? "groups[\(index)].gpus_per_node" : "gpus_per_node"
                let message =
                    "\(group.gpusPerNode) \(profile.name) GPUs cannot share one node: its boards hold "
                    + "\(profile.gpusPerNode) (the profile's gpus_per_node); give \(profile.gpusPerNode) or fewer, "
                    + "and more nodes"
                if !yaml.contains("groups") { throw yaml.error(at: "gpus_per_node", message: message) }
                throw InputError(file: yaml.file, key: key, line: yaml.line, message)
            }
        }
        if let nic = try yaml.number("inter_node_Gbps_per_gpu"),
            let fastest = groups.map(\.profile.nicGbpsPerGPU).max(), nic > 2 * fastest
        {
            throw yaml.error(
                at: "inter_node_Gbps_per_gpu",
                message:
                    "\(YAMLMapping.format(nic)) Gb/s per GPU is more than twice the "
                    + "\(YAMLMapping.format(fastest)) Gb/s NIC of the profile (its nic_Gbps_per_gpu_one_direction); "
                    + "a node's total divided by its GPUs is the per-GPU rate: give at most "
                    + YAMLMapping.format(2 * fastest)
            )
        }
        let slowest = groups.min { $0.profile.linkGBpsOneDirection < $1.profile.linkGBpsOneDirection }!.profile
        if let given = try yaml.number("intra_node_GBps"), given > slowest.linkGBpsOneDirection * 1.0001 {
            let both = abs(given - 2 * slowest.linkGBpsOneDirection) < 0.01 * given ? " (that is both directions)" : ""
            throw yaml.error(
                at: "intra_node_GBps",
                message:
                    "\(YAMLMapping.format(given)) GB/s is more than \(slowest.name)'s link carries in one direction"
                    + "\(both), \(YAMLMapping.format(slowest.linkGBpsOneDirection)) GB/s (its profile's "
                    + "link_GBps_one_direction); give \(YAMLMapping.format(slowest.linkGBpsOneDirection)) or less")
        }
    }

    /// The keys a cluster file has (DESIGN.md, "Cluster file"): a misspelt one is an error, not a
    /// silent default (`inter_node_Gbps_per_gpus` planned with the profile's NIC).
    static let sharedKeys = [
        "name", "description", "source", "notes", "intra_node_GBps", "nvlink_domain_gpus", "inter_node_Gbps_per_gpu",
        "inter_node_latency_us", "usd_per_gpu_hour", "measured_bus_GBps", "pipeline_handoff_seconds",
    ]
    /// The keys of one device type: at the top level, or in each entry of `groups:`.
    static let groupKeys = ["gpu", "nodes", "gpus_per_node"]

    private static func group(_ yaml: YAMLMapping, profiles: DataDirectory) throws -> ClusterDescription.Group {
        let profile: HardwareProfile
        if let inline = try? yaml.mapping("gpu") {
            profile = try profiles.checkedSibling(ProfileFile.decode(inline, defaultName: "inline"), file: yaml.file)
        } else if let name = try yaml.string("gpu") {
            profile = try profiles.profile(named: name, from: yaml)
        } else {
            throw InputError(
                file: yaml.file, key: yaml.keyPath("gpu"), line: yaml.line,
                "is missing; name a hardware profile (\(profiles.profileNames().joined(separator: ", ")))")
        }
        let nodes = try yaml.requiredInteger("nodes", maximum: 1_000_000, fix: "give the number of nodes")
        let perNode = try yaml.integer("gpus_per_node", maximum: 100_000) ?? profile.gpusPerNode
        return .init(profile: profile, nodes: nodes, gpusPerNode: perNode)
    }
}
