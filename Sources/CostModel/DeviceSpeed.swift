/// How long work takes on one device: GEMMs at a shape-dependent fraction of the dense peak,
/// memory-bound kernels at a fraction of HBM bandwidth.
public struct DeviceSpeed: Sendable, Hashable {
    public var profile: HardwareProfile
    /// Precision of the matrix multiplies (FP8 applies to GEMMs only; everything else stays 16-bit).
    public var precision: Precision

    public init(profile: HardwareProfile, precision: Precision) {
        self.profile = profile
        self.precision = precision
    }

    /// Achieved fraction of peak for one GEMM of `flops`: max · W/(W + W½).
    public func gemmEfficiency(flops: Double) -> Double {
        let e = profile.efficiency
        let top = precision == .fp8 ? e.fp8GemmMax : e.gemmMax
        return top * flops / (flops + e.gemmHalfGFLOP * 1e9)
    }

    /// Seconds for `count` GEMMs of `flops` each.
    public func gemmSeconds(flops: Double, count: Double = 1) -> Double {
        guard flops > 0, count > 0 else { return 0 }
        let peak = profile.computePeakFLOPS(precision)
        return count * flops / (peak * gemmEfficiency(flops: flops))
    }

    /// Seconds to stream `bytes` through HBM in memory-bound kernels.
    public func memorySeconds(bytes: Double) -> Double {
        bytes / (profile.memoryBytesPerSecond * profile.efficiency.memory)
    }
}
