/// Time of the collectives a step runs, from the alpha-beta model of Thakur, Rabenseifner and Gropp
/// (2005): a ring over g devices moves (g−1)/g of the buffer per phase and pays one latency per hop.
public struct Link: Sendable, Hashable {
    /// Achieved one-direction bandwidth per device, bytes/s.
    public var bytesPerSecond: Double
    /// Latency of one hop, seconds.
    public var latencySeconds: Double

    public init(bytesPerSecond: Double, latencySeconds: Double) {
        self.bytesPerSecond = bytesPerSecond
        self.latencySeconds = latencySeconds
    }

    /// Ring all-reduce of `bytes` over `group` devices: 2·(g−1)/g·n/B + 2·(g−1)·α.
    public func allReduceSeconds(bytes: Double, group: Int) -> Double {
        guard group > 1 else { return 0 }
        let g = Double(group)
        return 2 * (g - 1) / g * bytes / bytesPerSecond + 2 * (g - 1) * latencySeconds
    }

    /// Reduce-scatter or all-gather of a `bytes` buffer (the whole, not the shard): (g−1)/g·n/B + (g−1)·α.
    public func gatherSeconds(bytes: Double, group: Int) -> Double {
        guard group > 1 else { return 0 }
        let g = Double(group)
        return (g - 1) / g * bytes / bytesPerSecond + (g - 1) * latencySeconds
    }

    /// All-to-all where each device holds `bytes` and keeps 1/g of it: (g−1)/g·n/B + (g−1)·α.
    public func allToAllSeconds(bytes: Double, group: Int) -> Double {
        gatherSeconds(bytes: bytes, group: group)
    }

    /// One point-to-point send of `bytes`.
    public func sendSeconds(bytes: Double) -> Double { bytes / bytesPerSecond + latencySeconds }
}

extension ClusterDescription {
    /// The link a group of `size` ranks spaced `stride` apart uses. Ranks are numbered so that
    /// consecutive ranks share a node; a group whose span fits the NVLink domain stays on NVLink,
    /// otherwise it crosses the network, where every device drives its own NIC.
    public func link(groupSize size: Int, stride: Int) -> Link {
        if size * stride <= nvlinkDomainGPUs || size <= 1 {
            return Link(bytesPerSecond: nvlinkBytesPerSecond, latencySeconds: intraNodeLatencySeconds)
        }
        return Link(bytesPerSecond: networkBytesPerSecond, latencySeconds: interNodeLatencySeconds)
    }
}
