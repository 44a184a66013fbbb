import CostModel
import Foundation
import Yams

/// Reads a hardware profile (hardware-profiles/NAME.yaml, or inline under a cluster's `gpu:`).
package enum ProfileFile {
    /// The keys a profile has: our own format, so a misspelt key is an error.
    static let keys = [
        "name", "description", "source", "notes", "dense_peak_TFLOPS", "memory_GiB", "memory_TBps",
        "link_GBps_one_direction", "nic_Gbps_per_gpu_one_direction", "host_link_GBps_one_direction",
        "gpus_per_node", "nvlink_domain_gpus", "calibrated_like",
        "efficiency",
    ]
    static let efficiencyKeys = [
        "gemm_max", "fp8_gemm_max", "memory", "nvlink", "network", "gemm_half_GFLOP", "layer_overhead_us",
        "moe_layer_overhead_us", "decode_step_overhead_us", "prefill_overhead_us", "decode_memory",
        "kv_cache_memory", "tensor_comm_overlap", "flash_attention_2_max", "prefill_layer_overhead_us",
        "overlap_slowdown",
    ]

    static func decode(_ yaml: YAMLMapping, defaultName: String) throws -> HardwareProfile {
        try yaml.requireKnownKeys(keys)
        guard let peaks = try yaml.mapping("dense_peak_TFLOPS") else {
            throw InputError(
                file: yaml.file, key: yaml.keyPath("dense_peak_TFLOPS"), line: yaml.line,
                "is missing; give the dense (not sparse) peak per precision, e.g. `dense_peak_TFLOPS: {bf16: 989.4}`")
        }
        try peaks.requireKnownKeys(Precision.allCases.map(\.rawValue))
        var dense: [Precision: Double] = [:]
        for precision in Precision.allCases {
            if let value = try peaks.number(
                precision.rawValue, in: 0.001...10_000_000,
                fix: "give the dense peak in TFLOP/s or remove the precision")
            {
                dense[precision] = value
            }
        }
        guard dense[.bf16] != nil || dense[.fp16] != nil else {
            throw InputError(
                file: yaml.file, key: peaks.keyPath("bf16"), line: peaks.line,
                "no 16-bit peak given; add bf16 or fp16 (dense TFLOP/s)")
        }
        func required(_ key: String, _ range: ClosedRange<Double>, _ fix: String) throws -> Double {
            guard let value = try yaml.number(key, in: range, fix: fix) else {
                throw InputError(file: yaml.file, key: yaml.keyPath(key), line: yaml.line, "is missing; \(fix)")
            }
            return value
        }
        var efficiency = Efficiency()
        if let block = try yaml.mapping("efficiency") {
            try block.requireKnownKeys(efficiencyKeys)
            func fraction(_ key: String, _ current: Double) throws -> Double {
                try block.number(key, in: 0.001...1, fix: "give the achieved fraction of the peak") ?? current
            }
            efficiency.gemmMax = try fraction("gemm_max", efficiency.gemmMax)
            efficiency.fp8GemmMax = try fraction("fp8_gemm_max", efficiency.fp8GemmMax)
            efficiency.memory = try fraction("memory", efficiency.memory)
            efficiency.nvlink = try fraction("nvlink", efficiency.nvlink)
            efficiency.network = try fraction("network", efficiency.network)
            efficiency.gemmHalfGFLOP =
                try block.number(
                    "gemm_half_GFLOP", in: 0.000001...1_000_000, fix: "give the GEMM size in GFLOP at half efficiency")
                ?? efficiency.gemmHalfGFLOP
            func microseconds(_ key: String, _ current: Double) throws -> Double {
                guard let value = try block.number(key) else { return current }
                guard value >= 0, value < 1e6 else {
                    throw block.error(key, nil, "must be from 0 to 1000000 µs, found \(value)")
                }
                return value
            }
            efficiency.layerOverheadMicroseconds = try microseconds(
                "layer_overhead_us", efficiency.layerOverheadMicroseconds)
            efficiency.moeLayerOverheadMicroseconds = try microseconds(
                "moe_layer_overhead_us", efficiency.moeLayerOverheadMicroseconds)
            efficiency.decodeStepOverheadMicroseconds = try microseconds(
                "decode_step_overhead_us", efficiency.decodeStepOverheadMicroseconds)
            efficiency.prefillOverheadMicroseconds = try microseconds(
                "prefill_overhead_us", efficiency.prefillOverheadMicroseconds)
            efficiency.prefillLayerOverheadMicroseconds = try microseconds(
                "prefill_layer_overhead_us", efficiency.prefillLayerOverheadMicroseconds)
            efficiency.decodeMemory = try fraction("decode_memory", efficiency.decodeMemory)
            efficiency.kvCacheMemory = try fraction("kv_cache_memory", efficiency.kvCacheMemory)
            efficiency.flashAttention2Max = try block.number(
                "flash_attention_2_max", in: 0.001...1, fix: "give the achieved fraction of the 16-bit peak")
            efficiency.overlapSlowdown =
                try block.number(
                    "overlap_slowdown", in: 0...1,
                    fix:
                        "give the share of a hidden ZeRO-2/3 collective's time its compute loses, 0 to 1"
                )
                ?? efficiency.overlapSlowdown
            if let overlap = try block.number("tensor_comm_overlap") {
                guard (0...1).contains(overlap) else {
                    throw block.error("tensor_comm_overlap", nil, "must be a fraction in [0, 1], found \(overlap)")
                }
                efficiency.tensorCommOverlap = overlap
            }
        }
        let gpusPerNode = try yaml.integer("gpus_per_node", maximum: 100_000) ?? 8
        var profile = HardwareProfile(
            name: try yaml.string("name") ?? defaultName,
            description: try yaml.string("description") ?? defaultName,
            densePeakTFLOPS: dense,
            memoryGiB: try required(
                "memory_GiB", 3...1_000_000,
                "give the device memory in GiB (2.5 GiB and 5% are reserved for the runtime)"),
            memoryTBps: try required("memory_TBps", 0.001...10_000, "give the HBM bandwidth in TB/s"),
            linkGBpsOneDirection: try required(
                "link_GBps_one_direction", 0.001...1_000_000,
                "give the NVLink (or PCIe) bandwidth per GPU, one direction, GB/s"),
            nicGbpsPerGPU: try required(
                "nic_Gbps_per_gpu_one_direction", 0.001...10_000_000,
                "give the NIC line rate per GPU, one direction, Gb/s"),
            gpusPerNode: gpusPerNode,
            nvlinkDomainGPUs: try yaml.integer("nvlink_domain_gpus", maximum: 100_000) ?? gpusPerNode,
            efficiency: efficiency)
        profile.hostLinkGBpsOneDirection = try yaml.number(
            "host_link_GBps_one_direction", in: 0.001...1_000_000,
            fix: "give the device-to-host bandwidth per GPU, one direction, GB/s (PCIe Gen5 x16: 64)")
        profile.calibratedLike = try calibratedLike(yaml, name: profile.name)
        return profile
    }

    /// `calibrated_like`: one profile name or a list of them, nearest first, none of them this profile
    /// and none twice.
    private static func calibratedLike(_ yaml: YAMLMapping, name: String) throws -> [String] {
        let names: [String]
        if case .sequence = yaml.present(["calibrated_like"])?.node {
            names = try yaml.strings("calibrated_like") ?? []
        } else {
            names = try yaml.string("calibrated_like").map { [$0] } ?? []
        }
        for (index, sibling) in names.enumerated() {
            // A YAML null in the list ("~", "null") is no name.
            let isNull = ["~", "null", "Null", "NULL"].contains(sibling)
            guard !YAMLMapping.isBlank(sibling), !isNull, sibling != name, !names[..<index].contains(sibling) else {
                throw yaml.error(
                    "calibrated_like", nil,
                    "must name other profiles (files in hardware-profiles/), each once and not this one: "
                        + "the same chip first, then the generation before it")
            }
        }
        return names
    }
}
