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
    ///
    /// Equivalently a GEMM takes W/(P·max) + t₀ with a fixed t₀ = W½/(P·max): the tile waves that do
    /// not fill the device, prologue and epilogue. That time does not shrink when the tensor cores run
    /// twice as fast, so an FP8 GEMM keeps the 16-bit t₀: its half-size is W½ · (P₈·max₈)/(P₁₆·max₁₆)
    /// (`gemm_half_GFLOP` is measured on 16-bit GEMMs).
    public func gemmEfficiency(flops: Double) -> Double {
        let e = profile.efficiency
        let top = precision == .fp8 ? e.fp8GemmMax : e.gemmMax
        return top * flops / (flops + halfSizeFLOPs)
    }

    /// W½ in FLOPs at this precision (see `gemmEfficiency`).
    var halfSizeFLOPs: Double {
        profile.efficiency.gemmHalfGFLOP * 1e9 * (precision == .fp8 ? Self.fp8HalfSizeRatio(profile) : 1)
    }

    /// How many times the 16-bit half size an FP8 GEMM's is, keeping the fixed time t₀:
    /// (P₈·max₈)/(P₁₆·max₁₆) with the profile's maxima; 1 on a part without a 16-bit peak.
    public static func fp8HalfSizeRatio(_ profile: HardwareProfile) -> Double {
        let e = profile.efficiency
        let sixteenBit = profile.computePeakFLOPS(.bf16) * e.gemmMax
        guard sixteenBit > 0 else { return 1 }
        return profile.computePeakFLOPS(.fp8) * e.fp8GemmMax / sixteenBit
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
