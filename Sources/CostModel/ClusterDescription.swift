/// Devices and the links between them.
///
/// A homogeneous cluster has one group; a heterogeneous one lists several. A training plan puts each
/// pipeline stage on one group (`ParallelConfiguration.stageGroups`) and costs it on that group's
/// device (`subcluster(group:)`); traffic between groups runs at the cluster's network rate.
public struct ClusterDescription: Sendable, Hashable, Codable {
    public struct Group: Sendable, Hashable, Codable {
        public var profile: HardwareProfile
        public var nodes: Int
        public var gpusPerNode: Int
        public init(profile: HardwareProfile, nodes: Int, gpusPerNode: Int) {
            self.profile = profile
            self.nodes = nodes
            self.gpusPerNode = gpusPerNode
        }
        public var devices: Int { nodes * gpusPerNode }
    }

    public var name: String
    public var groups: [Group]
    /// Per device, one direction, GB/s, inside the NVLink domain.
    public var intraNodeGBps: Double
    /// Devices that share the fast link (8 on a DGX, 72 on a GB200 NVL72).
    public var nvlinkDomainGPUs: Int
    /// Network line rate per device, one direction, Gb/s.
    public var interNodeGbpsPerGPU: Double
    public var interNodeLatencySeconds: Double
    /// Latency of one NVLink hop, seconds.
    public var intraNodeLatencySeconds: Double
    public var usdPerGPUHour: Double?
    /// The cluster's own measured collective bandwidth by node count, where its file gives one.
    public var measuredBusBandwidth: MeasuredBusBandwidth?
    /// What a cross-node pipeline handoff cost on this cluster with one framework, by node count, where its
    /// file gives it.
    public var pipelineHandoff: PipelineHandoff?

    public init(
        name: String, groups: [Group], intraNodeGBps: Double? = nil, nvlinkDomainGPUs: Int? = nil,
        interNodeGbpsPerGPU: Double? = nil, interNodeLatencySeconds: Double = Assumption.interNodeHopLatencySeconds,
        intraNodeLatencySeconds: Double = Assumption.intraNodeHopLatencySeconds, usdPerGPUHour: Double? = nil
    ) {
        precondition(!groups.isEmpty, "a cluster has at least one group")
        let first = groups[0]
        self.name = name
        self.groups = groups
        self.intraNodeGBps = intraNodeGBps ?? first.profile.linkGBpsOneDirection
        self.nvlinkDomainGPUs = nvlinkDomainGPUs ?? min(first.profile.nvlinkDomainGPUs, first.gpusPerNode)
        self.interNodeGbpsPerGPU = interNodeGbpsPerGPU ?? first.profile.nicGbpsPerGPU
        self.interNodeLatencySeconds = interNodeLatencySeconds
        self.intraNodeLatencySeconds = intraNodeLatencySeconds
        self.usdPerGPUHour = usdPerGPUHour
    }

    /// A cluster of `nodes` identical nodes.
    public init(
        name: String, profile: HardwareProfile, nodes: Int, gpusPerNode: Int? = nil,
        intraNodeGBps: Double? = nil, nvlinkDomainGPUs: Int? = nil, interNodeGbpsPerGPU: Double? = nil,
        interNodeLatencySeconds: Double = Assumption.interNodeHopLatencySeconds, usdPerGPUHour: Double? = nil
    ) {
        let perNode = gpusPerNode ?? profile.gpusPerNode
        self.init(
            name: name, groups: [Group(profile: profile, nodes: nodes, gpusPerNode: perNode)],
            intraNodeGBps: intraNodeGBps,
            nvlinkDomainGPUs: nvlinkDomainGPUs ?? (profile.nvlinkDomainGPUs > perNode ? profile.nvlinkDomainGPUs : nil),
            interNodeGbpsPerGPU: interNodeGbpsPerGPU, interNodeLatencySeconds: interNodeLatencySeconds,
            usdPerGPUHour: usdPerGPUHour)
    }

    public var devices: Int { groups.reduce(0) { $0 + $1.devices } }
    /// The device a rank is costed on when no stage placement says otherwise (the first group's).
    public var profile: HardwareProfile { groups[0].profile }
    public var gpusPerNode: Int { groups[0].gpusPerNode }
    public var isHeterogeneous: Bool { Set(groups.map(\.profile.name)).count > 1 }

    /// One-direction bandwidth per device inside the NVLink domain, bytes/s, as collectives reach it.
    public var nvlinkBytesPerSecond: Double { intraNodeGBps * 1e9 * profile.efficiency.nvlink }
    /// One-direction network bandwidth per device, bytes/s, as collectives reach it.
    public var networkBytesPerSecond: Double { interNodeGbpsPerGPU / 8 * 1e9 * profile.efficiency.network }

    /// The cluster of group `index` alone: its device, its own NVLink and NIC rates (the cluster-wide
    /// `interNodeGbpsPerGPU` of a mixed cluster is the rate between groups, bounded by the slower NIC),
    /// the cluster's latencies and price. A one-group cluster is its own subcluster.
    public func subcluster(group index: Int) -> ClusterDescription {
        guard groups.count > 1 else { return self }
        let group = groups[index]
        return ClusterDescription(
            name: "\(name)[\(index)]", groups: [group], intraNodeGBps: group.profile.linkGBpsOneDirection,
            nvlinkDomainGPUs: min(group.profile.nvlinkDomainGPUs, group.devices),
            interNodeGbpsPerGPU: group.profile.nicGbpsPerGPU, interNodeLatencySeconds: interNodeLatencySeconds,
            intraNodeLatencySeconds: intraNodeLatencySeconds, usdPerGPUHour: usdPerGPUHour)
    }
}
