import CostModel
import Testing

/// The links collectives run on, worked by hand for DGX A100 nodes (docs/cost-model.md,
/// "Communication"): NVLink 300 GB/s one direction × 0.75 = 225 GB/s, one 200 Gb/s NIC per GPU
/// = 25 GB/s × 0.8 = 20 GB/s (the library's default efficiencies), hops of 2 µs and 5 µs.
struct CollectiveTests {
    let cluster = Devices.cluster(nodes: 16)

    @Test func groupInsideTheNodeStaysOnNVLink() {
        let link = cluster.link(groupSize: 8, stride: 1)
        #expect(link.bytesPerSecond == 225e9)
        #expect(link.latencySeconds == 2e-6)
    }

    /// 128 data-parallel ranks with 8 in each node: 8 rings leave each node through 8 NICs,
    /// 8 × 20 GB/s = 160 GB/s, under NVLink's 225 GB/s.
    @Test func denseGroupAcrossNodesUsesEveryNIC() {
        let link = cluster.link(groupSize: 128, stride: 1)
        #expect(link.bytesPerSecond == 160e9)
        #expect(link.latencySeconds == 5e-6)
        #expect(cluster.membersPerDomain(groupSize: 128, stride: 1) == 8)
    }

    /// A collective with nothing to move costs nothing, latency included: a dense model's expert
    /// gradients (0 bytes) over its 128-rank expert-data group would otherwise pay 127 hops × 5 µs =
    /// 0.635 ms per layer and pass. With bytes, the ring terms stay: 1 GB over 128 ranks at 160 GB/s is
    /// 127/128 · 1e9 / 160e9 + 127 · 5 µs = 6.2012 + 0.635 = 6.8362 ms for a gather, twice that for an all-reduce.
    @Test func emptyCollectiveIsFree() {
        let link = cluster.link(groupSize: 128, stride: 1)
        #expect(link.gatherSeconds(bytes: 0, group: 128) == 0)
        #expect(link.allReduceSeconds(bytes: 0, group: 128) == 0)
        #expect(link.allToAllSeconds(bytes: 0, group: 128) == 0)
        #expect(abs(link.gatherSeconds(bytes: 1e9, group: 128) - 6.8362e-3) < 1e-7)
        #expect(abs(link.allReduceSeconds(bytes: 1e9, group: 128) - 2 * 6.8362e-3) < 1e-6)
    }

    /// With tp = 8 the data-parallel peers of a GPU sit one per node: one NIC, 20 GB/s.
    /// With tp = 2 there are 4 per node: 4 × 20 = 80 GB/s.
    @Test func stridedGroupUsesItsMembersNICs() {
        #expect(cluster.link(groupSize: 16, stride: 8).bytesPerSecond == 20e9)
        #expect(cluster.link(groupSize: 64, stride: 2).bytesPerSecond == 80e9)
    }

    /// On H100 nodes (NVLink 450 GB/s × 0.75 = 337.5, NIC 400 Gb/s = 50 GB/s × 0.8 = 40) eight NICs
    /// give 320 GB/s, still under NVLink; a 2-GPU-per-node slice of NVLink-heavy links is capped.
    @Test func nvlinkCapsTheNICs() {
        let h100 = HardwareProfile(
            name: "h100", description: "H100", densePeakTFLOPS: [.bf16: 989.4], memoryGiB: 80, memoryTBps: 3.35,
            linkGBpsOneDirection: 450, nicGbpsPerGPU: 400, gpusPerNode: 8, nvlinkDomainGPUs: 8)
        let fast = ClusterDescription(name: "h100", profile: h100, nodes: 4)
        #expect(fast.link(groupSize: 32, stride: 1).bytesPerSecond == 320e9)
        let thin = ClusterDescription(name: "thin", profile: h100, nodes: 4, intraNodeGBps: 100)
        #expect(thin.link(groupSize: 32, stride: 1).bytesPerSecond == 75e9)
    }

    /// Ring all-reduce of 1 GB over 128 ranks at 160 GB/s: 2·127/128·1e9/160e9 + 2·127·5 µs
    /// = 0.01240234375 + 0.00127 = 0.01367234375 s.
    @Test func allReduceAcrossNodes() {
        let seconds = cluster.link(groupSize: 128, stride: 1).allReduceSeconds(bytes: 1e9, group: 128)
        #expect(abs(seconds - 0.01367234375) < 1e-12)
    }

    /// The Ultra-Scale Playbook cluster's own measurements (clusters/aws-p5-efa-64.yaml), all-reduce
    /// and the mean of all-gather and reduce-scatter, GB/s by node count.
    static let playbook = MeasuredBusBandwidth(
        allReduceGBps: [1: 436.0, 2: 361.7, 4: 160.1, 8: 99.6, 16: 84.7, 32: 64.9, 64: 32.9],
        gatherGBps: [2: 183.1, 4: 117.4, 8: 68.8, 16: 54.75, 32: 27.95, 64: 11.05])

    /// Between measured node counts the bandwidth is log-log interpolated: at 3 nodes,
    /// exp(ln 361.7 + log2(3/2) · ln(160.1/361.7)) = 224.5416 GB/s. Outside the table it keeps the
    /// nearest value; one node is NVLink and has none.
    @Test func measuredBandwidthInterpolatesInLogNodes() throws {
        let table = Self.playbook
        let three = try #require(table.bytesPerSecond(allReduce: true, nodes: 3))
        #expect(abs(three - 224.5416106e9) < 1e3)
        #expect(table.bytesPerSecond(allReduce: true, nodes: 4) == 160.1e9)
        #expect(table.bytesPerSecond(allReduce: true, nodes: 128) == 32.9e9)
        #expect(table.bytesPerSecond(allReduce: false, nodes: 64) == 11.05e9)
        #expect(table.bytesPerSecond(allReduce: true, nodes: 1) == nil)
    }

    /// On 64 H100 nodes with the playbook's measurements, a data-parallel group of 128 ranks spaced 4
    /// apart (2 per node, all 64 nodes) is bound by 2 NICs × 40 GB/s = 80 GB/s, but measured at 32.9 GB/s
    /// (all-reduce) and 11.05 GB/s (gathers). 1 GB all-reduced: 2·127/128·1e9/32.9e9 + 2·127·5 µs
    /// = 0.0615853 s; reduce-scattered: 127/128·1e9/11.05e9 + 127·5 µs = 0.0904257 s. A group of one
    /// member per node on 8 nodes keeps its NIC bound, 40 GB/s, under the measured 99.6 GB/s; sends
    /// and all-to-alls are not measured and keep the bound.
    @Test func measuredBandwidthBoundsCollectivesAcrossNodes() {
        let h100 = HardwareProfile(
            name: "h100", description: "H100", densePeakTFLOPS: [.bf16: 989.4], memoryGiB: 80, memoryTBps: 3.35,
            linkGBpsOneDirection: 450, nicGbpsPerGPU: 400, gpusPerNode: 8, nvlinkDomainGPUs: 8)
        var cluster = ClusterDescription(name: "p5", profile: h100, nodes: 64)
        cluster.measuredBusBandwidth = Self.playbook
        let data = cluster.link(groupSize: 128, stride: 4)
        #expect(data.bytesPerSecond == 80e9)
        #expect(abs(data.allReduceSeconds(bytes: 1e9, group: 128) - 0.0615853495) < 1e-9)
        #expect(abs(data.gatherSeconds(bytes: 1e9, group: 128) - 0.0904257240) < 1e-9)
        #expect(abs(data.allToAllSeconds(bytes: 1e9, group: 128) - (127.0 / 128 * 1e9 / 80e9 + 127 * 5e-6)) < 1e-12)
        let strided = cluster.link(groupSize: 8, stride: 8)
        #expect(strided.allReduceBytesPerSecond == 40e9)
        #expect(cluster.link(groupSize: 8, stride: 1).allReduceBytesPerSecond == 337.5e9)
    }
}
