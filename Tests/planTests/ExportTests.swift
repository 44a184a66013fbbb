import Foundation
import Testing

/// `plan export --to FORMAT PLAN.json` and `plan train --emit FORMAT`: each launcher's output is made
/// from a real plan written by the binary, parsed back (JSON, TOML, or the argument list bash hands to
/// a stand-in `torchrun`), and checked against the plan.
@Suite(.serialized)
struct ExportTests {
    // MARK: Plans made by the binary

    /// Writes a plan with `plan train` or `plan evaluate` and returns its path and parsed JSON.
    static func makePlan(_ arguments: [String], in directory: URL, name: String = "plan.json") throws -> (path: String, json: [String: Any]) {
        let path = directory.appendingPathComponent(name).path
        let result = try Binary.run(arguments + ["--out", path])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        return (path, json)
    }

    static let small = ["train", "--model", "llama3-8b", "--cluster", "dgx-h100-8"]
    /// Interleaved, uneven chunks (the split MILP): Megatron needs the layout flag.
    static let interleaved = ["evaluate", "--model", "llama3-70b", "--cluster", "dgx-h100-64", "--tp", "4", "--pp", "4", "--dp", "4",
                              "--mbs", "1", "--vpp", "2", "--recompute", "full"]
    /// Interleaved and even: --num-layers-per-virtual-pipeline-stage.
    static let interleavedEven = interleaved + ["--split", "uniform"]
    /// BLOOM-176B's published layout: 70 layers on 12 stages, full recompute.
    static let bloom = ["evaluate", "--model", "bloom-176b", "--cluster", "dgx-a100-3072", "--global-batch", "2048", "--seq-len", "2048",
                        "--tp", "4", "--pp", "12", "--dp", "64", "--mbs", "2", "--recompute", "full", "--split", "uniform"]
    static let contextParallel = ["evaluate", "--model", "llama3-70b", "--cluster", "dgx-h100-64", "--tp", "4", "--pp", "4", "--dp", "2",
                                  "--cp", "2", "--mbs", "1", "--recompute", "full", "--split", "uniform"]
    static let mixtureFP8 = ["evaluate", "--model", "mixtral-8x7b", "--cluster", "dgx-h100-64", "--tp", "2", "--pp", "4", "--dp", "8",
                             "--ep", "8", "--mbs", "1", "--recompute", "selective", "--precision", "fp8"]

    static func int(_ plan: [String: Any], _ path: String) -> Int { Contract.value(plan, path) as? Int ?? -1 }
    static func layerCounts(_ plan: [String: Any]) -> [Int] {
        (plan["stages"] as? [[String: Any]] ?? []).map { $0["layerCount"] as? Int ?? -1 }
    }

    // MARK: Megatron

    @Test(arguments: [small, interleaved, interleavedEven, bloom, contextParallel, mixtureFP8])
    func megatronArgumentsMatchThePlan(_ planArguments: [String]) throws {
        let directory = try Binary.scratch()
        let (path, plan) = try Self.makePlan(planArguments, in: directory)
        let result = try Binary.run(["export", "--to", "megatron", path])
        #expect(result.status == 0, "\(result.stderr)")
        let script = directory.appendingPathComponent("launch.sh")
        try result.stdout.write(to: script)
        let words = try Self.runWithStandIn(script: script, launcher: "torchrun", environment: ["NODE_RANK": "0"], arguments: ["--data-path", "corpus"])
        guard let scriptIndex = words.firstIndex(of: "pretrain_gpt.py") else {
            Issue.record("no pretrain_gpt.py in \(words)")
            return
        }
        let launcher = Flags(Array(words[..<scriptIndex]))
        let megatron = Flags(Array(words[(scriptIndex + 1)...]))
        let tp = Self.int(plan, "parallelism.tensor"), pp = Self.int(plan, "parallelism.pipeline")
        let vpp = Self.int(plan, "parallelism.virtualStages"), cp = Self.int(plan, "parallelism.context")
        let ep = Self.int(plan, "parallelism.expert"), dp = Self.int(plan, "parallelism.data")

        // torchrun starts every device of the plan.
        #expect(launcher.int("--nnodes") * launcher.int("--nproc-per-node") == Self.int(plan, "cluster.devices"))
        #expect(launcher.value("--node-rank") == "0")

        #expect(megatron.int("--tensor-model-parallel-size") == tp)
        #expect(megatron.int("--pipeline-model-parallel-size") == pp)
        #expect(megatron.int("--context-parallel-size") == cp)
        #expect(megatron.int("--expert-model-parallel-size") == ep)
        #expect(megatron.has("--expert-tensor-parallel-size") == (ep > 1))
        #expect(megatron.has("--sequence-parallel") == ((Contract.value(plan, "parallelism.sequenceParallel") as? Bool ?? false) && tp > 1))
        #expect(megatron.int("--num-layers") == Self.int(plan, "model.layers"))
        #expect(megatron.int("--seq-length") == Self.int(plan, "workload.sequenceLength"))
        // Megatron's batch identity: global = micro × data-parallel size × microbatches.
        #expect(megatron.int("--micro-batch-size") == Self.int(plan, "microbatch.size"))
        #expect(megatron.int("--global-batch-size") == Self.int(plan, "workload.globalBatchSize"))
        #expect(megatron.int("--global-batch-size") == megatron.int("--micro-batch-size") * dp * Self.int(plan, "microbatch.count"))
        #expect(megatron.value("--data-path") == "corpus", "arguments after the script reach pretrain_gpt.py")

        // The layer split, whichever flags express it, gives back the plan's chunk sizes.
        #expect(Self.megatronChunks(megatron, layers: megatron.int("--num-layers"), pp: pp, vpp: vpp) == Self.layerCounts(plan))

        switch Contract.value(plan, "recompute.granularity") as? String {
        case "none": #expect(!megatron.has("--recompute-granularity"))
        case "selective":
            #expect(megatron.value("--recompute-granularity") == "selective")
            #expect(!megatron.has("--recompute-method"))
        default:
            #expect(megatron.value("--recompute-granularity") == "full")
            let perStage = Contract.value(plan, "recompute.layersPerStage") as? [Int] ?? []
            if perStage == Self.layerCounts(plan) {
                #expect(megatron.value("--recompute-method") == "uniform" && megatron.int("--recompute-num-layers") == 1)
            } else {
                #expect(megatron.value("--recompute-method") == "block")
                #expect(megatron.int("--recompute-num-layers") == perStage.max())
            }
        }
        switch Self.int(plan, "parallelism.zeroStage") {
        case 0: #expect(!megatron.has("--use-distributed-optimizer") && !megatron.has("--use-megatron-fsdp"))
        case 1: #expect(megatron.has("--use-distributed-optimizer"))
        case let stage:
            #expect(megatron.has("--use-megatron-fsdp"))
            #expect(megatron.value("--data-parallel-sharding-strategy") == (stage == 2 ? "optim_grads" : "optim_grads_params"))
        }
        switch Contract.value(plan, "precision") as? String {
        case "bf16": #expect(megatron.has("--bf16") && !megatron.has("--fp8-format"))
        case "fp8": #expect(megatron.has("--bf16") && megatron.value("--fp8-format") == "hybrid")
        case "fp16": #expect(megatron.has("--fp16"))
        default: break
        }
        // Shape flags the plan does not carry are left for the user, not invented.
        let text = result.text
        #expect(text.contains("# set: --hidden-size"))
        #expect(!megatron.has("--hidden-size"))
    }

    /// Chunk sizes as Megatron would build them from the emitted flags.
    static func megatronChunks(_ flags: Flags, layers: Int, pp: Int, vpp: Int) -> [Int] {
        if let layout = flags.value("--pipeline-model-parallel-layout") {
            return layout.split(separator: "|", omittingEmptySubsequences: false).map { stage in
                let body = stage.replacingOccurrences(of: "E", with: "").replacingOccurrences(of: "L", with: "")
                if body.isEmpty { return 0 }
                if body == "t" { return 1 }
                return Int(body.dropFirst(2)) ?? -1  // "t*N"
            }
        }
        let chunks = pp * vpp
        var perRank = Array(repeating: layers / pp, count: pp)
        if flags.has("--decoder-first-pipeline-num-layers") {
            let first = flags.int("--decoder-first-pipeline-num-layers"), last = flags.int("--decoder-last-pipeline-num-layers")
            let middle = pp > 2 ? (layers - first - last) / (pp - 2) : 0
            perRank = (0..<pp).map { $0 == 0 ? first : ($0 == pp - 1 ? last : middle) }
            #expect(flags.int("--num-virtual-stages-per-pipeline-rank") == (vpp > 1 ? vpp : -1))
        } else if vpp > 1 {
            #expect(flags.int("--num-layers-per-virtual-pipeline-stage") == layers / chunks)
        }
        return (0..<chunks).map { perRank[$0 % pp] / vpp }
    }

    /// The uneven-first-and-last branch: real plans whose stages are edited so that only the first and
    /// last pipeline ranks differ (with two virtual stages per rank, each rank's chunks stay equal).
    @Test(arguments: [
        (["--pp", "4", "--dp", "4"], [18, 21, 21, 20], 18, 20),
        (["--pp", "4", "--dp", "4", "--vpp", "2"], [9, 10, 10, 11, 9, 10, 10, 11], 18, 22),
    ])
    func megatronFirstAndLastStagesFlags(degrees: [String], counts: [Int], first: Int, last: Int) throws {
        let directory = try Binary.scratch()
        let (_, plan) = try Self.makePlan(["evaluate", "--model", "llama3-70b", "--cluster", "dgx-h100-64", "--tp", "4", "--mbs", "1",
                                           "--split", "uniform"] + degrees, in: directory)
        var edited = plan
        var firstLayer = 0
        edited["stages"] = zip(plan["stages"] as? [[String: Any]] ?? [], counts).map { stage, count in
            var row = stage
            row["layerCount"] = count
            row["firstLayer"] = firstLayer
            firstLayer += count
            return row
        }
        let path = directory.appendingPathComponent("edited.json")
        try JSONSerialization.data(withJSONObject: edited).write(to: path)
        let result = try Binary.run(["export", "--to", "megatron", path.path])
        #expect(result.status == 0, "\(result.stderr)")
        let flags = Flags(Self.scriptWords(result.text))
        #expect(flags.int("--decoder-first-pipeline-num-layers") == first)
        #expect(flags.int("--decoder-last-pipeline-num-layers") == last)
        #expect(!flags.has("--pipeline-model-parallel-layout"))
        let vpp = Self.int(plan, "parallelism.virtualStages")
        #expect(Self.megatronChunks(flags, layers: 80, pp: 4, vpp: vpp) == counts)
    }

    // MARK: DeepSpeed

    @Test(arguments: [small, interleaved, bloom, contextParallel, mixtureFP8])
    func deepspeedConfigHoldsTheBatchIdentity(_ planArguments: [String]) throws {
        let directory = try Binary.scratch()
        let (path, plan) = try Self.makePlan(planArguments, in: directory)
        let result = try Binary.run(["export", "--to", "deepspeed", path])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try result.json()
        let config = document["ds_config"] as? [String: Any] ?? [:]
        let micro = config["train_micro_batch_size_per_gpu"] as? Int ?? 0
        let accumulation = config["gradient_accumulation_steps"] as? Int ?? 0
        let dp = Self.int(plan, "parallelism.data"), tp = Self.int(plan, "parallelism.tensor")
        // DeepSpeed's identity, with its world size the data-parallel size.
        #expect(config["train_batch_size"] as? Int == micro * accumulation * dp)
        #expect(config["train_batch_size"] as? Int == Self.int(plan, "workload.globalBatchSize"))
        #expect(micro == Self.int(plan, "microbatch.size"))
        #expect(accumulation == Self.int(plan, "microbatch.count"))
        #expect(Contract.value(config, "zero_optimization.stage") as? Int == Self.int(plan, "parallelism.zeroStage"))
        let precision = Contract.value(plan, "precision") as? String
        #expect(Contract.value(config, "bf16.enabled") as? Bool == ((precision == "bf16" || precision == "fp8") ? true : nil))
        #expect(Contract.value(config, "fp16.enabled") as? Bool == (precision == "fp16" ? true : nil))
        #expect((config["activation_checkpointing"] != nil) == (Contract.value(plan, "recompute.granularity") as? String != "none"))
        #expect(Contract.value(config, "tensor_parallel.autotp_size") as? Int == (tp > 1 ? tp : nil))
        let cp = Self.int(plan, "parallelism.context")
        #expect(config["sequence_parallel_size"] as? Int == (cp > 1 ? cp : nil))

        let launch = Flags((document["launch"] as? String ?? "").split(separator: " ").map(String.init))
        let nodes = launch.has("--num_nodes") ? launch.int("--num_nodes") : 1
        #expect(nodes * launch.int("--num_gpus") == Self.int(plan, "cluster.devices"))
        #expect(launch.value("--deepspeed_config") == "ds_config.json")
        let hostfile = (document["hostfile"] as? String)?.split(separator: "\n") ?? []
        #expect(hostfile.count == (nodes > 1 ? nodes : 0))

        // --out-dir writes the same config as a file, with the launcher script and hostfile.
        let out = directory.appendingPathComponent("ds")
        let written = try Binary.run(["export", "--to", "deepspeed", path, "--out-dir", out.path])
        #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
        let file = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("ds_config.json"))) as? NSDictionary
        #expect(file == (config as NSDictionary))
        #expect(FileManager.default.isExecutableFile(atPath: out.appendingPathComponent("launch.sh").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("hostfile").path) == (nodes > 1))
    }

    @Test func deepspeedRefusesZero2WithPipeline() throws {
        let directory = try Binary.scratch()
        let (path, _) = try Self.makePlan(["evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-8", "--tp", "1", "--pp", "2",
                                           "--dp", "4", "--mbs", "1", "--zero", "2", "--framework", "torchtitan"], in: directory)
        let result = try Binary.run(["export", "--to", "deepspeed", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("zeroStage") && result.stderr.contains("pipeline"), "\(result.stderr)")
    }

    // MARK: torchtitan

    @Test(arguments: [small, interleaved, contextParallel, mixtureFP8])
    func torchtitanTOMLMatchesThePlan(_ planArguments: [String]) throws {
        let directory = try Binary.scratch()
        let (path, plan) = try Self.makePlan(planArguments, in: directory)
        let result = try Binary.run(["export", "--to", "torchtitan", path])
        #expect(result.status == 0, "\(result.stderr)")
        let toml = try TOMLSubset.parse(result.text)
        let training = toml["training"] ?? [:], parallelism = toml["parallelism"] ?? [:]
        let dp = Self.int(plan, "parallelism.data"), pp = Self.int(plan, "parallelism.pipeline")
        let mbs = Self.int(plan, "microbatch.size"), count = Self.int(plan, "microbatch.count")

        #expect(parallelism["tensor_parallel_degree"] as? Int == Self.int(plan, "parallelism.tensor"))
        #expect(parallelism["pipeline_parallel_degree"] as? Int == pp)
        #expect(parallelism["context_parallel_degree"] as? Int == Self.int(plan, "parallelism.context"))
        let replicate = parallelism["data_parallel_replicate_degree"] as? Int ?? 0
        let shard = parallelism["data_parallel_shard_degree"] as? Int ?? 0
        #expect(replicate * shard == dp)
        #expect(parallelism["pipeline_parallel_microbatch_size"] as? Int == mbs)
        let ep = Self.int(plan, "parallelism.expert")
        #expect(parallelism["expert_parallel_degree"] as? Int == (ep > 1 ? ep : nil))

        // torchtitan accumulates global / (local × dp) steps; pipelining cuts the local batch into microbatches.
        let local = training["local_batch_size"] as? Int ?? 0
        let global = training["global_batch_size"] as? Int ?? 0
        #expect(global == Self.int(plan, "workload.globalBatchSize"))
        #expect(global % (local * dp) == 0)
        let accumulation = global / (local * dp)
        if pp > 1 {
            // The plan's schedule: all its microbatches go through one pipeline flush per step.
            #expect(local / mbs == count && accumulation == 1, "local \(local), accumulation \(accumulation)")
        } else {
            #expect(local == mbs && accumulation == count, "local \(local), accumulation \(accumulation)")
        }
        #expect(training["seq_len"] as? Int == Self.int(plan, "workload.sequenceLength"))

        if pp > 1 {
            let firsts = (plan["stages"] as? [[String: Any]] ?? []).dropFirst().map { "layers.\($0["firstLayer"] as? Int ?? -1)" }
            #expect(parallelism["pipeline_parallel_split_points"] as? [String] == firsts)
            #expect(parallelism["pipeline_parallel_schedule"] as? String == (Self.int(plan, "parallelism.virtualStages") > 1 ? "Interleaved1F1B" : "1F1B"))
        }
        #expect(toml["activation_checkpoint"]?["mode"] as? String == Contract.value(plan, "recompute.granularity") as? String)
        let fp8 = Contract.value(plan, "precision") as? String == "fp8"
        #expect((toml["model"]?["converters"] as? [String]) == (fp8 ? ["float8"] : nil))
        #expect(training["mixed_precision_param"] as? String == "bfloat16")
    }

    // MARK: Horovod and TensorFlow

    @Test func horovodLineForADataParallelPlan() throws {
        let directory = try Binary.scratch()
        let (path, plan) = try Self.makePlan(Self.small, in: directory)
        #expect(Self.int(plan, "parallelism.tensor") == 1 && Self.int(plan, "parallelism.pipeline") == 1)
        let result = try Binary.run(["export", "--to", "horovod", path])
        #expect(result.status == 0, "\(result.stderr)")
        let script = directory.appendingPathComponent("launch.sh")
        try result.stdout.write(to: script)
        let words = try Self.runWithStandIn(script: script, launcher: "horovodrun", environment: [:], arguments: [])
        let flags = Flags(words)
        #expect(flags.int("-np") == Self.int(plan, "cluster.devices"))
        let slots = (flags.value("-H") ?? "").split(separator: ",").map { Int($0.split(separator: ":").last ?? "") ?? 0 }
        #expect(slots.reduce(0, +) == Self.int(plan, "cluster.devices"))
        #expect(result.text.contains("backward_passes_per_step=\(Self.int(plan, "microbatch.count"))"))

        let named = try Binary.run(["export", "--to", "horovod", path, "--hosts", "gpu-a"])
        #expect(named.text.contains("-H gpu-a:8"))
        let wrong = try Binary.run(["export", "--to", "horovod", path, "--hosts", "gpu-a,gpu-b"])
        #expect(wrong.status == 1 && wrong.stdout.isEmpty && wrong.stderr.contains("--hosts"))
    }

    @Test func tensorflowConfigPerWorker() throws {
        let directory = try Binary.scratch()
        let (path, _) = try Self.makePlan(["evaluate", "--model", "llama3-8b", "--cluster", "dgx-h100-64", "--global-batch", "512",
                                           "--tp", "1", "--pp", "1", "--dp", "64", "--mbs", "1", "--recompute", "full"], in: directory)
        let result = try Binary.run(["export", "--to", "tensorflow", path])
        #expect(result.status == 0, "\(result.stderr)")
        let workers = try result.json()["workers"] as? [[String: Any]] ?? []
        #expect(workers.count == 8, "one worker per node")
        let addresses = workers.map { "\($0["host"] as? String ?? ""):12345" }
        for (index, worker) in workers.enumerated() {
            let config = worker["TF_CONFIG"] as? [String: Any] ?? [:]
            #expect(Contract.value(config, "cluster.worker") as? [String] == addresses)
            #expect(Contract.value(config, "task.type") as? String == "worker")
            #expect(Contract.value(config, "task.index") as? Int == index)
        }
        let out = directory.appendingPathComponent("tf")
        #expect(try Binary.run(["export", "--to", "tensorflow", path, "--out-dir", out.path]).status == 0)
        let third = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("tf_config.worker-3.json"))) as? [String: Any]
        #expect(Contract.value(third ?? [:], "task.index") as? Int == 3)
    }

    @Test(arguments: ["horovod", "tensorflow"])
    func dataParallelLaunchersRefuseModelParallelPlans(_ format: String) throws {
        let directory = try Binary.scratch()
        let (path, _) = try Self.makePlan(Self.interleaved, in: directory)
        let kept = directory.appendingPathComponent("kept.txt")
        try Data("keep me\n".utf8).write(to: kept)
        let result = try Binary.run(["export", "--to", format, path, "--out", kept.path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("tensor=4") && result.stderr.contains("pipeline=4"), "\(result.stderr)")
        #expect(result.stderr.contains(path))
        #expect(try String(contentsOf: kept, encoding: .utf8) == "keep me\n")
    }

    // MARK: Bad plan files and plan train --emit

    @Test func missingOrGarbledPlanNamesTheFile() throws {
        let directory = try Binary.scratch()
        let missing = directory.appendingPathComponent("absent.json").path
        let absent = try Binary.run(["export", "--to", "megatron", missing])
        #expect(absent.status == 1 && absent.stdout.isEmpty)
        #expect(absent.stderr.contains(missing) && absent.stderr.contains("plan train"), "\(absent.stderr)")

        let garbled = directory.appendingPathComponent("garbled.json")
        try Data("{\"schemaVersion\": 1, \"parallelism\": [".utf8).write(to: garbled)
        let broken = try Binary.run(["export", "--to", "deepspeed", garbled.path])
        #expect(broken.status == 1 && broken.stdout.isEmpty)
        #expect(broken.stderr.contains(garbled.path) && broken.stderr.contains("not JSON"), "\(broken.stderr)")

        let (_, plan) = try Self.makePlan(Self.small, in: directory)
        var partial = plan
        var parallelism = plan["parallelism"] as? [String: Any] ?? [:]
        parallelism["tensor"] = "four"
        partial["parallelism"] = parallelism
        let edited = directory.appendingPathComponent("edited.json")
        try JSONSerialization.data(withJSONObject: partial).write(to: edited)
        let wrong = try Binary.run(["export", "--to", "torchtitan", edited.path])
        #expect(wrong.status == 1 && wrong.stdout.isEmpty)
        #expect(wrong.stderr.contains(edited.path) && wrong.stderr.contains("parallelism.tensor"), "\(wrong.stderr)")
        #expect(wrong.stderr.split(separator: "\n").count <= 2)
    }

    @Test func trainEmitPrintsTheExportOfItsPlan() throws {
        let directory = try Binary.scratch()
        let (path, _) = try Self.makePlan(Self.small, in: directory)
        let exported = try Binary.run(["export", "--to", "deepspeed", path])
        let emitted = try Binary.run(Self.small + ["--emit", "deepspeed"])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        #expect(try emitted.json()["ds_config"] as? NSDictionary == exported.json()["ds_config"] as? NSDictionary)
        let script = try Binary.run(Self.small + ["--emit", "megatron"])
        #expect(script.text.hasPrefix("#!/usr/bin/env bash"))
        let clash = try Binary.run(Self.small + ["--emit", "megatron", "--format", "table"])
        #expect(clash.status == 1 && clash.stdout.isEmpty && clash.stderr.contains("--emit"))
    }

    // MARK: Helpers

    /// Runs `script` with bash, `launcher` replaced by a stand-in that prints its arguments one per
    /// line, and returns them: exactly the words the real launcher would receive.
    static func runWithStandIn(script: URL, launcher: String, environment: [String: String], arguments: [String]) throws -> [String] {
        let bin = script.deletingLastPathComponent().appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let standIn = bin.appendingPathComponent(launcher)
        try Data("#!/bin/sh\nfor word in \"$@\"; do printf '%s\\n' \"$word\"; done\n".utf8).write(to: standIn)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn.path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script.path] + arguments
        var variables = ProcessInfo.processInfo.environment
        variables["PATH"] = bin.path + ":" + (variables["PATH"] ?? "/usr/bin:/bin")
        variables.merge(environment) { $1 }
        process.environment = variables
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let words = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "bash \(script.lastPathComponent): \(problems)")
        return words.split(separator: "\n").map(String.init)
    }

    /// The words of a script's non-comment lines (for flags checked without running it).
    static func scriptWords(_ script: String) -> [String] {
        script.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }
            .flatMap { $0.split(separator: " ").map(String.init) }
    }
}

/// Flags of an argument list: `--flag value`, or `--flag` alone when the next word is another flag.
struct Flags {
    var words: [String]
    init(_ words: [String]) { self.words = words }

    func has(_ flag: String) -> Bool { words.contains(flag) }

    func value(_ flag: String) -> String? {
        guard let index = words.firstIndex(of: flag), index + 1 < words.count, !words[index + 1].hasPrefix("-") else { return nil }
        return words[index + 1]
    }

    func int(_ flag: String) -> Int { value(flag).flatMap(Int.init) ?? -1 }
}

/// The TOML the torchtitan export writes: `[table]` headers, `key = value` with integers, booleans,
/// basic strings and arrays of strings, and whole-line comments.
enum TOMLSubset {
    struct Problem: Error, CustomStringConvertible { var description: String }

    static func parse(_ text: String) throws -> [String: [String: Any]] {
        var tables: [String: [String: Any]] = [:]
        var current: String?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast())
                guard tables[name] == nil else { throw Problem(description: "line \(number + 1): table [\(name)] twice") }
                tables[name] = [:]
                current = name
                continue
            }
            guard let table = current, let equals = line.firstIndex(of: "=") else {
                throw Problem(description: "line \(number + 1): not a table or key = value: \(line)")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = try parseValue(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces), line: number + 1)
            guard tables[table]?[key] == nil else { throw Problem(description: "line \(number + 1): \(key) twice in [\(table)]") }
            tables[table]?[key] = value
        }
        return tables
    }

    static func parseValue(_ text: String, line: Int) throws -> Any {
        if text == "true" { return true }
        if text == "false" { return false }
        if let number = Int(text) { return number }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { return String(text.dropFirst().dropLast()) }
        if text.hasPrefix("["), text.hasSuffix("]") {
            let body = text.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
            if body.isEmpty { return [String]() }
            return try body.split(separator: ",").map { item -> String in
                guard let string = try parseValue(item.trimmingCharacters(in: .whitespaces), line: line) as? String else {
                    throw Problem(description: "line \(line): array item \(item) is not a string")
                }
                return string
            }
        }
        throw Problem(description: "line \(line): cannot read value \(text)")
    }
}
