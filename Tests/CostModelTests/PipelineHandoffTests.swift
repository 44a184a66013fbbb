import CostModel
import Testing

/// A cluster's cross-node pipeline handoff (clusters/aws-p5-efa-64.yaml, `pipeline_handoff_seconds`):
/// looked up by the job's node count, added to each chunk's pipeline send of a pipeline that leaves the
/// NVLink domain, for the framework the table names, and nowhere else.
struct PipelineHandoffTests {
    static let table = PipelineHandoff(framework: "megatron", secondsByNodes: [2: 0.05, 8: 0.2])

    /// Log-log between measured node counts: at 4 nodes exp((ln 0.05 + ln 0.2) / 2) = √0.01 = 0.1 s;
    /// the nearest value outside the table; nothing on one node.
    @Test func interpolatesInLogNodes() {
        #expect(Self.table.seconds(nodes: 2) == 0.05)
        #expect(abs(Self.table.seconds(nodes: 4) - 0.1) < 1e-12)
        #expect(Self.table.seconds(nodes: 64) == 0.2)
        #expect(Self.table.seconds(nodes: 1) == 0)
    }

    func sendSeconds(
        nodes: Int, pipeline: Int, data: Int, virtualStages: Int = 1, handoff: PipelineHandoff?,
        framework: Framework = .megatronDefaults
    ) -> Double {
        var cluster = ClusterDescription(name: "h100", profile: ShardedCollectiveTests.h100, nodes: nodes)
        cluster.pipelineHandoff = handoff
        var config = ParallelConfiguration(
            pipeline: pipeline, data: data, microbatchSize: 1, globalBatchSize: 64, sequenceLength: 2048,
            zeroStage: 0)
        config.virtualStages = virtualStages
        return TrainingCost(model: Models.llama3_70b, cluster: cluster, config: config, framework: framework)
            .pipelineSendSeconds
    }

    /// pp 2 × dp 8 on 2 nodes: the stages are a node apart, so each microbatch's send gains the 2-node
    /// value, 0.05 s, on top of the transfer; pp 2 × dp 16 on 4 nodes gains 0.1 s. pp 2 × dp 4 stays in one
    /// node and gains nothing, and without the table nothing changes.
    @Test func addsToCrossNodeSendsOnly() {
        let bare = sendSeconds(nodes: 2, pipeline: 2, data: 8, handoff: nil)
        #expect(bare > 0)
        #expect(abs(sendSeconds(nodes: 2, pipeline: 2, data: 8, handoff: Self.table) - bare - 0.05) < 1e-12)
        let wide = sendSeconds(nodes: 4, pipeline: 2, data: 16, handoff: nil)
        #expect(abs(sendSeconds(nodes: 4, pipeline: 2, data: 16, handoff: Self.table) - wide - 0.1) < 1e-12)
        let inNode = sendSeconds(nodes: 1, pipeline: 2, data: 4, handoff: nil)
        #expect(sendSeconds(nodes: 1, pipeline: 2, data: 4, handoff: Self.table) == inNode)
        #expect(sendSeconds(nodes: 2, pipeline: 1, data: 16, handoff: Self.table) == 0)
    }

    /// Only the framework the table was found with pays it: a table of nanotron's leaves a Megatron
    /// plan's sends as they are.
    @Test func otherFrameworksDoNotPay() {
        let bare = sendSeconds(nodes: 2, pipeline: 2, data: 8, handoff: nil)
        let nanotrons = PipelineHandoff(framework: "nanotron", secondsByNodes: [2: 0.05])
        #expect(sendSeconds(nodes: 2, pipeline: 2, data: 8, handoff: nanotrons) == bare)
        var nanotron = Framework.megatronDefaults
        nanotron.name = "nanotron"
        #expect(
            abs(sendSeconds(nodes: 2, pipeline: 2, data: 8, handoff: nanotrons, framework: nanotron) - bare - 0.05)
                < 1e-12)
    }

    /// Interleaved, a rank hands on each of its v chunks: the send of each chunk (latency only, the
    /// transfer hides behind the next chunk) gains the table's value, so a microbatch pays it v times per
    /// rank, as it crosses v chunk boundaries.
    @Test func interleavedPaysPerChunk() {
        let bare = sendSeconds(nodes: 2, pipeline: 2, data: 8, virtualStages: 2, handoff: nil)
        let with = sendSeconds(nodes: 2, pipeline: 2, data: 8, virtualStages: 2, handoff: Self.table)
        #expect(abs(with - bare - 0.05) < 1e-12)
    }
}
