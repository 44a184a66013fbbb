import CostModel
import Foundation
import PlanFiles
import Planner
import Testing

/// Reading a measured grid (GridFile) and the two playbook models it needs.
struct GridFileTests {
    static let models = [
        "1B": ModelDescription(
            name: "one", layers: 16, hiddenSize: 2048, attentionHeads: 32, ffnHiddenSize: 8192,
            vocabularySize: 131072, feedForward: .gated),
        "3B": ModelDescription(
            name: "three", layers: 28, hiddenSize: 3072, attentionHeads: 32, ffnHiddenSize: 8192,
            vocabularySize: 131072, feedForward: .gated),
    ]
    static let header = "model,nodes,mbs,grad_acc,gbs,dp,pp,tp,zero_stage,mfu_pct,tok_s_gpu,tok_s_total,gpu_mem_gb"

    static func decode(_ text: String) throws -> [GridRun] {
        try GridFile.decode(text: text, file: "grid.csv", models: models)
    }

    /// The message of the InputError `body` throws, or "" when it throws none.
    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return String(describing: error) }
        return ""
    }

    @Test func goodRows() throws {
        let runs = try Self.decode(
            """
            \(Self.header)
            1B,1,1,32,256,8,1,1,0,38.3,39273,314187,36.7
            3B,2,4,16,256,4,4,1,1,9.2,3224,51580,76.9

            """)
        #expect(runs.count == 2)
        let first = runs[0]
        #expect(first.line == 2 && first.modelName == "1B" && first.model.name == "one" && first.nodes == 1)
        #expect(
            first.config
                == ParallelConfiguration(
                    tensor: 1, pipeline: 1, data: 8, context: 1, expert: 1, virtualStages: 1, microbatchSize: 1,
                    globalBatchSize: 256, sequenceLength: 4096, sequenceParallel: false, recompute: .none, zeroStage: 0,
                    precision: .bf16))
        #expect(first.measuredTokensPerSecondPerDevice == 39273)
        #expect(first.measuredMemoryBytes == 36.7 * 1_073_741_824)  // nanotron writes bytes / 1024**3 under "GB"
        let second = runs[1]
        #expect(second.line == 3 && second.model.name == "three")
        #expect(second.config.tensor == 1 && second.config.pipeline == 4 && second.config.data == 4)
        #expect(second.config.microbatchCount == 16 && second.config.zeroStage == 1)
    }

    @Test func columnsByNameWithSequenceLength() throws {
        // Reordered, an extra column, no grad_acc, CRLF line ends, a seq_len column.
        let runs = try Self.decode(
            "tp,note,model,nodes,dp,pp,mbs,gbs,zero_stage,tok_s_gpu,gpu_mem_gb,seq_len\r\n"
                + "2,hi,\"1B\",1,4,1,2,256,1,20000,12.5,2048\r\n")
        let run = try #require(runs.first)
        #expect(run.config.tensor == 2 && run.config.data == 4 && run.config.microbatchSize == 2)
        #expect(run.config.sequenceParallel && run.config.sequenceLength == 2048)
    }

    @Test func badCellNamesLineAndColumn() {
        let text =
            "\(Self.header)\n1B,1,1,32,256,8,1,1,0,38.3,39273,314187,36.7\n"
            + "1B,1,1,64,256,4,1,two,0,28.6,29274,234190,19.5\n"
        let message = Self.message { _ = try Self.decode(text) }
        #expect(message.hasPrefix("grid.csv:3: 'tp': 'two' is not a whole number"), "\(message)")
        #expect(message.contains("give the tensor-parallel degree"))
    }

    @Test func badValuesNameTheirColumn() {
        let row = { (cells: String) in Self.message { _ = try Self.decode("\(Self.header)\n\(cells)\n") } }
        #expect(
            row("7B,1,1,32,256,8,1,1,0,38.3,39273,314187,36.7")
                .contains("'model': '7B' is not a model of this grid; use one of 1B, 3B"))
        #expect(row("1B,1,1,32,256,8,1,1,0,38.3,-5,314187,36.7").contains("grid.csv:2: 'tok_s_gpu': must be positive"))
        #expect(row("1B,1,1,32,256,8,1,1,0,38.3,39273,314187,").contains("'gpu_mem_gb': is empty"))
        #expect(row("1B,1,1,32,256,8,1,1,4,38.3,39273,314187,36.7").contains("'zero_stage': 4 is not between 0 and 3"))
        #expect(
            row("1B,1,1,16,256,8,1,1,0,38.3,39273,314187,36.7")
                .contains("'gbs': mbs × grad_acc × dp = 1·16·8 = 128, not 256"))
        #expect(
            row("1B,2,1,32,256,8,1,1,0,38.3,39273,314187,36.7")
                .contains("'dp': tp·pp·dp = 1·1·8 = 8, but 2 nodes have 16 GPUs"))
        #expect(row("1B,1,1,32,256,8,1,1,0").contains("grid.csv:2: has 9 cells but the header has 13 columns"))
    }

    @Test func missingColumn() {
        let text = "model,nodes,mbs,gbs,dp,pp,zero_stage,tok_s_gpu,gpu_mem_gb\n1B,1,1,256,8,1,0,39273,36.7\n"
        let message = Self.message { _ = try Self.decode(text) }
        #expect(message.hasPrefix("grid.csv:1: 'tp': the header has no 'tp' column; add it"), "\(message)")
        #expect(Self.message { _ = try Self.decode("\(Self.header)\n") }.contains("has a header but no rows"))
        #expect(Self.message { _ = try Self.decode("") }.contains("has no header"))
    }

    /// The project's copy of the playbook grid: 1,117 rows, each filling its nodes × 8 GPUs exactly.
    @Test func playbookGrid() throws {
        let url = Binary.root.appendingPathComponent("validation/playbook-grid-1b-3b.csv")
        let runs = try GridFile.load(contentsOf: url, shownAs: "playbook-grid-1b-3b.csv", models: Self.models)
        #expect(runs.count == 1117)
        for run in runs {
            let c = run.config
            #expect(c.tensor * c.pipeline * c.data == run.nodes * 8, "line \(run.line)")
            #expect(c.microbatchSize * c.microbatchCount * c.data == 256, "line \(run.line)")
        }
        #expect(Set(runs.map(\.modelName)) == ["1B", "3B"])
        #expect(Set(runs.map(\.nodes)) == [1, 2, 4, 8, 16, 32, 64])
    }

    /// The bundled playbook models give the parameter counts PLAYBOOK-GRID.md states, within 2%. By hand,
    /// L·(4h² + 3·h·8192 + 2h) + 131072·h + h (tied embeddings, two norms a layer and a final one):
    /// 1B 16·67,112,960 + 268,437,504 = 1,342,244,864; 3B 28·113,252,352 + 402,656,256 = 3,573,722,112.
    @Test(arguments: [("playbook-1b", 1.34e9, 1_342_244_864.0), ("playbook-3b", 3.57e9, 3_573_722_112.0)])
    func playbookModelParameters(name: String, published: Double, counted: Double) throws {
        let model = try DataDirectory().model(Binary.root.appendingPathComponent("models/\(name).yaml").path)
        #expect(abs(model.totalParameters / published - 1) < 0.02, "\(name): \(model.totalParameters)")
        #expect(model.totalParameters == counted)
    }
}
