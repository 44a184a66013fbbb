import CostModel
import Foundation

/// The output of the `plan calibrate --emit-bench` script, and the efficiency values it measures
/// (`plan calibrate --from-bench`): for hardware nobody has published runs on, a starting profile.
///
/// - GEMM: the cost model's efficiency is e(F) = max · F / (F + F½) for a GEMM of F FLOPs
///   (`DeviceSpeed.gemmEfficiency`), so 1/e = 1/max + (F½/max) · (1/F) is a line in 1/F: an ordinary
///   least-squares fit of 1/e on 1/F over the measured shapes gives max = 1/intercept and
///   F½ = slope / intercept.
/// - HBM: memory = measured copy bandwidth (read + write bytes per second) / the profile's TB/s.
/// - NVLink: nvlink = the single-node all-reduce bus bandwidth at the largest message / the profile's
///   one-direction link bandwidth; network: the multi-node one / the NIC's bytes per second.
///
/// Pure GEMMs and copies run faster than a training step's do, so these are upper bounds: fit the
/// profile on runs (`plan calibrate RUNS`) once there are any.
package struct MicrobenchResults: Decodable, Sendable {
    package struct GEMM: Decodable, Sendable { package var m, n, k: Int; package var seconds, tflops: Double }
    package struct HBM: Decodable, Sendable { package var bytes: Double; package var seconds, GBps: Double }
    package struct Collective: Decodable, Sendable {
        package var bytes: Double
        package var ranks: Int
        package var ranksPerNode: Int
        package var allReduceBusGBps: Double
        package var allGatherBusGBps: Double
    }

    package var device: String
    package var dtype: String
    package var gemm: [GEMM]?
    package var hbm: HBM?
    package var collectives: [Collective]?

    /// Reads a results file, with errors that name it and the key.
    package static func load(_ path: String) throws -> MicrobenchResults {
        let data = try YAMLMapping.read(URL(fileURLWithPath: path), shownAs: path, flag: "--from-bench")
        do {
            return try JSONDecoder().decode(MicrobenchResults.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            let place = (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            throw InputError(file: path, key: place, "is missing; pass the JSON the plan-bench.py script wrote")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let place = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw InputError(file: path, key: place, "has the wrong type: \(context.debugDescription)")
        } catch {
            throw InputError(file: path, key: "--from-bench", "is not the JSON plan-bench.py writes (\(error))")
        }
    }

    /// `profile` with the efficiency values `results` measure; what each came from, per key.
    package static func apply(
        _ results: [MicrobenchResults], to profile: HardwareProfile, files: [String]
    ) throws -> (
        profile: HardwareProfile, sources: [(key: String, text: String)]
    ) {
        var profile = profile
        var sources: [(String, String)] = []
        for (result, file) in zip(results, files) {
            if let gemm = result.gemm, !gemm.isEmpty {
                let precision: Precision = result.dtype == "fp8" ? .fp8 : result.dtype == "fp16" ? .fp16 : .bf16
                guard let peak = profile.densePeakTFLOPS[precision] else {
                    throw InputError(
                        file: file, key: "dtype", "\(result.dtype): \(profile.name) has no dense peak for it")
                }
                let (top, half) = try fitGEMM(gemm, peakTFLOPS: peak, file: file)
                if precision == .fp8 {
                    profile.efficiency.fp8GemmMax = top
                    // `gemm_half_GFLOP` is the 16-bit curve's; the cost model scales it to FP8 by the ratio of
                    // achieved peaks (DeviceSpeed), so an FP8 fit is scaled back, and a 16-bit fit in the same
                    // call wins.
                    if !results.contains(where: { $0.dtype != "fp8" && !($0.gemm ?? []).isEmpty }) {
                        profile.efficiency.gemmHalfGFLOP = half / DeviceSpeed.fp8HalfSizeRatio(profile)
                    }
                } else {
                    profile.efficiency.gemmMax = top
                    profile.efficiency.gemmHalfGFLOP = half
                }
                sources.append(
                    (
                        "gemm",
                        "\(file): \(gemm.count) \(result.dtype) GEMMs on \(result.device), 1/e against 1/F least "
                            + "squares: max \(ProfileWriter.number(top)), half at \(ProfileWriter.number(half)) GFLOP"
                    ))
            }
            if let hbm = result.hbm {
                profile.efficiency.memory = clamp(hbm.GBps / (profile.memoryTBps * 1000))
                sources.append(("memory", "\(file): copy of \(Int(hbm.bytes / 2 / 1e6)) MB, \(Int(hbm.GBps)) GB/s"))
            }
            for row in (result.collectives ?? []).sorted(by: { $0.bytes > $1.bytes }).prefix(1) {
                if row.ranks <= row.ranksPerNode {
                    profile.efficiency.nvlink = clamp(row.allReduceBusGBps / profile.linkGBpsOneDirection)
                    sources.append(
                        ("nvlink", "\(file): \(row.ranks)-rank all-reduce bus \(Int(row.allReduceBusGBps)) GB/s"))
                } else {
                    profile.efficiency.network = clamp(row.allReduceBusGBps / (profile.nicGbpsPerGPU / 8))
                    sources.append(
                        (
                            "network",
                            "\(file): \(row.ranks)-rank all-reduce over nodes, bus \(Int(row.allReduceBusGBps)) GB/s"
                        ))
                }
            }
        }
        return (profile, sources)
    }

    /// The line 1/e = a + b · (1/F) through the measured GEMMs: max = 1/a, F½ = b/a (GFLOP).
    static func fitGEMM(_ rows: [GEMM], peakTFLOPS: Double, file: String) throws -> (Double, Double) {
        let points = rows.filter { $0.tflops > 0 && $0.m > 0 && $0.n > 0 && $0.k > 0 }.map { row in
            (x: 1 / (2 * Double(row.m) * Double(row.n) * Double(row.k)), y: peakTFLOPS / row.tflops)
        }
        guard Set(points.map(\.x)).count >= 2 else {
            throw InputError(file: file, key: "gemm", "needs GEMMs of at least two sizes to fit the efficiency curve")
        }
        let n = Double(points.count)
        let mx = points.map(\.x).reduce(0, +) / n, my = points.map(\.y).reduce(0, +) / n
        let b =
            points.map { ($0.x - mx) * ($0.y - my) }.reduce(0, +)
            / points.map { ($0.x - mx) * ($0.x - mx) }.reduce(0, +)
        let a = my - b * mx
        guard a >= 1, b >= 0 else {
            throw InputError(
                file: file, key: "gemm",
                "does not follow e = max · F / (F + F½) (intercept \(a), slope \(b)): faster than the dense peak, or "
                    + "slower for larger GEMMs; check the dtype and the profile's dense_peak_TFLOPS")
        }
        return (clamp(1 / a), max(b / a / 1e9, 0.000001))
    }

    static func clamp(_ value: Double) -> Double { min(max(value, 0.001), 1) }
}
