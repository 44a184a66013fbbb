/// One accelerator as its datasheet describes it, plus the few achieved-efficiency factors that turn
/// peaks into time (calibrated against published runs; see `Efficiency`).
public struct HardwareProfile: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    /// Dense (no 2:4 sparsity) peak per precision, TFLOP/s (TOPS for integers).
    public var densePeakTFLOPS: [Precision: Double]
    /// HBM capacity per device, GiB (2^30 bytes).
    public var memoryGiB: Double
    /// HBM bandwidth, TB/s (10^12 bytes/s).
    public var memoryTBps: Double
    /// NVLink / xGMI (or PCIe) bandwidth per device, one direction, GB/s.
    public var linkGBpsOneDirection: Double
    /// Network line rate per device, one direction, Gb/s.
    public var nicGbpsPerGPU: Double
    /// Bandwidth between the device and its host's memory, one direction, GB/s (PCIe Gen5 x16, or the
    /// share of NVLink-C2C on a Grace superchip); nil when the profile does not say. Only CPU
    /// activation offload uses it.
    public var hostLinkGBpsOneDirection: Double? = nil
    /// The profiles whose calibration stands in for this one's where this one has too few measured runs,
    /// nearest first: the same chip in another memory or power variant, then the generation before it.
    /// Cross-validation predicts such a device with the first of them that has a fit, rather than with
    /// uncalibrated values, as a team with a new part would start. Empty: none.
    public var calibratedLike: [String] = []
    public var gpusPerNode: Int
    public var nvlinkDomainGPUs: Int
    public var efficiency: Efficiency

    public init(
        name: String, description: String, densePeakTFLOPS: [Precision: Double], memoryGiB: Double,
        memoryTBps: Double, linkGBpsOneDirection: Double, nicGbpsPerGPU: Double, gpusPerNode: Int,
        nvlinkDomainGPUs: Int, efficiency: Efficiency = Efficiency()
    ) {
        self.name = name
        self.description = description
        self.densePeakTFLOPS = densePeakTFLOPS
        self.memoryGiB = memoryGiB
        self.memoryTBps = memoryTBps
        self.linkGBpsOneDirection = linkGBpsOneDirection
        self.nicGbpsPerGPU = nicGbpsPerGPU
        self.gpusPerNode = gpusPerNode
        self.nvlinkDomainGPUs = nvlinkDomainGPUs
        self.efficiency = efficiency
    }

    /// Dense peak FLOP/s for matrix multiplies in `precision`, or nil when the device lacks it.
    public func peakFLOPS(_ precision: Precision) -> Double? {
        densePeakTFLOPS[precision].map { $0 * 1e12 }
    }

    /// Peak FLOP/s a matrix multiply in `precision` runs at: the precision's own dense peak, else the
    /// bf16 or fp16 one (weight-only formats such as int4 and fp4 are dequantized and multiplied in
    /// 16 bits). Profiles are refused without a 16-bit peak (ProfileFile), so the last fallback, the
    /// largest peak the profile gives, only serves profiles built in code.
    public func computePeakFLOPS(_ precision: Precision) -> Double {
        peakFLOPS(precision) ?? peakFLOPS(.bf16) ?? peakFLOPS(.fp16) ?? (densePeakTFLOPS.values.max() ?? 0) * 1e12
    }

    /// Whether the device runs matrix multiplies in `precision` on its tensor cores.
    public func supports(_ precision: Precision) -> Bool { densePeakTFLOPS[precision] != nil }

    public var memoryBytes: Double { memoryGiB * 1_073_741_824 }
    public var memoryBytesPerSecond: Double { memoryTBps * 1e12 }
}

/// Achieved fractions of the datasheet peaks: few, physical, per device.
///
/// A 16-bit GEMM of W FLOPs runs at `gemmMax · W / (W + gemmHalfGFLOP·1e9)` of the dense peak: large
/// GEMMs approach the best cuBLAS efficiency, small ones (heavy tensor parallelism, small microbatches)
/// fall off as their tiles no longer fill the device. An FP8 GEMM uses `fp8GemmMax` and a half size
/// scaled by the ratio of achieved peaks, so both precisions share one fixed time per GEMM
/// (`DeviceSpeed.halfSizeFLOPs`).
public struct Efficiency: Sendable, Hashable, Codable {
    /// Fraction of dense peak a large BF16/FP16 GEMM reaches (cuBLAS "max achievable" FLOPs).
    public var gemmMax: Double
    /// Size of a 16-bit GEMM, in GFLOP, at which it reaches half of `gemmMax`: a property of the GEMM
    /// library on the device, measured on GEMMs alone (FP8 keeps the same fixed time, `DeviceSpeed`).
    public var gemmHalfGFLOP: Double
    /// Fraction of the FP8 peak a large FP8 GEMM reaches (scaling and casts cost more than in BF16).
    public var fp8GemmMax: Double
    /// Fraction of HBM bandwidth that memory-bound kernels (norms, activations, optimizer) reach.
    public var memory: Double
    /// Fraction of one-direction NVLink bandwidth a ring collective reaches (NCCL bus bandwidth).
    public var nvlink: Double
    /// Fraction of the NIC line rate a collective reaches across nodes.
    public var network: Double
    /// Fixed time per transformer layer per pass that does not grow with GEMM size, µs: fitted on
    /// training runs (launches, synchronisation, the kernels the model does not count one by one).
    public var layerOverheadMicroseconds: Double
    /// Share of tensor-parallel communication hidden behind GEMMs (Megatron-Core's userbuffer
    /// overlap on Hopper and later; 0 where frameworks run it exposed).
    public var tensorCommOverlap: Double
    /// Share of the time a sharded-data-parallel collective hides behind a layer's compute that the
    /// compute loses to it: ZeRO-2/3 and FSDP gather the next layer's weights and reduce-scatter its
    /// gradients while the GEMMs run, and the collective's kernels take SMs and HBM bandwidth from
    /// them (a GEMM sized to fill the SMs runs a second, nearly empty wave). Measured on A100, H100
    /// and MI250/MI210 with GPT and Llama layers: overlapped compute ran 18.9% slower on average, up
    /// to 40% (Lee et al. 2025, "Characterizing Compute-Communication Overlap in GPU-Accelerated
    /// Distributed Deep Learning", arXiv:2507.03114, abstract); FSDP's prefetched gathers start
    /// before the layer's GEMMs and hold their SMs through them, the case at the top of that range,
    /// so the default is its 40%. Not fitted (fitted per device, it trades against the per-layer
    /// overhead); a profile may state a measured value.
    public var overlapSlowdown: Double
    /// Fixed time per MoE layer per pass for routing and token dispatch (a host synchronisation on
    /// the token counts, then tens of small kernels), µs.
    public var moeLayerOverheadMicroseconds: Double
    /// Fraction of HBM bandwidth a decode step reaches reading weights and KV cache (serving-runs.md:
    /// engines reach 55–75% of the weight-read floor).
    public var decodeMemory: Double
    /// Fixed serving-engine time per forward step (scheduling, sampling, launches), µs.
    public var decodeStepOverheadMicroseconds: Double
    /// Fraction of HBM bandwidth attention kernels reach reading the KV cache during decode.
    public var kvCacheMemory: Double
    /// Fixed serving-engine time per prefill (request setup, scheduling, first sampling), µs.
    public var prefillOverheadMicroseconds: Double
    /// Fixed time per layer of a prefill forward, µs: a serving engine's fused kernels, not the
    /// training framework's (`layerOverheadMicroseconds` is fitted on training runs and does not
    /// carry over to an inference engine). 40 by default: the value the serving keys were calibrated
    /// with (the per-layer overhead before it was fitted to training runs).
    public var prefillLayerOverheadMicroseconds: Double
    /// Fraction of the dense 16-bit peak the FlashAttention-2 kernel reaches on this device, where it
    /// falls short of the GEMMs: on Hopper it does not use the asynchronous WGMMA and TMA units, and
    /// reaches about 35% (Shah et al. 2024, "FlashAttention-3", abstract) where cuDNN's and
    /// FlashAttention-3's kernels reach up to 75%. nil: FlashAttention-2 runs like the GEMMs here.
    /// Used for frameworks whose attention is FlashAttention-2 (`Framework.flashAttention2`).
    public var flashAttention2Max: Double? = nil

    public init(
        gemmMax: Double = 0.75, gemmHalfGFLOP: Double = 4, fp8GemmMax: Double = 0.55, memory: Double = 0.8,
        nvlink: Double = 0.75, network: Double = 0.8, layerOverheadMicroseconds: Double = 40,
        tensorCommOverlap: Double = 0, moeLayerOverheadMicroseconds: Double = 1000, overlapSlowdown: Double = 0.4,
        decodeMemory: Double = 0.7, decodeStepOverheadMicroseconds: Double = 2000, kvCacheMemory: Double = 0.35,
        prefillOverheadMicroseconds: Double = 5000, prefillLayerOverheadMicroseconds: Double = 40
    ) {
        self.gemmMax = gemmMax
        self.gemmHalfGFLOP = gemmHalfGFLOP
        self.fp8GemmMax = fp8GemmMax
        self.memory = memory
        self.nvlink = nvlink
        self.network = network
        self.layerOverheadMicroseconds = layerOverheadMicroseconds
        self.tensorCommOverlap = tensorCommOverlap
        self.moeLayerOverheadMicroseconds = moeLayerOverheadMicroseconds
        self.overlapSlowdown = overlapSlowdown
        self.decodeMemory = decodeMemory
        self.decodeStepOverheadMicroseconds = decodeStepOverheadMicroseconds
        self.kvCacheMemory = kvCacheMemory
        self.prefillOverheadMicroseconds = prefillOverheadMicroseconds
        self.prefillLayerOverheadMicroseconds = prefillLayerOverheadMicroseconds
    }
}
