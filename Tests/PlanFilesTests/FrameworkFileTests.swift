import CostModel
import Foundation
import PlanFiles
import Testing

/// The bundled framework files decode, strictly, to what the cost model is told.
struct FrameworkFileTests {
    /// frameworks/megatron.yaml is exactly the value tests and benchmarks build in code.
    @Test func megatronFileIsTheCodedDefaults() throws {
        #expect(try DataDirectory().framework("megatron") == Framework.megatronDefaults)
    }

    /// Every bundled framework loads, and says which layer kernels it fuses: Megatron-Core all three,
    /// eager torchtitan none (torch.compile runs state their own), nanotron its Triton norm and rotary.
    @Test(
        arguments: [
            ("megatron", [FusedKernel.norm, .activation, .rotary]), ("nemo", [.norm, .activation, .rotary]),
            ("torchtitan", []), ("deepspeed", []), ("nanotron", [.norm, .rotary]), ("metaseq", [.norm]),
            ("horovod", []), ("tensorflow", []),
        ] as [(String, [FusedKernel])])
    func bundledFrameworksLoad(name: String, fused: [FusedKernel]) throws {
        let framework = try DataDirectory().framework(name)
        #expect(framework.name == name)
        #expect(framework.fusedKernels == Set(fused))
    }

    /// nanotron is the eager, unfused framework: its host issues a layer's forward in 1300 µs
    /// (1.3e-3 s) and it accumulates gradients in fp32 outside the GEMMs (10 bytes per parameter);
    /// Megatron-Core and NeMo fuse the accumulation (0) and never wait on the host (0).
    @Test func nanotronHostAndAccumulationKeysDecode() throws {
        let data = DataDirectory()
        let nanotron = try data.framework("nanotron")
        #expect(abs(nanotron.hostLayerForwardSeconds - 1.3e-3) < 1e-12)
        #expect(nanotron.gradientAccumulationPassBytes == 10)
        #expect(nanotron.dataParallelBucketBytes == 2)
        for name in ["megatron", "nemo"] {
            let framework = try data.framework(name)
            #expect(framework.hostLayerForwardSeconds == 0 && framework.gradientAccumulationPassBytes == 0, "\(name)")
            #expect(framework.dataParallelBucketBytes == 0, "\(name)")
        }
    }

    /// Loss memory per logit at its peak as each framework's cross-entropy allocates it: Megatron's
    /// fused vocab-parallel loss 6 (16-bit logits + one fp32 copy), nanotron's 10 (a cast and a second
    /// fp32 tensor, its backward in place), torchtitan's torch cross-entropy 12 (its backward: the saved
    /// fp32 log-softmax, nll_loss_backward's fp32 gradient and log-softmax's new fp32 input gradient),
    /// Composer's MPT with flash-attn's fused loss 4 (the bf16 logits it saves and their bf16 gradient).
    @Test func lossLogitBytesDecode() throws {
        let data = DataDirectory()
        #expect(try data.framework("megatron").lossLogitBytes == 6)
        #expect(try data.framework("nanotron").lossLogitBytes == 10)
        #expect(try data.framework("torchtitan").lossLogitBytes == 12)
        #expect(try data.framework("composer").lossLogitBytes == 4)
    }

    /// Only metaseq (OPT-175B's --distribute-checkpointed-activations) splits kept layer inputs over TP.
    @Test func distributedCheckpointsDecode() throws {
        let data = DataDirectory()
        #expect(try data.framework("metaseq").distributedCheckpoints)
        for name in ["megatron", "nemo", "nanotron", "torchtitan"] {
            #expect(try !data.framework(name).distributedCheckpoints, "\(name)")
        }
    }

    /// nanotron splits its pipeline by itself (no launch option sets layers per stage), and does not
    /// hide its tensor-parallel collectives; every other bundled framework takes any split.
    @Test func nanotronSplitsByItselfAndExposesTensorComm() throws {
        let data = DataDirectory()
        let nanotron = try data.framework("nanotron")
        #expect(nanotron.pipelineSplit == .costThresholds)
        #expect(!nanotron.tensorCommOverlap)
        for name in ["megatron", "nemo", "torchtitan", "deepspeed", "metaseq", "horovod", "tensorflow"] {
            #expect(try data.framework(name).pipelineSplit == .even, "\(name)")
        }
        // torchtitan's selective mode is per-op SAC; the others' is Megatron's module list.
        #expect(try data.framework("torchtitan").selectiveRecompute == .everySecondMatmul)
        #expect(try data.framework("megatron").selectiveRecompute == .modules)
    }

    /// A misspelt key in our own format is an error that names the nearest key.
    @Test func nearMissKeyIsRefused() throws {
        let text = try String(contentsOf: URL(fileURLWithPath: "frameworks/megatron.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "  fused_kernels: [norm", with: "  fused_kernel: [norm")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("framework-\(UUID()).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: InputError.self) { try DataDirectory().framework(file.path) }
        #expect(error?.description.contains("did you mean 'fused_kernels'") == true, "\(error?.description ?? "")")
    }
}
