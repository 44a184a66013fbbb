/// Communication groups of a configuration, in the rank order Megatron uses: tensor fastest, then
/// context, then data, then pipeline. Experts run without tensor parallelism (Megatron's expert
/// tensor-parallel size 1, as Megatron-Bridge's MoE recipes set it): the expert-parallel group is
/// carved out of the t·c·d ranks of a pipeline stage, tensor ranks first.
extension ParallelConfiguration {
    public var tensorStride: Int { 1 }
    public var contextStride: Int { tensor }
    public var expertStride: Int { 1 }
    public var pipelineStride: Int { tensor * context * data }
    /// Replicas among which non-expert parameters are sharded (ZeRO) and gradients reduced: d·c.
    public var dataShards: Int { data * context }
    /// Stride of that d·c group: context ranks sit t apart and data ranks t·c apart, so together they are
    /// every t-th rank (rank order tensor, context, data, pipeline). There is no separate data-only
    /// stride: every data-parallel collective runs over the d·c group.
    public var dataShardStride: Int { tensor }
    /// Replicas of each expert: t·d·c/e.
    public var expertDataShards: Int { max(tensor * data * context / max(expert, 1), 1) }
}
