/// Communication groups of a configuration, in the rank order Megatron uses: tensor fastest, then
/// context, then data (experts carved out of it), then pipeline.
extension ParallelConfiguration {
    public var tensorStride: Int { 1 }
    public var contextStride: Int { tensor }
    public var dataStride: Int { tensor * context }
    public var expertStride: Int { tensor }
    public var pipelineStride: Int { tensor * context * data }
    /// Replicas among which non-expert parameters are sharded (ZeRO) and gradients reduced: d·c.
    public var dataShards: Int { data * context }
    /// Replicas of each expert: d·c/e.
    public var expertDataShards: Int { max(data * context / max(expert, 1), 1) }
}
