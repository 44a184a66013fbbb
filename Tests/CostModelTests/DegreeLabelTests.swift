import CostModel
import Testing

/// The shared degree label: every printed form of it depends on these bytes.
struct DegreeLabelTests {
    @Test func keyedAndCompactForms() {
        let config = ParallelConfiguration(
            tensor: 4, pipeline: 4, data: 4, context: 2, expert: 8, virtualStages: 8,
            globalBatchSize: 64, sequenceLength: 4096)
        #expect(config.degreeLabel() == "tp=4 pp=4 dp=4 cp=2 ep=8 vpp=8")
        #expect(config.degreeLabel(.compact) == "tp4 pp4 dp4 cp2 ep8 v8")
    }

    /// Context, expert and virtual stages appear only above 1; tensor, pipeline and data always.
    @Test func degreesOfOneLeftOut() {
        #expect(ParallelConfiguration.label(tensor: 1, pipeline: 1, data: 8) == "tp=1 pp=1 dp=8")
        let compact = ParallelConfiguration.label(tensor: 8, pipeline: 2, data: 4, expert: 4, style: .compact)
        #expect(compact == "tp8 pp2 dp4 ep4")
        let interleaved = ParallelConfiguration.label(tensor: 2, pipeline: 4, data: 1, virtualStages: 2)
        #expect(interleaved == "tp=2 pp=4 dp=1 vpp=2")
    }
}
