import CostModel
import Foundation

/// Writes a hardware profile as a file `ProfileFile` reads back (`gpu: PATH.yaml` in a cluster, or
/// hardware-profiles/NAME.yaml): `plan calibrate`'s result. Every hardware number is the original
/// profile's, whose file gives their sources; `source:` says so and records the fit.
package enum ProfileWriter {
    /// The profile's YAML text. `sources` are the `source:` entries, in order (key, text).
    package static func yaml(_ profile: HardwareProfile, sources: [(key: String, text: String)]) -> String {
        var lines = ["name: \(quoted(profile.name))", "description: \(quoted(profile.description))", "source:"]
        lines += sources.map { "  \($0.key): \(quoted($0.text))" }
        lines.append("dense_peak_TFLOPS:")
        for precision in Precision.allCases {
            guard let peak = profile.densePeakTFLOPS[precision] else { continue }
            lines.append("  \(precision.rawValue): \(number(peak))")
        }
        lines += [
            "memory_GiB: \(number(profile.memoryGiB))", "memory_TBps: \(number(profile.memoryTBps))",
            "link_GBps_one_direction: \(number(profile.linkGBpsOneDirection))",
            "nic_Gbps_per_gpu_one_direction: \(number(profile.nicGbpsPerGPU))",
        ]
        if let host = profile.hostLinkGBpsOneDirection { lines.append("host_link_GBps_one_direction: \(number(host))") }
        lines += ["gpus_per_node: \(profile.gpusPerNode)", "nvlink_domain_gpus: \(profile.nvlinkDomainGPUs)"]
        if !profile.calibratedLike.isEmpty {
            lines.append("calibrated_like: [\(profile.calibratedLike.map(quoted).joined(separator: ", "))]")
        }
        lines.append("efficiency:")
        let e = profile.efficiency
        let values: [(String, Double)] = [
            ("gemm_max", e.gemmMax), ("gemm_half_GFLOP", e.gemmHalfGFLOP), ("fp8_gemm_max", e.fp8GemmMax),
            ("memory", e.memory), ("nvlink", e.nvlink), ("network", e.network),
            ("layer_overhead_us", e.layerOverheadMicroseconds), ("tensor_comm_overlap", e.tensorCommOverlap),
            ("moe_layer_overhead_us", e.moeLayerOverheadMicroseconds), ("overlap_slowdown", e.overlapSlowdown),
            ("decode_memory", e.decodeMemory),
            ("decode_step_overhead_us", e.decodeStepOverheadMicroseconds), ("kv_cache_memory", e.kvCacheMemory),
            ("prefill_overhead_us", e.prefillOverheadMicroseconds),
            ("prefill_layer_overhead_us", e.prefillLayerOverheadMicroseconds),
        ]
        lines += values.map { "  \($0.0): \(number($0.1))" }
        if let flash = e.flashAttention2Max { lines.append("  flash_attention_2_max: \(number(flash))") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar: JSON's string escapes are YAML's, so any text reads back as itself.
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Six significant digits, no exponent for ordinary sizes: what the profile files hold.
    static func number(_ value: Double) -> String {
        let rounded = Double(String(format: "%.6g", value)) ?? value
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
    }
}
