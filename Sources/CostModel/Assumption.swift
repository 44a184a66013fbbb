/// Numbers the cost model assumes rather than reads from a hardware profile or a cluster file, in
/// one place, each with its source or the reason it has the value it has. Calibrated numbers live in
/// the profiles' `efficiency:` blocks instead, with the runs they were fitted on.
public enum Assumption {
    // MARK: Memory

    /// Memory per device that no training plan may use, fixed part: the CUDA context and the
    /// framework's kernels (about 0.5–1 GiB on Hopper), NCCL's communication buffers (NCCL_BUFFSIZE
    /// 4 MiB per channel and peer, a few hundred MiB at 32 channels) and the cuBLAS workspace.
    /// 2.5 GiB is their sum rounded up; see docs/cost-model.md, "Reserved memory".
    public static let reservedFixedBytes = 2.5 * 1_073_741_824

    /// Memory per device that no training plan may use, proportional part: a margin for the caching
    /// allocator's fragmentation when memory runs short. The allocator then releases its cached free
    /// blocks and retries before it fails, so a plan needs less than the full
    /// `allocatorFragmentation` the same run shows with room to spare; 5% of the device is a stated
    /// margin. Checked on the measured memory of validation/: no run that ran is predicted not to fit.
    public static let reservedFraction = 0.05

    /// Share of a step's activation and transient-buffer bytes that PyTorch's caching allocator
    /// holds on top of them as cached free blocks at the peak: what it reserves
    /// (`torch.cuda.max_memory_reserved()`) less what is allocated. GMLake (Guo et al., ASPLOS 2024,
    /// arXiv:2401.08156, abstract) measured PyTorch's allocator on eight LLMs on A100-80GB and
    /// removed 15% fragmentation on average (up to 33%, 9.2 GB of memory on average), so 0.15.
    /// Applied to activations only: weights, gradient buffers and optimizer state are allocated once.
    /// Checked, not fitted: against torchtitan's logged reserved memory (10 runs) the median error
    /// goes from 15.3% to 4.4%, against the playbook grid's 1,116 rows from 17.2% to 10.9%
    /// (docs/cost-model.md, "Memory").
    public static let allocatorFragmentation = 0.15

    /// The share of device memory a serving engine takes for weights, activations and KV cache:
    /// vLLM's default `gpu_memory_utilization` of 0.9 (vllm/engine/arg_utils.py, `EngineArgs`).
    public static let servingMemoryUtilization = 0.9

    /// Tokens a serving engine prefills in one step at most (chunked prefill): vLLM's default
    /// `max_num_batched_tokens` for its OpenAI-compatible server on GPUs of 70 GiB or more other
    /// than A100 (vllm/engine/arg_utils.py, `get_batch_defaults`; 2,048 on smaller GPUs and A100,
    /// which the model does not distinguish). It sizes the prefill's working memory.
    public static let prefillChunkTokens = 8192

    // MARK: Time

    /// Backward FLOPs of a flash-attention core over its forward FLOPs: the forward runs two
    /// matrix products (QKᵀ and PV), the backward five (QKᵀ again, then dV, dP, dQ and dK), so
    /// 5/2 = 2.5 (Dao 2023, "FlashAttention-2": its benchmarks count the backward as 2.5 × the forward).
    public static let flashBackwardOverForward = 2.5

    /// How much slower the Triton port of FlashAttention (flash-attn's flash_attn_triton.py, which
    /// llm-foundry vendors as attn_impl triton) runs than FlashAttention-2: "around 1.3-1.5x faster
    /// than FlashAttention in Triton in the forward pass and around 2x faster in the backward pass"
    /// (Dao 2023, "FlashAttention-2", arXiv:2307.08691, §4.1, A100 80GB). The midpoint, 1.4, and 2.
    public static let tritonFlashForwardSlowdown = 1.4
    public static let tritonFlashBackwardSlowdown = 2.0

    /// Backward over forward of an unfused attention core, which keeps its scores: its two products
    /// each need two in the backward (gradients of both operands), so 2.
    public static let unfusedBackwardOverForward = 2.0

    /// Latency of one hop of a ring collective across nodes, seconds. NCCL's own tuning model puts
    /// one network hop of the ring at 2.7 µs (LL), 4.0 µs (LL128) and 14 µs (Simple) (NCCL
    /// src/graph/tuning.cc, `hwLat`); 5 µs sits at the LL128 value, the protocol NCCL uses for the
    /// mid-size messages of tensor- and pipeline-parallel traffic, plus a switch hop. A cluster file
    /// may set `inter_node_latency_us`.
    public static let interNodeHopLatencySeconds = 5e-6

    /// Latency of one NVLink hop of a ring collective, seconds: NCCL's tuning model gives 0.6 µs
    /// (LL), 1.9 µs (LL128) and 3.4 µs (Simple) per NVLink hop (src/graph/tuning.cc, `hwLat`); 2 µs
    /// is the LL128 value rounded.
    public static let intraNodeHopLatencySeconds = 2e-6

    /// HBM bytes per logit the cross-entropy moves in a microbatch's forward and backward, counted op by
    /// op in Megatron-Core's vocab-parallel cross-entropy (r0.8 megatron/core/tensor_parallel/
    /// cross_entropy.py, after GPTModel's `logits.float()`) and nanotron's `_ShardedCrossEntropy`
    /// (src/nanotron/parallel/tensor_parallel/functional.py @0e0a27ea), which make the same passes over
    /// T·V/t values: cast bf16 → fp32 (read 2, write 4), max (read 4), subtract the max (read 4, write 4),
    /// exp (4 + 4), sum (4), divide by it (4 + 4); backward: scale by the output gradient (4 + 4) and cast
    /// back to bf16 (4 + 2). 6 + 4 + 8 + 8 + 4 + 8 + 8 + 6 = 52. A fused cross-entropy kernel
    /// (Megatron's --cross-entropy-loss-fusion, Liger) makes fewer; no bundled framework states one.
    public static let lossBytesPerLogit = 52.0

    /// All-reduces per microbatch of Megatron's vocabulary-parallel cross-entropy, each over the
    /// tensor-parallel group and one fp32 value per token: the largest logit, the target's logit and
    /// the sum of exponentials (megatron/core/tensor_parallel/cross_entropy.py,
    /// `VocabParallelCrossEntropy`).
    public static let lossAllReducesPerMicrobatch = 3.0

    /// Times the loss all-reduces are counted per microbatch: the forward's, and the same again as an
    /// allowance for the backward's reductions of the softmax gradient in implementations that fuse
    /// them. Megatron-Core's own backward needs none; the term is under 0.1 ms per microbatch on
    /// NVLink at 8,192 tokens and stays as fitted until the cost model is refitted.
    public static let lossAllReducePasses = 2.0

    /// Fraction of the host link's one-direction bandwidth a device-to-host or host-to-device copy
    /// of activations reaches: nvbandwidth's copy-engine host-to-device copy on a GH200 measured
    /// 346 GB/s over NVLink-C2C's 450 GB/s one direction (NVIDIA/nvbandwidth issue #23), 0.77. The
    /// same fraction is assumed for PCIe and for GB200's C2C, where nothing was found measured.
    public static let hostCopyEfficiency = 0.77
}
