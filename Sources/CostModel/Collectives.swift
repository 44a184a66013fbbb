/// Time of the collectives a step runs, from the alpha-beta model of Thakur, Rabenseifner and Gropp
/// (2005): a ring over g devices moves (g−1)/g of the buffer per phase and pays one latency per hop.
public struct Link: Sendable, Hashable {
    /// Achieved one-direction bandwidth per device, bytes/s.
    public var bytesPerSecond: Double
    /// Latency of one hop, seconds.
    public var latencySeconds: Double
    /// Bus bandwidth of all-reduces, bytes/s: `bytesPerSecond` unless the cluster measured its own.
    public var allReduceBytesPerSecond: Double
    /// Bus bandwidth of all-gathers and reduce-scatters, bytes/s: `bytesPerSecond` unless measured.
    public var gatherBytesPerSecond: Double

    public init(
        bytesPerSecond: Double, latencySeconds: Double, allReduceBytesPerSecond: Double? = nil,
        gatherBytesPerSecond: Double? = nil
    ) {
        self.bytesPerSecond = bytesPerSecond
        self.latencySeconds = latencySeconds
        self.allReduceBytesPerSecond = allReduceBytesPerSecond ?? bytesPerSecond
        self.gatherBytesPerSecond = gatherBytesPerSecond ?? bytesPerSecond
    }

    /// Ring all-reduce of `bytes` over `group` devices: 2·(g−1)/g·n/B + 2·(g−1)·α. Nothing to move
    /// (a group of one, or no bytes, such as the expert gradients of a dense model) is no collective.
    public func allReduceSeconds(bytes: Double, group: Int) -> Double {
        guard group > 1, bytes > 0 else { return 0 }
        let g = Double(group)
        return 2 * (g - 1) / g * bytes / allReduceBytesPerSecond + 2 * (g - 1) * latencySeconds
    }

    /// Reduce-scatter or all-gather of a `bytes` buffer (the whole, not the shard): (g−1)/g·n/B + (g−1)·α.
    public func gatherSeconds(bytes: Double, group: Int) -> Double {
        guard group > 1, bytes > 0 else { return 0 }
        let g = Double(group)
        return (g - 1) / g * bytes / gatherBytesPerSecond + (g - 1) * latencySeconds
    }

    /// All-to-all where each device holds `bytes` and keeps 1/g of it: (g−1)/g·n/B + (g−1)·α, at the
    /// link's own bandwidth (a measured gather table says nothing about all-to-all).
    public func allToAllSeconds(bytes: Double, group: Int) -> Double {
        guard group > 1, bytes > 0 else { return 0 }
        let g = Double(group)
        return (g - 1) / g * bytes / bytesPerSecond + (g - 1) * latencySeconds
    }

    /// One point-to-point send of `bytes`.
    public func sendSeconds(bytes: Double) -> Double { bytes / bytesPerSecond + latencySeconds }
}

extension ClusterDescription {
    /// The link a ring collective over `size` ranks spaced `stride` apart runs at, for training and
    /// serving alike. Ranks are numbered so that consecutive ranks share a node (and NVLink domain).
    ///
    /// - A group whose span fits the NVLink domain stays on NVLink: B = NVLink, α = one NVLink hop.
    /// - A group that leaves the domain with k = min(size, ⌊domain / stride⌋) (at least 1) members in
    ///   each domain moves its inter-node share over k NICs at once, because NCCL runs one ring (channel)
    ///   per NIC and each ring leaves the node through its own NIC, while every member forwards all
    ///   rings over NVLink: B = min(k · NIC, NVLink) per device, α = one network hop. With one member
    ///   per node (a pipeline or data group strided by a whole node) that is one NIC.
    ///
    /// Check: a DGX A100 (8 GPUs, 8 × 200 Gb/s HDR, 25 GB/s each) gives k = 8 and 8 × 25 = 200 GB/s,
    /// capped by NVLink's 300 GB/s; NCCL's maintainers measure 192 GB/s ring all-reduce bus bandwidth
    /// across such nodes (NVIDIA/nccl issue #1576, quoting #812). All-to-all is different: it cannot
    /// aggregate NICs (NVIDIA/nccl-tests issue #267), see `expertAllToAllSeconds`.
    ///
    /// Where the cluster measured its collectives (`measuredBusBandwidth`), all-reduces and gathers
    /// that leave the domain run at the lower of that bound and the measurement at the group's node
    /// count; sends and all-to-alls keep the NIC bound.
    public func link(groupSize size: Int, stride: Int) -> Link {
        if size * stride <= nvlinkDomainGPUs || size <= 1 {
            return Link(bytesPerSecond: nvlinkBytesPerSecond, latencySeconds: intraNodeLatencySeconds)
        }
        let members = membersPerDomain(groupSize: size, stride: stride)
        let bound = min(Double(members) * networkBytesPerSecond, nvlinkBytesPerSecond)
        let nodes = (size + members - 1) / members
        let measured = { (allReduce: Bool) -> Double? in
            self.measuredBusBandwidth?.bytesPerSecond(allReduce: allReduce, nodes: nodes)
                .map { min($0, bound) }
        }
        return Link(
            bytesPerSecond: bound, latencySeconds: interNodeLatencySeconds,
            allReduceBytesPerSecond: measured(true), gatherBytesPerSecond: measured(false))
    }

    /// Members of a group of `size` ranks spaced `stride` apart that share one NVLink domain (at least 1).
    public func membersPerDomain(groupSize size: Int, stride: Int) -> Int {
        max(1, min(size, nvlinkDomainGPUs / max(stride, 1)))
    }
}
