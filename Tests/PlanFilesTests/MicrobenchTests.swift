import CostModel
import Foundation
import PlanFiles
import Testing

/// `plan calibrate --from-bench`: results files written here by hand, with GEMM times made from a
/// known efficiency curve, so the fit's answer is known.
struct MicrobenchTests {
    static let h100 = try! #require(DataDirectory().bundledProfiles().first { $0.name == "h100-sxm5-80gb" })

    /// GEMM times for e(F) = 0.7 · F / (F + 20 GFLOP) at `peakTFLOPS` (H100's dense BF16 by default).
    static func gemms(peakTFLOPS: Double = 989.4) -> [String] {
        [(512, 512, 512), (2048, 2048, 2048), (8192, 4096, 4096), (16384, 16384, 16384)].map {
            (m, n, k) -> String in
            let flops = 2.0 * Double(m) * Double(n) * Double(k)
            let tflops = peakTFLOPS * 0.7 * flops / (flops + 20e9)
            return
                "{\"m\": \(m), \"n\": \(n), \"k\": \(k), \"seconds\": \(flops / tflops / 1e12), \"tflops\": \(tflops)}"
        }
    }

    static func results(collectives: String = "") -> String {
        let gemms = gemms()
        return """
            {"device": "NVIDIA H100 80GB HBM3", "dtype": "bf16", "gemm": [\(gemms.joined(separator: ", "))],
             "hbm": {"bytes": 2147483648, "seconds": 0.000767, "GBps": 2800}\(collectives)}
            """
    }

    static func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func gemmCurveHBMAndLinksAreRecovered() throws {
        let single = try Self.write(Self.results())
        let nccl = try Self.write(
            """
            {"device": "NVIDIA H100 80GB HBM3", "dtype": "bf16", "collectives": [
              {"bytes": 1048576, "ranks": 8, "ranksPerNode": 8, "allReduceBusGBps": 60, "allGatherBusGBps": 50},
              {"bytes": 1073741824, "ranks": 8, "ranksPerNode": 8, "allReduceBusGBps": 360, "allGatherBusGBps": 340}]}
            """)
        let nodes = try Self.write(
            """
            {"device": "NVIDIA H100 80GB HBM3", "dtype": "bf16", "collectives": [
              {"bytes": 1073741824, "ranks": 16, "ranksPerNode": 8, "allReduceBusGBps": 45, "allGatherBusGBps": 44}]}
            """)
        let files = [single, nccl, nodes]
        let (profile, sources) = try MicrobenchResults.apply(
            try files.map(MicrobenchResults.load), to: Self.h100, files: files)
        #expect(abs(profile.efficiency.gemmMax - 0.7) < 1e-9, "\(profile.efficiency.gemmMax)")
        #expect(abs(profile.efficiency.gemmHalfGFLOP - 20) < 1e-6, "\(profile.efficiency.gemmHalfGFLOP)")
        // 2,800 GB/s of copy against 3.35 TB/s; 360 GB/s of bus against NVLink's 450; 45 against 400 Gb/s = 50 GB/s.
        #expect(abs(profile.efficiency.memory - 2800.0 / 3350) < 1e-9)
        #expect(abs(profile.efficiency.nvlink - 0.8) < 1e-9 && abs(profile.efficiency.network - 0.9) < 1e-9)
        #expect(profile.efficiency.fp8GemmMax == Self.h100.efficiency.fp8GemmMax)
        #expect(sources.map(\.key) == ["gemm", "memory", "nvlink", "network"])
    }

    /// An FP8 file fits the FP8 curve; its half size goes back to the 16-bit key the cost model scales
    /// (DeviceSpeed.halfSizeFLOPs): 20 GFLOP at 0.7 of 1978.9 against 0.65 of 989.4 is
    /// 20 · 989.4 · 0.65 / (1978.9 · 0.7) = 9.2844 GFLOP, and the FP8 GEMM time is unchanged by the round trip.
    @Test func fp8CurveKeepsTheSixteenBitHalfSize() throws {
        let gemms = Self.gemms(peakTFLOPS: 1978.9)
        let path = try Self.write(
            "{\"device\": \"NVIDIA H100 80GB HBM3\", \"dtype\": \"fp8\", \"gemm\": [\(gemms.joined(separator: ", "))]}")
        let (profile, _) = try MicrobenchResults.apply([try MicrobenchResults.load(path)], to: Self.h100, files: [path])
        #expect(abs(profile.efficiency.fp8GemmMax - 0.7) < 1e-9)
        #expect(profile.efficiency.gemmMax == Self.h100.efficiency.gemmMax)
        let expected = 20 * 989.4 * Self.h100.efficiency.gemmMax / (1978.9 * 0.7)
        #expect(abs(profile.efficiency.gemmHalfGFLOP - expected) < 1e-6, "\(profile.efficiency.gemmHalfGFLOP)")
        #expect(abs(DeviceSpeed(profile: profile, precision: .fp8).gemmEfficiency(flops: 20e9) - 0.35) < 1e-9)
    }

    @Test func resultsThatDoNotFitAreRefused() throws {
        let fast = try Self.write(
            """
            {"device": "x", "dtype": "bf16", "gemm": [{"m": 512, "n": 512, "k": 512, "seconds": 1e-7, "tflops": 2000},
              {"m": 4096, "n": 4096, "k": 4096, "seconds": 1e-4, "tflops": 2100}]}
            """)
        let error = #expect(throws: InputError.self) {
            try MicrobenchResults.apply([try MicrobenchResults.load(fast)], to: Self.h100, files: [fast])
        }
        #expect(error?.description.contains("faster than the dense peak") == true, "\(String(describing: error))")
        let missing = try Self.write("{\"dtype\": \"bf16\"}")
        let noDevice = #expect(throws: InputError.self) { try MicrobenchResults.load(missing) }
        #expect(
            noDevice?.description.contains("'device': is missing; pass the JSON the plan-bench.py script wrote") == true
        )
    }
}
