import Foundation
import Launchers
import Testing

/// Every option an export hands a launcher is one that launcher's own parser accepts, read offline from
/// the lists `make check-launchers` wrote from the parsers themselves (Tests/Fixtures/launcher-options/,
/// each file naming the version and source): Megatron-LM's parse_args, torchrun's get_args_parser,
/// torchtitan 0.2.2's JobConfig keys and DeepSpeed's runner. A renamed or misspelt flag fails here
/// without the launchers installed.
struct LauncherOptionsTests {
    static let requests: [PlanRequest] = [
        ExportTests.small, ExportTests.interleaved, ExportTests.bloom, ExportTests.contextParallel,
        ExportTests.mixtureFP8, ExportTests.unevenPipeline, QuotingTests.dataParallel,
        .evaluate(.init(model: "qwen2.5-7b", cluster: "dgx-h100-8", globalBatch: 64, tp: 2, pp: 2, dp: 2, mbs: 1)),
        .evaluate(
            .init(model: "llama3-8b", cluster: "dgx-h100-64", tp: 1, pp: 1, dp: 64, mbs: 2, recompute: .full, zero: 3)),
    ]

    /// The options of one list: every line that is not a `#` comment.
    static func options(_ file: String) throws -> Set<String> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/launcher-options").appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        return Set(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty })
    }

    /// Words of the script's bash arrays and command lines that are options (`--flag`), comments skipped.
    static func flags(in script: String) -> [String] {
        script.split(separator: "\n").flatMap { line -> [String] in
            let code = line.trimmingCharacters(in: .whitespaces)
            guard !code.hasPrefix("#") else { return [] }
            return code.split(separator: " ").map(String.init).filter { $0.hasPrefix("--") }
        }
    }

    @Test func theListsAreThere() throws {
        // A few hand-checked members, so an empty or truncated list cannot pass everything below.
        let megatron = try Self.options("megatron.txt")
        for flag in ["--num-layers", "--rotary-base", "--normalization", "--disable-bias-linear", "--num-experts"] {
            #expect(megatron.contains(flag), "\(flag)")
        }
        #expect(!megatron.contains("--rope-theta"))
        #expect(try Self.options("torchrun.txt").contains("--nproc-per-node"))
        let torchtitan = try Self.options("torchtitan-0.2.2.txt")
        #expect(torchtitan.contains("parallelism.module_fqns_per_model_part"))
        #expect(!torchtitan.contains("parallelism.pipeline_parallel_split_points"))
        #expect(!torchtitan.contains("model.tokenizer_path") || torchtitan.contains("model.hf_assets_path"))
    }

    @Test(arguments: requests)
    func megatronFlagsAreMegatronsAndTorchruns(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(request, in: directory)
        let script = try Plans.export(path, as: .megatron).text
        let known = try Self.options("megatron.txt").union(Self.options("torchrun.txt"))
        let unknown = Self.flags(in: script).filter { !known.contains($0) }
        #expect(unknown.isEmpty, "\(unknown)")
    }

    @Test(arguments: requests)
    func torchtitanKeysAreJobConfigKeys(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(request, in: directory)
        let export: LauncherExport
        do { export = try Plans.export(path, as: .torchtitan) } catch { return }  // refused: nothing launched
        let toml = try TOMLSubset.parse(export.text)
        let known = try Self.options("torchtitan-0.2.2.txt")
        let keys = toml.flatMap { table, entries in entries.keys.map { "\(table).\($0)" } }
        #expect(!keys.isEmpty)
        #expect(keys.filter { !known.contains($0) }.isEmpty, "\(keys.filter { !known.contains($0) })")
        let torchrun = try Self.options("torchrun.txt").union(["--job.config_file"])
        let script = directory.appendingPathComponent("tt")
        try export.write(into: script.path)
        let launch = try String(contentsOf: script.appendingPathComponent("launch.sh"), encoding: .utf8)
        #expect(Self.flags(in: launch).filter { !torchrun.contains($0) }.isEmpty)
    }

    /// torchtitan 0.3.0's options (Scripts/check-launchers/check_torchtitan03.sh) after `-m torchtitan.train`,
    /// torchrun's before it, and an activation-checkpoint subcommand 0.3.0 defines.
    @Test(arguments: requests)
    func torchtitan03OptionsAreConfigManagers(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(request, in: directory)
        let export: LauncherExport
        do { export = try Plans.export(path, as: .torchtitan03) } catch { return }  // refused: nothing launched
        let known = try Self.options("torchtitan-0.3.0.txt"), torchrun = try Self.options("torchrun.txt")
        // The torchrun line is its first two lines; every other option is torchtitan's.
        let lines = export.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = lines.firstIndex { $0.hasPrefix("torchrun ") } ?? lines.count
        let launcher = Self.flags(in: lines[start...].prefix(2).joined(separator: "\n"))
        let trainer = Self.flags(in: (lines[..<start] + lines[start...].dropFirst(2)).joined(separator: "\n"))
        #expect(!trainer.isEmpty)
        #expect(launcher.filter { !torchrun.contains($0) }.isEmpty, "\(launcher)")
        #expect(trainer.filter { !known.contains($0) }.isEmpty, "\(trainer.filter { !known.contains($0) })")
        let subcommands = export.text.split(separator: "\n").filter { $0.hasPrefix("AC_ARGS=(") }
        #expect(subcommands.count == 1)
        #expect(subcommands.allSatisfy { known.contains(String($0.dropFirst("AC_ARGS=(".count).dropLast())) })
    }

    @Test(arguments: requests)
    func horovodrunOptionsAreHorovodruns(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(request, in: directory)
        let export: LauncherExport
        do { export = try Plans.export(path, as: .horovod) } catch { return }  // model parallel: refused
        let line = export.text.split(separator: "\n").first { $0.hasPrefix("horovodrun ") }.map(String.init) ?? ""
        let runner = line.components(separatedBy: " python ")[0]
        let known = try Self.options("horovodrun.txt")
        #expect(runner.hasPrefix("horovodrun -np ") && known.contains("-np") && known.contains("-H"))
        let options = runner.split(separator: " ").map(String.init).filter { $0.hasPrefix("-") }
        #expect(options.filter { !known.contains($0) }.isEmpty, "\(runner)")
    }

    @Test(arguments: [VLLMExportTests.single, VLLMExportTests.fp8, VLLMExportTests.mixed, VLLMExportTests.spanning])
    func vllmServeOptionsAreVLLMs(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(request, in: directory)
        let script = try Plans.export(path, as: .vllm).text
        // The options of vllm serve lines and of the SERVE_ARGS arrays; ray's own (--head, --port=) are not vLLM's.
        let lines = script.split(separator: "\n").map(String.init).filter { !$0.contains("ray start") }
        let known = try Self.options("vllm-0.33.0.txt")
        let flags = Self.flags(in: lines.joined(separator: "\n")).map { $0.split(separator: "=")[0] }.map(String.init)
        #expect(!flags.isEmpty)
        #expect(flags.filter { !known.contains($0) }.isEmpty, "\(flags.filter { !known.contains($0) })")
    }

    @Test(arguments: requests)
    func deepspeedLaunchOptionsAreTheRunners(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(request, in: directory)
        let export: LauncherExport
        do { export = try Plans.export(path, as: .deepspeed) } catch { return }
        let launch = try export.json()["launch"] as? String ?? ""
        // The runner's own options come before the training script; after it they are the script's.
        let runner = launch.components(separatedBy: " train.py ")[0]
        let known = try Self.options("deepspeed-runner.txt")
        #expect(Self.flags(in: runner).filter { !known.contains($0) }.isEmpty, "\(runner)")
    }
}
