import Foundation
import Launchers
import PlanFiles
import Testing

/// Each training launcher's export (what `plan export --to FORMAT PLAN.json` prints) is made in process
/// from a real plan (Tests/Shared/Plans.swift makes it as `plan train` or `plan evaluate` does, and writes
/// it as --out does), parsed back (JSON, TOML, or the argument list bash hands to a stand-in `torchrun`)
/// and checked against the plan; refused plans name the file and the key. The binary's own export and
/// `plan train --emit` are checked end to end in Tests/planTests/ExportEndToEndTests.swift.
struct ExportTests {
    // MARK: Plans

    /// Data parallel over one node with ZeRO-2 (what the search chose for it before ZeRO-2/3 paid the
    /// compute they slow; tp 4 dp 2 is now 0.2% ahead), given so that every launcher can run it.
    static let small = PlanRequest.evaluate(
        .init(model: "llama3-8b", cluster: "dgx-h100-8", tp: 1, pp: 1, dp: 8, mbs: 1, zero: 2))
    /// Interleaved, uneven chunks (the split MILP): Megatron needs the layout flag.
    static let interleaved = PlanRequest.evaluate(
        .init(
            model: "llama3-70b", cluster: "dgx-h100-64",
            tp: 4, pp: 4, dp: 4, mbs: 1, vpp: 2, recompute: .full))
    /// Interleaved and even: --num-layers-per-virtual-pipeline-stage.
    static let interleavedEven = PlanRequest.evaluate(
        .init(
            model: "llama3-70b", cluster: "dgx-h100-64",
            tp: 4, pp: 4, dp: 4, mbs: 1, vpp: 2, uniform: true))
    /// BLOOM-176B's published layout: 70 layers on 12 stages, full recompute.
    static let bloom = PlanRequest.evaluate(
        .init(
            model: "bloom-176b", cluster: "dgx-a100-3072", globalBatch: 2048,
            sequenceLength: 2048, tp: 4, pp: 12, dp: 64, mbs: 2,
            recompute: .full, uniform: true))
    static let contextParallel = PlanRequest.evaluate(
        .init(
            model: "llama3-70b", cluster: "dgx-h100-64", tp: 4, pp: 4,
            dp: 2, mbs: 1, cp: 2, recompute: .full, uniform: true))
    static let mixtureFP8 = PlanRequest.evaluate(
        .init(
            model: "mixtral-8x7b", cluster: "dgx-h100-64", tp: 2, pp: 4,
            dp: 8, mbs: 1, ep: 8, recompute: .selective, precision: .fp8))

    static func int(_ plan: [String: Any], _ path: String) -> Int { Contract.value(plan, path) as? Int ?? -1 }
    static func layerCounts(_ plan: [String: Any]) -> [Int] {
        (plan["stages"] as? [[String: Any]] ?? []).map { $0["layerCount"] as? Int ?? -1 }
    }

    /// The one-line description of the `InputError` that `body` throws ("" after recording an issue
    /// when it throws none).
    static func refusal(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let error = #expect(throws: InputError.self, sourceLocation: sourceLocation) { try body() }
        return error?.description ?? ""
    }

    // MARK: Megatron

    @Test(arguments: [small, interleaved, interleavedEven, bloom, contextParallel, mixtureFP8])
    func megatronArgumentsMatchThePlan(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(request, in: directory)
        let result = try Plans.export(path, as: .megatron)
        let script = directory.appendingPathComponent("launch.sh")
        try result.document.write(to: script)
        let words = try Self.runWithStandIn(
            script: script, launcher: "torchrun", environment: ["NODE_RANK": "0"],
            arguments: ["--data-path", "corpus"])
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
        let sequenceParallel = Contract.value(plan, "parallelism.sequenceParallel") as? Bool ?? false
        #expect(megatron.has("--sequence-parallel") == (sequenceParallel && tp > 1))
        #expect(megatron.int("--num-layers") == Self.int(plan, "model.layers"))
        #expect(megatron.int("--seq-length") == Self.int(plan, "workload.sequenceLength"))
        // Megatron's batch identity: global = micro × data-parallel size × microbatches.
        #expect(megatron.int("--micro-batch-size") == Self.int(plan, "microbatch.size"))
        #expect(megatron.int("--global-batch-size") == Self.int(plan, "workload.globalBatchSize"))
        #expect(
            megatron.int("--global-batch-size")
                == megatron.int("--micro-batch-size") * dp * Self.int(plan, "microbatch.count"))
        #expect(megatron.value("--data-path") == "corpus", "arguments after the script reach pretrain_gpt.py")

        // The layer split, whichever flags express it, gives back the plan's chunk sizes.
        let chunks = Self.megatronChunks(megatron, layers: megatron.int("--num-layers"), pp: pp, vpp: vpp)
        #expect(chunks == Self.layerCounts(plan))

        switch Contract.value(plan, "recompute.granularity") as? String {
        case "none": #expect(!megatron.has("--recompute-granularity"))
        case "selective":
            #expect(megatron.value("--recompute-granularity") == "selective")
            #expect(!megatron.has("--recompute-method"))
        default:
            #expect(megatron.value("--recompute-granularity") == "full")
            // What Megatron recomputes per chunk (megatron/core/recompute.py): uniform with 1, every layer;
            // block with N, the first min(N, held) layers. It must be the plan's recompute.layersPerStage.
            let perStage = Contract.value(plan, "recompute.layersPerStage") as? [Int] ?? []
            let held = Self.layerCounts(plan), n = megatron.int("--recompute-num-layers")
            let launched =
                megatron.value("--recompute-method") == "uniform" && n == 1 ? held : held.map { min(n, $0) }
            #expect(launched == perStage)
        }
        switch Self.int(plan, "parallelism.zeroStage") {
        case 0: #expect(!megatron.has("--use-distributed-optimizer") && !megatron.has("--use-megatron-fsdp"))
        case 1: #expect(megatron.has("--use-distributed-optimizer"))
        case let stage:
            #expect(megatron.has("--use-megatron-fsdp"))
            #expect(
                megatron.value("--data-parallel-sharding-strategy")
                    == (stage == 2 ? "optim_grads" : "optim_grads_params"))
        }
        switch Contract.value(plan, "precision") as? String {
        case "bf16": #expect(megatron.has("--bf16") && !megatron.has("--fp8-format"))
        case "fp8": #expect(megatron.has("--bf16") && megatron.value("--fp8-format") == "hybrid")
        case "fp16": #expect(megatron.has("--fp16"))
        default: break
        }
        // The shape is the plan's model.*, nothing left to fill in.
        #expect(!result.text.contains("# set:"))
        #expect(megatron.int("--hidden-size") == Self.int(plan, "model.hiddenSize"))
        #expect(megatron.int("--ffn-hidden-size") == Self.int(plan, "model.ffnHiddenSize"))
        #expect(megatron.int("--num-attention-heads") == Self.int(plan, "model.attentionHeads"))
        let kvHeads = Self.int(plan, "model.keyValueHeads"), heads = Self.int(plan, "model.attentionHeads")
        #expect(megatron.has("--group-query-attention") == (kvHeads < heads))
        if kvHeads < heads { #expect(megatron.int("--num-query-groups") == kvHeads) }
        #expect(
            megatron.has("--untie-embeddings-and-output-weights")
                == !(Contract.value(plan, "model.tiedEmbeddings") as? Bool ?? true))
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
            let first = flags.int("--decoder-first-pipeline-num-layers")
            let last = flags.int("--decoder-last-pipeline-num-layers")
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
        (1, [18, 21, 21, 20], 18, 20),
        (2, [9, 10, 10, 11, 9, 10, 10, 11], 18, 22),
    ])
    func megatronFirstAndLastStagesFlags(vpp: Int, counts: [Int], first: Int, last: Int) throws {
        let directory = try Plans.scratch()
        let request = PlanRequest.evaluate(
            .init(
                model: "llama3-70b", cluster: "dgx-h100-64",
                tp: 4, pp: 4, dp: 4, mbs: 1, vpp: vpp, uniform: true))
        let (_, plan) = try Plans.write(request, in: directory)
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
        let flags = Flags(Self.scriptWords(try Plans.export(path.path, as: .megatron).text))
        #expect(flags.int("--decoder-first-pipeline-num-layers") == first)
        #expect(flags.int("--decoder-last-pipeline-num-layers") == last)
        #expect(!flags.has("--pipeline-model-parallel-layout"))
        #expect(Self.int(plan, "parallelism.virtualStages") == vpp)
        #expect(Self.megatronChunks(flags, layers: 80, pp: 4, vpp: vpp) == counts)
    }

    // MARK: DeepSpeed

    /// Pipeline without interleaving, uneven stages from the split MILP: DeepSpeed's PipelineModule stub.
    static let unevenPipeline = PlanRequest.evaluate(
        .init(model: "llama3-70b", cluster: "dgx-h100-64", tp: 4, pp: 4, dp: 4, mbs: 1, recompute: .none))

    @Test func deepspeedRefusesInterleaving() throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(Self.interleaved, in: directory)
        let message = Self.refusal { _ = try Plans.export(path, as: .deepspeed) }
        #expect(message.contains("virtualStages") && message.contains("no interleaved schedule"), "\(message)")
    }

    /// The stub's stage boundaries over [embedding, layers, head] give back the plan's stages, and its
    /// topology has the tensor axis, so DeepSpeed's data-parallel size is the plan's.
    @Test func deepspeedPipelineModuleRealisesTheSplit() throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(Self.unevenPipeline, in: directory)
        let out = directory.appendingPathComponent("ds")
        try Plans.export(path, as: .deepspeed).write(into: out.path)
        let source = try String(contentsOf: out.appendingPathComponent("pipeline_module.py"), encoding: .utf8)
        let counts = Self.layerCounts(plan)
        #expect(counts == [18, 21, 21, 20], "the MILP's split for this plan, by hand in the plan file")
        #expect(source.contains("PARTS = [0, 19, 40, 61, 82]"))
        #expect(source.contains("PIPELINE, TENSOR, DATA = 4, 4, 4"))
        #expect(source.contains("PipeModelDataParallelTopology(num_pp=PIPELINE, num_mp=TENSOR, num_dp=DATA)"))
        #expect(source.contains("ACTIVATION_CHECKPOINT_INTERVAL = 0"))
    }

    @Test(arguments: [small, unevenPipeline, bloom, contextParallel, mixtureFP8])
    func deepspeedConfigHoldsTheBatchIdentity(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(request, in: directory)
        let result = try Plans.export(path, as: .deepspeed)
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
        #expect(
            Contract.value(config, "bf16.enabled") as? Bool
                == ((precision == "bf16" || precision == "fp8") ? true : nil))
        #expect(Contract.value(config, "fp16.enabled") as? Bool == (precision == "fp16" ? true : nil))
        #expect(
            (config["activation_checkpointing"] != nil)
                == (Contract.value(plan, "recompute.granularity") as? String != "none"))
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
        try result.write(into: out.path)
        let written = try Data(contentsOf: out.appendingPathComponent("ds_config.json"))
        let file = try JSONSerialization.jsonObject(with: written) as? NSDictionary
        #expect(file == (config as NSDictionary))
        #expect(FileManager.default.isExecutableFile(atPath: out.appendingPathComponent("launch.sh").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("hostfile").path) == (nodes > 1))
    }

    @Test func deepspeedRefusesZero2WithPipeline() throws {
        let directory = try Plans.scratch()
        let request = PlanRequest.evaluate(
            .init(
                model: "llama3-8b", cluster: "dgx-h100-8",
                tp: 1, pp: 2, dp: 4, mbs: 1, zero: 2, framework: "torchtitan"))
        let (path, _) = try Plans.write(request, in: directory)
        let message = Self.refusal { _ = try Plans.export(path, as: .deepspeed) }
        #expect(message.contains("zeroStage") && message.contains("pipeline"), "\(message)")
    }

    // MARK: torchtitan

    /// Interleaved and planned for torchtitan (ZeRO 2: FSDP without resharding, which it runs with pipelines).
    static let interleavedTorchtitan = PlanRequest.evaluate(
        .init(
            model: "llama3-70b", cluster: "dgx-h100-64", tp: 4, pp: 4, dp: 4, mbs: 1, vpp: 2, recompute: .full,
            zero: 2, framework: "torchtitan"))

    @Test(arguments: [small, interleavedTorchtitan, contextParallel, mixtureFP8])
    func torchtitanTOMLMatchesThePlan(_ request: PlanRequest) throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(request, in: directory)
        let toml = try TOMLSubset.parse(try Plans.export(path, as: .torchtitan).text)
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

        // torchtitan accumulates global / (local × dp) steps; pipelining cuts the local batch into
        // microbatches.
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
            // Each chunk holds exactly the plan's layers: the embedding first, the norm and output layer last.
            let stages = plan["stages"] as? [[String: Any]] ?? []
            let expected = stages.enumerated().map { c, stage -> [String] in
                let first = stage["firstLayer"] as? Int ?? -1, count = stage["layerCount"] as? Int ?? -1
                return (c == 0 ? ["tok_embeddings"] : []) + (first..<(first + count)).map { "layers.\($0)" }
                    + (c == stages.count - 1 ? ["norm", "output"] : [])
            }
            #expect(parallelism["module_fqns_per_model_part"] as? [[String]] == expected)
            #expect(parallelism["pipeline_parallel_split_points"] == nil)
            let interleaved = Self.int(plan, "parallelism.virtualStages") > 1
            #expect(parallelism["pipeline_parallel_schedule"] as? String == (interleaved ? "Interleaved1F1B" : "1F1B"))
        }
        // full recompute of no layer (all-or-none, planned for torchtitan) is mode none.
        let granularity = Contract.value(plan, "recompute.granularity") as? String
        let none = (Contract.value(plan, "recompute.layersPerStage") as? [Int] ?? []).allSatisfy { $0 == 0 }
        #expect(
            toml["activation_checkpoint"]?["mode"] as? String == (granularity == "full" && none ? "none" : granularity))
        let fp8 = Contract.value(plan, "precision") as? String == "fp8"
        #expect((toml["model"]?["converters"] as? [String]) == (fp8 ? ["quantize.linear.float8"] : nil))
        #expect(toml["model"]?["tokenizer_path"] == nil && toml["model"]?["hf_assets_path"] != nil)
        // The flavor is the one torchtitan 0.2.2 registers with this shape, or the model's own name to define.
        let flavor = toml["model"]?["flavor"] as? String
        switch Contract.value(plan, "model.name") as? String {
        case "llama3-8b": #expect(toml["model"]?["name"] as? String == "llama3" && flavor == "8B")
        case "llama3-70b": #expect(toml["model"]?["name"] as? String == "llama3" && flavor == "70B")
        case "mixtral-8x7b": #expect(toml["model"]?["name"] as? String == "mixtral" && flavor == "mixtral-8x7b")
        default: break
        }
        #expect(training["mixed_precision_param"] as? String == "bfloat16")
    }

    // MARK: Horovod and TensorFlow

    @Test func horovodLineForADataParallelPlan() throws {
        let directory = try Plans.scratch()
        let (path, plan) = try Plans.write(Self.small, in: directory)
        #expect(Self.int(plan, "parallelism.tensor") == 1 && Self.int(plan, "parallelism.pipeline") == 1)
        let result = try Plans.export(path, as: .horovod)
        let script = directory.appendingPathComponent("launch.sh")
        try result.document.write(to: script)
        let words = try Self.runWithStandIn(script: script, launcher: "horovodrun", environment: [:], arguments: [])
        let flags = Flags(words)
        #expect(flags.int("-np") == Self.int(plan, "cluster.devices"))
        let slots = (flags.value("-H") ?? "").split(separator: ",")
            .map { Int($0.split(separator: ":").last ?? "") ?? 0 }
        #expect(slots.reduce(0, +) == Self.int(plan, "cluster.devices"))
        #expect(result.text.contains("backward_passes_per_step=\(Self.int(plan, "microbatch.count"))"))

        let named = try Plans.export(path, as: .horovod, hosts: ["gpu-a"])
        #expect(named.text.contains("-H gpu-a:8"))
        let wrong = Self.refusal { _ = try Plans.export(path, as: .horovod, hosts: ["gpu-a", "gpu-b"]) }
        #expect(wrong.contains("--hosts"), "\(wrong)")
    }

    @Test func tensorflowConfigPerWorker() throws {
        let directory = try Plans.scratch()
        let request = PlanRequest.evaluate(
            .init(
                model: "llama3-8b", cluster: "dgx-h100-64", globalBatch: 512,
                tp: 1, pp: 1, dp: 64, mbs: 1, recompute: .full))
        let (path, _) = try Plans.write(request, in: directory)
        let result = try Plans.export(path, as: .tensorflow)
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
        try result.write(into: out.path)
        let written = try Data(contentsOf: out.appendingPathComponent("tf_config.worker-3.json"))
        let third = try JSONSerialization.jsonObject(with: written) as? [String: Any]
        #expect(Contract.value(third ?? [:], "task.index") as? Int == 3)
    }

    @Test(arguments: [ExportFormat.horovod, .tensorflow])
    func dataParallelLaunchersRefuseModelParallelPlans(_ format: ExportFormat) throws {
        let directory = try Plans.scratch()
        let (path, _) = try Plans.write(Self.interleaved, in: directory)
        let message = Self.refusal { _ = try Plans.export(path, as: format) }
        #expect(message.contains("tensor=4") && message.contains("pipeline=4"), "\(message)")
        #expect(message.contains(path))
    }

    // MARK: Bad plan files

    /// Plan files are read by `PlanDocument.load` (PlanFiles), whose errors name the file and the key.
    @Test func missingOrGarbledPlanNamesTheFile() throws {
        let directory = try Plans.scratch()
        let missing = directory.appendingPathComponent("absent.json").path
        let absent = Self.refusal { _ = try Plans.export(missing, as: .megatron) }
        #expect(absent.contains(missing) && absent.contains("plan train"), "\(absent)")

        let garbled = directory.appendingPathComponent("garbled.json")
        try Data("{\"schemaVersion\": 1, \"parallelism\": [".utf8).write(to: garbled)
        let broken = Self.refusal { _ = try Plans.export(garbled.path, as: .deepspeed) }
        #expect(broken.contains(garbled.path) && broken.contains("not JSON"), "\(broken)")

        let (_, plan) = try Plans.write(Self.small, in: directory)
        var partial = plan
        var parallelism = plan["parallelism"] as? [String: Any] ?? [:]
        parallelism["tensor"] = "four"
        partial["parallelism"] = parallelism
        let edited = directory.appendingPathComponent("edited.json")
        try JSONSerialization.data(withJSONObject: partial).write(to: edited)
        let wrong = Self.refusal { _ = try Plans.export(edited.path, as: .torchtitan) }
        #expect(wrong.contains(edited.path) && wrong.contains("parallelism.tensor"), "\(wrong)")
        #expect(!wrong.contains("\n"))
    }

    // MARK: Helpers

    /// Runs `script` with bash, `launcher` replaced by a stand-in that prints its arguments one per
    /// line, and returns them: exactly the words the real launcher would receive.
    static func runWithStandIn(
        script: URL, launcher: String, environment: [String: String],
        arguments: [String]
    ) throws -> [String] {
        let bin = script.deletingLastPathComponent().appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let standIn = bin.appendingPathComponent(launcher)
        try Data("#!/bin/sh\nfor word in \"$@\"; do printf '%s\\n' \"$word\"; done\n".utf8).write(to: standIn)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: standIn.path)
        var variables = ProcessInfo.processInfo.environment
        variables["PATH"] = bin.path + ":" + (variables["PATH"] ?? "/usr/bin:/bin")
        variables.merge(environment) { $1 }
        let result = try Subprocess.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["bash", script.path] + arguments,
            environment: variables)
        let problems = String(decoding: result.stderr, as: UTF8.self)
        #expect(result.status == 0, "bash \(script.lastPathComponent): \(problems)")
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
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
        guard let index = words.firstIndex(of: flag), index + 1 < words.count, !words[index + 1].hasPrefix("-") else {
            return nil
        }
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
                guard tables[name] == nil else {
                    throw Problem(description: "line \(number + 1): table [\(name)] twice")
                }
                tables[name] = [:]
                current = name
                continue
            }
            guard let table = current, let equals = line.firstIndex(of: "=") else {
                throw Problem(description: "line \(number + 1): not a table or key = value: \(line)")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let text = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let value = try parseValue(text, line: number + 1)
            guard tables[table]?[key] == nil else {
                throw Problem(description: "line \(number + 1): \(key) twice in [\(table)]")
            }
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
            if body.hasPrefix("[") {
                // An array of string arrays (module_fqns_per_model_part): split at the top-level commas.
                var items: [String] = [], depth = 0, current = ""
                for character in body {
                    if character == "[" { depth += 1 }
                    if character == "]" { depth -= 1 }
                    if character == "," && depth == 0 {
                        items.append(current)
                        current = ""
                    } else {
                        current.append(character)
                    }
                }
                items.append(current)
                return try items.map { item -> [String] in
                    guard let list = try parseValue(item.trimmingCharacters(in: .whitespaces), line: line) as? [String]
                    else { throw Problem(description: "line \(line): nested item \(item) is not a string array") }
                    return list
                }
            }
            return try body.split(separator: ",").map { item -> String in
                let value = try parseValue(item.trimmingCharacters(in: .whitespaces), line: line)
                guard let string = value as? String else {
                    throw Problem(description: "line \(line): array item \(item) is not a string")
                }
                return string
            }
        }
        throw Problem(description: "line \(line): cannot read value \(text)")
    }
}
