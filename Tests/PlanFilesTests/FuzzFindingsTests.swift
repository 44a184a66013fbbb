import CostModel
import Foundation
import PlanFiles
import Testing

/// The libFuzzer target's logic (`InputProbe.probe`, what Fuzz/PlanFuzz runs on every input) over its
/// seed corpus, hostile inputs and the inputs it found: each decodes as a model or a cluster or throws
/// an `InputError`, in process, without trapping, and the plans of what decodes encode as JSON.
@Suite struct FuzzFindingsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let probe: InputProbe? = try? InputProbe()

    /// Files in `folder` (relative to the checkout) ending in `ext`: the seed corpus (`make fuzz-corpus`).
    static func files(_ folder: String, _ ext: String) -> [URL] {
        let directory = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(ext) }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Probes `data` and checks the contract: no findings, and every failure an `InputError`.
    @discardableResult
    static func check(_ data: Data, _ name: String) throws -> InputProbe.Outcome {
        let probe = try #require(Self.probe, "the bundled models/ and clusters/ were not found")
        let outcome = probe.probe(data)
        #expect(outcome.findings.isEmpty, "\(name): \(outcome.findings)")
        for result in [outcome.model.map { _ in () }, outcome.cluster.map { _ in () }] {
            if case .failure(let error) = result {
                #expect(error is InputError, "\(name): \(type(of: error)): \(error)")
                #expect(!"\(error)".contains("\n"), "\(name): the message is not one line: \(error)")
            }
        }
        return outcome
    }

    @Test func seedModelsDecodeAsModels() throws {
        let seeds = Self.files("models", ".yaml") + Self.files("Tests/Fixtures", ".json")
        #expect(seeds.count > 20)
        for url in seeds {
            let outcome = try Self.check(try Data(contentsOf: url), url.lastPathComponent)
            #expect((try? outcome.model.get()) != nil, "\(url.lastPathComponent) does not decode as a model")
        }
    }

    @Test func seedClustersDecodeAsClusters() throws {
        let seeds = Self.files("clusters", ".yaml")
        #expect(seeds.count > 10)
        for url in seeds {
            let outcome = try Self.check(try Data(contentsOf: url), url.lastPathComponent)
            #expect((try? outcome.cluster.get()) != nil, "\(url.lastPathComponent) does not decode as a cluster")
        }
    }

    /// The bad-file suite's small Llama, with the final newline a file has.
    static let llama = BadFileTests.llama + "\n"

    /// Inputs made to break a parser or a decoder: nesting far past the limit, numbers past every range,
    /// NUL and invalid UTF-8 bytes, duplicate keys, aliases, tags, nothing at all.
    static let hostile: [(String, [UInt8])] = [
        ("empty", []),
        ("byte-order mark only", Array("\u{FEFF}".utf8)),
        ("NUL bytes", [0, 0, 0, 0]),
        ("NUL inside a value", Array("num_hidden_layers: 3\u{0}2\n".utf8) + Array(llama.utf8)),
        ("invalid UTF-8", [0x6E, 0x3A, 0x20, 0xFF, 0xFE, 0xC0, 0x80]),
        ("flow nesting 100000 deep", Array(("a: " + String(repeating: "[", count: 100_000)).utf8)),
        ("mapping nesting 50000 deep", Array(String(repeating: "{a: ", count: 50_000).utf8)),
        ("block nesting 300 deep", Array((0..<300).map { String(repeating: " ", count: $0) + "a:\n" }.joined().utf8)),
        ("list nesting 5000 deep", Array(String(repeating: "- ", count: 5_000).utf8)),
        ("huge numbers", Array(llama.replacingOccurrences(of: "32\n", with: "1e400\n").utf8)),
        (
            "integer past Int64",
            Array(llama.replacingOccurrences(of: "hidden_size: 4096", with: "hidden_size: 9223372036854775808").utf8)
        ),
        ("negative zero", Array(llama.replacingOccurrences(of: "vocab_size: 128256", with: "vocab_size: -0").utf8)),
        ("NaN", Array(llama.replacingOccurrences(of: "vocab_size: 128256", with: "vocab_size: .nan").utf8)),
        ("duplicate keys", Array((llama + "hidden_size: 0\nnum_hidden_layers: -1\n").utf8)),
        ("alias for a mapping", Array("base: &b {nodes: 1, gpu: h100-sxm5-80gb}\ngroups: [*b, *b, *b]\n".utf8)),
        // "Billion laughs": nine levels of nine aliases each, 9^9 leaves if expanded.
        (
            "alias fan-out",
            Array(
                (1...9).map { level in
                    let item = level == 1 ? "x" : "*l\(level - 1)"
                    return "l\(level): &l\(level) [" + Array(repeating: item, count: 9).joined(separator: ", ") + "]"
                }.joined(separator: "\n").utf8)
        ),
        ("undefined alias", Array("nodes: *missing\ngpu: h100-sxm5-80gb\n".utf8)),
        ("tags", Array("!!map {nodes: !!str 8, gpu: !!binary aGVsbG8=}\n".utf8)),
        ("block scalar", Array("nodes: |\n  8\ngpu: h100-sxm5-80gb\n".utf8)),
        ("a list at the top", Array("- 1\n- 2\n".utf8)),
        ("a scalar at the top", Array("42".utf8)),
        ("many documents", Array((llama + "---\n" + llama).utf8)),
        (
            "inline profile at the limits",
            Array(
                """
                nodes: 1000000
                gpus_per_node: 1
                gpu: {dense_peak_TFLOPS: {bf16: 0.001}, memory_GiB: 1000000, memory_TBps: 0.001,
                      link_GBps_one_direction: 0.001, nic_Gbps_per_gpu_one_direction: 0.001,
                      efficiency: {gemm_max: 0.001, memory: 0.001, nvlink: 0.001, network: 0.001}}
                inter_node_latency_us: 1000000

                """.utf8)
        ),
        ("profile path traversal", Array("nodes: 1\ngpu: ../clusters/dgx-h100-8\n".utf8)),
        (
            "extreme model",
            Array(
                """
                num_hidden_layers: 10000
                hidden_size: 1000000
                num_attention_heads: 100000
                head_dim: 100000
                intermediate_size: 10000000
                vocab_size: 100000000
                max_position_embeddings: 100000000
                num_local_experts: 1000000
                num_experts_per_tok: 1000000
                n_shared_experts: 1000
                kv_lora_rank: 1000000
                qk_rope_head_dim: 100000
                qk_nope_head_dim: 100000
                v_head_dim: 100000

                """.utf8)
        ),
    ]

    @Test(arguments: hostile.map(\.0))
    func hostileInputs(name: String) throws {
        let bytes = try #require(Self.hostile.first { $0.0 == name }?.1)
        try Self.check(Data(bytes), name)
    }

    /// Finding: a 12 MB file of 5,000 ever deeper block lines (`a:`, ` a:`, `  a:` …) took 2.5 s to
    /// refuse in a release build, 10 s in a debug one, 11 s in the fuzz build (a libFuzzer timeout):
    /// the nesting scan read the whole file and the blank check split it into lines first. Both now
    /// stop early; the refusal is immediate.
    @Test func deepBlockFileIsRefusedAtOnce() throws {
        let text = (0..<5_000).map { String(repeating: " ", count: $0) + "a:\n" }.joined()
        let outcome = try Self.check(Data(text.utf8), "block nesting 5000 deep")
        for error in [outcome.model.failure, outcome.cluster.failure] {
            // 12 MB of YAML is now refused for its size before the nesting scan; either is at once.
            let message = "\(error.map { "\($0)" } ?? "decoded")"
            #expect(message.contains("more than 200 levels deep") || message.contains("KiB of YAML"), "\(message)")
        }
    }

    @Test func oversizedInputIsRefusedUnparsed() throws {
        let outcome = try Self.check(Data(repeating: UInt8(ascii: "["), count: (16 << 20) + 1), "17 MiB")
        #expect("\(outcome.model)".contains("MiB"))
    }
}

extension Result {
    /// The error, or nil on success.
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
