import CostModel
import Foundation
import Testing

/// The GEMM curve `DeviceSpeed.gemmEfficiency` (max · W/(W + W½)) against cuBLAS BF16 matmuls measured
/// one at a time on H100 (validation/gemm-h100-bf16-xla.csv, from OpenXLA's default matmul table). With
/// the fit stated in that file's header (max 0.80, W½ 5.6 GFLOP), the 28 measured shapes of at least 8
/// GFLOP with k ≥ 512 are within 6% of the curve at the median and 30% at worst (a narrow n = 256 shape,
/// which the curve does not see: it knows FLOPs, not shape), and the 4096³ matmul (137.4 GFLOP, 783.3 TFLOP/s
/// measured) is within 3%: 0.80 · 137.4/143.0 · 989.4 = 760.5 TFLOP/s. The shipped profiles'
/// gemm_half_GFLOP on GH100 is this measurement, rounded to 6 GFLOP.
struct GEMMCurveTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let speed = DeviceSpeed(
        profile: HardwareProfile(
            name: "h100", description: "H100 SXM5 BF16 dense peak", densePeakTFLOPS: [.bf16: 989.4],
            memoryGiB: 80, memoryTBps: 3.35, linkGBpsOneDirection: 450, nicGbpsPerGPU: 400, gpusPerNode: 8,
            nvlinkDomainGPUs: 8, efficiency: Efficiency(gemmMax: 0.80, gemmHalfGFLOP: 5.6)),
        precision: .bf16)

    /// Every row of the measured table: its FLOPs (2·b·m·n·k), its k, and the measured FLOP/s.
    static func measured() throws -> [(flops: Double, k: Int, flopsPerSecond: Double)] {
        let text = try String(
            contentsOf: root.appendingPathComponent("validation/gemm-h100-bf16-xla.csv"), encoding: .utf8)
        return text.split(separator: "\n").filter { $0.first?.isNumber == true }.map { line in
            let v = line.split(separator: ",").map { Double($0)! }
            return (2 * v[0] * v[1] * v[2] * v[3], Int(v[3]), v[4] * 1e12)
        }
    }

    @Test func curveMatchesMeasuredMatmuls() throws {
        let rows = try Self.measured()
        #expect(rows.count == 72)
        let large = rows.filter { $0.flops >= 8e9 && $0.k >= 512 }
        #expect(large.count == 28)
        let errors = large.map { row in
            abs(speed.gemmEfficiency(flops: row.flops) * 989.4e12 / row.flopsPerSecond - 1)
        }.sorted()
        #expect(errors[errors.count / 2] < 0.06, "median \(errors[errors.count / 2])")
        #expect(errors.last! < 0.30, "worst \(errors.last!)")
        let cube = 2 * 4096.0 * 4096 * 4096
        #expect(abs(speed.gemmEfficiency(flops: cube) * 989.4e12 / 783.3e12 - 1) < 0.03)
        #expect(abs(speed.gemmEfficiency(flops: cube) * 989.4 - 760.5) < 0.5)
    }
}
