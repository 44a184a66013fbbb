"""Feeds every export of the plan set (check.sh wrote them under WORK) to its launcher's own parser and
validation, checks that the launched configuration is the plan's, and writes the option lists each parser
accepts to FIXTURES (read offline by LaunchersTests/LauncherOptionsTests.swift).

Launchers: Megatron-LM parse_args + validate_args (megatron/training/arguments.py at MEGATRON_COMMIT) behind
torchrun's get_args_parser; DeepSpeed 0.19.8 DeepSpeedConfig with a model-parallel unit of the plan's degrees,
its runner's parse_args, and the PipelineModule stub's topology and partition; torchtitan 0.2.2 ConfigManager
and its model registry; Horovod, TensorFlow and vLLM only when installed.
"""
import argparse
import contextlib
import dataclasses
import importlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import traceback
import warnings
from importlib import metadata

warnings.filterwarnings("ignore")
WORK, FIXTURES = sys.argv[1], sys.argv[2]
MEGATRON_COMMIT = os.environ.get("MEGATRON_COMMIT", "unknown")
RESULTS = []


def version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def record(plan, launcher, ok, detail):
    status = {True: "ok", None: "skipped", "refused": "refused"}.get(ok, "FAILED")
    RESULTS.append((plan, launcher, status, detail))


def expect(condition, what, problems):
    if not condition:
        problems.append(what)


def captured(script, program, env=None):
    """Runs a launch script with a stand-in PROGRAM on PATH that records its arguments; returns them."""
    with tempfile.TemporaryDirectory() as bin_dir:
        capture = os.path.join(bin_dir, "argv.json")
        stand_in = os.path.join(bin_dir, program)
        with open(stand_in, "w") as f:
            f.write(f"#!{sys.executable}\nimport json, os, sys\n"
                    f"json.dump([sys.argv[1:], dict(os.environ)], open({capture!r}, 'w'))\n")
        os.chmod(stand_in, 0o755)
        environment = dict(os.environ, PATH=bin_dir + ":" + os.environ["PATH"], NODE_RANK="0", **(env or {}))
        environment.pop("CUDA_DEVICE_MAX_CONNECTIONS", None)
        subprocess.run(["bash", script], env=environment, check=True, capture_output=True, cwd=bin_dir)
        words, LAUNCH_ENVIRONMENT[program] = json.load(open(capture))
        return words


# The environment the launch script gave the launcher (CUDA_DEVICE_MAX_CONNECTIONS for Megatron).
LAUNCH_ENVIRONMENT = {}


def plan_stages(plan):
    return [s["layerCount"] for s in plan["stages"]], plan["recompute"]["layersPerStage"]


# MARK: torchrun


def torchrun_parser():
    from torch.distributed.run import get_args_parser

    return get_args_parser()


def check_torchrun(plan, words, problems):
    parsed = torchrun_parser().parse_args(words)
    nnodes = int(str(parsed.nnodes).split(":")[-1])
    expect(nnodes * int(parsed.nproc_per_node) == plan["cluster"]["devices"], "torchrun ranks != devices", problems)
    return parsed


# MARK: Megatron-LM


MEGATRON_PARSER = {}


def megatron_arguments(argv, world_size):
    """parse_args + validate_args of megatron/training/arguments.py, as initialize_megatron calls them."""
    from megatron.training import arguments

    original = argparse.ArgumentParser.parse_args

    def keep(self, *args, **kwargs):
        MEGATRON_PARSER.setdefault("parser", self)
        return original(self, *args, **kwargs)

    argparse.ArgumentParser.parse_args = keep
    old_argv, old_env = sys.argv, dict(os.environ)
    sys.argv = ["pretrain_gpt.py"] + argv
    os.environ.update(WORLD_SIZE=str(world_size), RANK="0", LOCAL_RANK="0")
    os.environ.pop("CUDA_DEVICE_MAX_CONNECTIONS", None)
    launched = LAUNCH_ENVIRONMENT.get("torchrun", {})
    if "CUDA_DEVICE_MAX_CONNECTIONS" in launched:
        os.environ["CUDA_DEVICE_MAX_CONNECTIONS"] = launched["CUDA_DEVICE_MAX_CONNECTIONS"]
    # validate_args reads the GPU's architecture (get_device_arch_version) for Megatron-FSDP stream priorities;
    # on CPU it is answered as the bundled clusters' H100 (Hopper, major 9).
    import torch

    torch.cuda.get_device_properties = lambda *args, **kwargs: type("Properties", (), {"major": 9, "minor": 0})()
    torch.cuda.get_device_capability = lambda *args, **kwargs: (9, 0)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            args = arguments.parse_args()
            arguments.validate_args(args, {})
        return args
    finally:
        argparse.ArgumentParser.parse_args = original
        sys.argv = old_argv
        os.environ.clear()
        os.environ.update(old_env)


def megatron_layers_per_chunk(args, layers, pp, vpp):
    """The chunk sizes Megatron builds from its parsed arguments, in chunk order (chunk c on rank c mod pp)."""
    layout = getattr(args, "pipeline_model_parallel_layout", None)
    if layout is not None:
        text = layout if isinstance(layout, str) else getattr(layout, "input_data", None) or str(layout)
        stages = text.split("|")
        return [stage.count("t") + sum(int(n) - 1 for n in re.findall(r"t\*(\d+)", stage)) for stage in stages]
    first, last = args.decoder_first_pipeline_num_layers, args.decoder_last_pipeline_num_layers
    per_rank = [layers // pp] * pp
    if first is not None or last is not None:
        middle = pp - (first is not None) - (last is not None)
        rest = layers - (first or 0) - (last or 0)
        per_rank = ([first] if first is not None else []) + [rest // max(middle, 1)] * middle
        per_rank += [last] if last is not None else []
    return [per_rank[c % pp] // vpp for c in range(pp * vpp)]


def check_megatron(name, plan, directory):
    problems = []
    words = captured(os.path.join(directory, "launch.sh"), "torchrun")
    parsed = check_torchrun(plan, words, problems)
    expect(parsed.training_script == "pretrain_gpt.py", "torchrun does not run pretrain_gpt.py", problems)
    model = plan["model"]
    # What the script says is the user's: data and tokenizer (NullTokenizer with the plan's vocabulary),
    # optimizer schedule and iterations.
    user = ["--mock-data", "--tokenizer-type", "NullTokenizer", "--vocab-size", str(model["vocabularySize"]),
            "--lr", "1e-4", "--train-iters", "10"]
    args = megatron_arguments(list(parsed.training_script_args) + user, plan["cluster"]["devices"])
    p = plan["parallelism"]
    for key, value in [("tensor_model_parallel_size", p["tensor"]), ("pipeline_model_parallel_size", p["pipeline"]),
                       ("context_parallel_size", p["context"]), ("expert_model_parallel_size", p["expert"]),
                       ("data_parallel_size", p["data"]), ("micro_batch_size", plan["microbatch"]["size"]),
                       ("global_batch_size", plan["workload"]["globalBatchSize"]),
                       ("seq_length", plan["workload"]["sequenceLength"]), ("num_layers", model["layers"]),
                       ("hidden_size", model["hiddenSize"]), ("ffn_hidden_size", model["ffnHiddenSize"]),
                       ("num_attention_heads", model["attentionHeads"])]:
        expect(getattr(args, key) == value, f"{key} {getattr(args, key)} != plan {value}", problems)
    expect(args.global_batch_size // (args.micro_batch_size * args.data_parallel_size) == plan["microbatch"]["count"],
           "microbatches per step differ", problems)
    if model["keyValueHeads"] < model["attentionHeads"] and "latentAttention" not in model:
        expect(args.group_query_attention and args.num_query_groups == model["keyValueHeads"], "GQA groups", problems)
    expect(args.normalization == ("RMSNorm" if model["normalization"] == "rmsnorm" else "LayerNorm"), "norm", problems)
    if model["positionEmbedding"] == "rope":
        expect(args.position_embedding_type == "rope" and args.rotary_base == int(model.get("ropeTheta", 10000)),
               "rotary embedding", problems)
    expect(args.untie_embeddings_and_output_weights == (not model["tiedEmbeddings"]), "tied embeddings", problems)
    expect(args.swiglu == (model["feedForward"] == "gated" and model["activation"] == "silu"), "swiglu", problems)
    if "moe" in model:
        expect(args.num_experts == model["moe"]["experts"] and args.moe_router_topk == model["moe"]["expertsPerToken"]
               and args.moe_ffn_hidden_size == model["moe"]["expertFFNHiddenSize"], "MoE flags", problems)
    held, recomputed = plan_stages(plan)
    pp, vpp = p["pipeline"], p["virtualStages"]
    if pp > 1:
        chunks = megatron_layers_per_chunk(args, model["layers"], pp, vpp)
        expect(chunks == held, f"Megatron builds chunks {chunks}, the plan {held}", problems)
    # megatron/core/recompute.py: uniform with N groups of N (1: every layer), block the first N of each chunk.
    if args.recompute_granularity == "full":
        n = args.recompute_num_layers
        launched = held if args.recompute_method == "uniform" and n == 1 else [min(n, h) for h in held]
    else:
        launched = [0] * len(held)
    expect(launched == recomputed or plan["recompute"]["granularity"] != "full",
           f"Megatron recomputes {launched}, the plan {recomputed}", problems)
    expect((args.recompute_granularity or "none") == plan["recompute"]["granularity"]
           or (plan["recompute"]["granularity"] == "full" and set(recomputed) == {0}),
           "recompute granularity", problems)
    return problems, f"parse_args + validate_args: tp={args.tensor_model_parallel_size} " \
        f"pp={args.pipeline_model_parallel_size} dp={args.data_parallel_size} " \
        f"recompute={args.recompute_granularity}/{args.recompute_method}/{args.recompute_num_layers}"


# MARK: DeepSpeed


class ModelParallelUnit:
    """The model-parallel unit DeepSpeedConfig asks for its data-parallel size (deepspeed/runtime/config.py)."""

    def __init__(self, data, tensor, pipeline):
        self.data, self.tensor, self.pipeline = data, tensor, pipeline

    def get_data_parallel_world_size(self):
        return self.data

    def get_model_parallel_world_size(self):
        return self.tensor

    def get_pipeline_model_parallel_world_size(self):
        return self.pipeline

    def get_tensor_model_parallel_world_size(self):
        return self.tensor


def check_deepspeed(name, plan, directory):
    problems = []
    from deepspeed.launcher.runner import parse_args as runner_parse_args
    from deepspeed.runtime.config import DeepSpeedConfig

    p = plan["parallelism"]
    words = captured(os.path.join(directory, "launch.sh"), "deepspeed")
    runner = runner_parse_args(words)
    nodes = runner.num_nodes if runner.num_nodes > 0 else 1
    expect(nodes * runner.num_gpus == plan["cluster"]["devices"], "deepspeed runner ranks != devices", problems)
    config_path = os.path.join(directory, "ds_config.json")
    data = p["data"]
    topology_text = ""
    if p["pipeline"] > 1:
        sys.path.insert(0, directory)
        stub = importlib.import_module("pipeline_module")
        importlib.reload(stub)
        sys.path.pop(0)
        topology = stub.topology()
        data = topology.get_dim("data")
        expect((topology.get_dim("pipe"), topology.get_dim("model"), data) == (p["pipeline"], p["tensor"], p["data"]),
               "PipelineModule topology", problems)
        held, _ = plan_stages(plan)
        launched = []
        for stage in range(p["pipeline"]):
            module = stub.PlannedPipelineModule.__new__(stub.PlannedPipelineModule)
            bounds = {}
            object.__setattr__(module, "_layer_specs", [None] * stub.PARTS[-1])
            object.__setattr__(module, "_topo", topology)
            object.__setattr__(module, "global_rank", topology.filter_match(pipe=stage)[0])
            object.__setattr__(module, "_set_bounds", lambda start, stop: bounds.update(start=start, stop=stop))
            module._partition_layers()
            specs = bounds["stop"] - bounds["start"]
            launched.append(specs - (stage == 0) - (stage == p["pipeline"] - 1))
        expect(launched == held, f"PipelineModule stages {launched}, the plan {held}", problems)
        topology_text = f", PipelineModule stages {launched} on pipe {topology.get_dim('pipe')} x model " \
            f"{topology.get_dim('model')} x data {data}"
    # No process group on one CPU: DeepSpeedConfig's dist.get_rank() is answered 0 (else it falls back to a
    # world of 1); the data-parallel size then comes from the model-parallel unit, as in a real launch.
    import deepspeed.runtime.config as ds_config_module

    ds_config_module.dist.get_rank = lambda *args, **kwargs: 0
    config = DeepSpeedConfig(config_path, mpu=ModelParallelUnit(data, p["tensor"], p["pipeline"]))
    expect(config.train_batch_size == config.train_micro_batch_size_per_gpu * config.gradient_accumulation_steps
           * data == plan["workload"]["globalBatchSize"], "batch identity", problems)
    expect(config.zero_optimization_stage == p["zeroStage"], "ZeRO stage", problems)
    expect(config.bfloat16_config.enabled == (plan["precision"] in ("bf16", "fp8")), "bf16", problems)
    return problems, f"runner parse_args + DeepSpeedConfig: train_batch {config.train_batch_size} = " \
        f"{config.train_micro_batch_size_per_gpu} x {config.gradient_accumulation_steps} x {data}{topology_text}"


# MARK: torchtitan


def torchtitan_keys():
    from torchtitan.config.job_config import JobConfig

    def walk(cls, prefix):
        for field in dataclasses.fields(cls):
            default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
            if dataclasses.is_dataclass(default):
                yield from walk(type(default), prefix + field.name + ".")
            else:
                yield prefix + field.name

    return sorted(walk(JobConfig, ""))


def check_torchtitan(name, plan, directory):
    problems = []
    from torchtitan.config import ConfigManager

    words = captured(os.path.join(directory, "launch.sh"), "torchrun")
    parsed = check_torchrun(plan, words, problems)
    toml = os.path.join(directory, "job.toml")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        job = ConfigManager().parse_args(["--job.config_file", toml])
    p, par = plan["parallelism"], job.parallelism
    expect(par.data_parallel_replicate_degree * par.data_parallel_shard_degree == p["data"], "dp degree", problems)
    expect((par.tensor_parallel_degree, par.pipeline_parallel_degree, par.context_parallel_degree)
           == (p["tensor"], p["pipeline"], p["context"]), "tp/pp/cp", problems)
    held, recomputed = plan_stages(plan)
    if p["pipeline"] > 1:
        chunks = [sum(1 for m in part if m.startswith("layers.")) for part in par.module_fqns_per_model_part]
        expect(chunks == held, f"torchtitan chunks {chunks}, the plan {held}", problems)
    local, dp = job.training.local_batch_size, p["data"]
    expect(job.training.global_batch_size == plan["workload"]["globalBatchSize"], "global batch", problems)
    steps = job.training.global_batch_size // (local * dp)
    if p["pipeline"] > 1:
        expect(local // par.pipeline_parallel_microbatch_size == plan["microbatch"]["count"] and steps == 1,
               "pipeline microbatches", problems)
    else:
        expect(local == plan["microbatch"]["size"] and steps == plan["microbatch"]["count"], "accumulation", problems)
    mode = job.activation_checkpoint.mode
    launched = held if mode == "full" else [0] * len(held)
    if plan["recompute"]["granularity"] == "full":
        expect(launched == recomputed, f"torchtitan recomputes {launched}, the plan {recomputed}", problems)
    from torchtitan.protocols.train_spec import get_train_spec

    try:
        spec = get_train_spec(job.model.name)
        flavor = "registered" if job.model.flavor in spec.model_args else "to define (the file says so)"
    except Exception:
        flavor = "model to add (the file says so)"
    return problems, f"ConfigManager: model {job.model.name}/{job.model.flavor} ({flavor}), " \
        f"dp {par.data_parallel_replicate_degree}x{par.data_parallel_shard_degree} tp {par.tensor_parallel_degree} " \
        f"pp {par.pipeline_parallel_degree}, activation_checkpoint {mode}"


# MARK: Horovod, TensorFlow


HOROVOD_PARSER = {}


def horovod_arguments(words):
    """horovodrun's parse_args (horovod/runner/launch.py, from horovod's sdist), keeping its parser."""
    from horovod.runner.launch import parse_args as horovod_parse_args

    original = argparse.ArgumentParser.parse_args

    def keep(self, *args, **kwargs):
        HOROVOD_PARSER.setdefault("parser", self)
        return original(self, *args, **kwargs)

    argparse.ArgumentParser.parse_args = keep
    old_argv, sys.argv = sys.argv, ["horovodrun"] + words
    try:
        return horovod_parse_args()
    finally:
        argparse.ArgumentParser.parse_args = original
        sys.argv = old_argv


def check_horovod(name, plan, directory):
    try:
        importlib.import_module("horovod.runner.launch")
    except ImportError as error:
        return None, f"horovodrun not importable ({error})"
    words = captured(os.path.join(directory, "launch.sh"), "horovodrun")
    args = horovod_arguments(words)
    problems = []
    slots = sum(int(host.split(":")[1]) for host in args.hosts.split(","))
    expect(args.num_proc == plan["cluster"]["devices"] == slots, "horovodrun -np and -H slots", problems)
    return problems, f"horovodrun parse_args: -np {args.num_proc} -H {args.hosts[:60]}"


def check_tensorflow(name, plan, directory):
    """Each worker's TF_CONFIG through TensorFlow's own TFConfigClusterResolver."""
    if version("tensorflow-cpu") is None and version("tensorflow") is None:
        return None, "tensorflow not installed"
    import tensorflow as tf

    problems, nodes = [], len({device["node"] for device in plan["deviceMap"]})
    for index in range(nodes):
        os.environ["TF_CONFIG"] = open(os.path.join(directory, f"tf_config.worker-{index}.json")).read()
        resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
        workers = resolver.cluster_spec().as_dict().get("worker", [])
        expect(len(workers) == nodes and resolver.task_type == "worker" and resolver.task_id == index,
               f"worker {index}", problems)
    os.environ.pop("TF_CONFIG", None)
    return problems, f"TFConfigClusterResolver: {nodes} workers, task ids 0..{nodes - 1}"


CHECKS = {"megatron": check_megatron, "deepspeed": check_deepspeed, "torchtitan": check_torchtitan,
          "horovod": check_horovod, "tensorflow": check_tensorflow}


def write_options():
    os.makedirs(FIXTURES, exist_ok=True)

    def write(file, header, options):
        with open(os.path.join(FIXTURES, file), "w") as f:
            f.write("".join(f"# {line}\n" for line in header) + "".join(f"{o}\n" for o in sorted(set(options))))

    parser = MEGATRON_PARSER.get("parser")
    if parser is not None:
        write("megatron.txt", [f"NVIDIA/Megatron-LM {MEGATRON_COMMIT} megatron/training/arguments.py parse_args "
                               "(megatron-core 0.20.0): every option string it accepts.",
                               "Written by make check-launchers."],
              [o for a in parser._actions for o in a.option_strings if o.startswith("--")])
    write("torchrun.txt", [f"torch {version('torch')} torch/distributed/run.py get_args_parser: every option string.",
                           "Written by make check-launchers."],
          [o for a in torchrun_parser()._actions for o in a.option_strings])
    write("torchtitan-0.2.2.txt", [f"torchtitan {version('torchtitan')} torchtitan/config/job_config.py JobConfig: "
                                   "every TOML key as table.key.", "Written by make check-launchers."],
          torchtitan_keys())
    from deepspeed.launcher import runner

    runner_parser = {}
    original = argparse.ArgumentParser.parse_args

    def keep(self, *args, **kwargs):
        runner_parser.setdefault("parser", self)
        return original(self, *args, **kwargs)

    argparse.ArgumentParser.parse_args = keep
    runner.parse_args(["train.py"])
    argparse.ArgumentParser.parse_args = original
    if HOROVOD_PARSER.get("parser") is not None:
        write("horovodrun.txt", [f"horovod {os.environ.get('HOROVOD_VERSION')} horovod/runner/launch.py parse_args "
                                 "(from the sdist): every option string.", "Written by make check-launchers."],
              [o for a in HOROVOD_PARSER["parser"]._actions for o in a.option_strings])
    write("deepspeed-runner.txt", [f"deepspeed {version('deepspeed')} deepspeed/launcher/runner.py parse_args: every "
                                   "option string.", "Written by make check-launchers."],
          [o for a in runner_parser["parser"]._actions for o in a.option_strings])


def main():
    print(f"launchers: torch {version('torch')}, deepspeed {version('deepspeed')}, torchtitan {version('torchtitan')}, "
          f"Megatron-LM {MEGATRON_COMMIT[:12]}, horovod {version('horovod')}, "
          f"tensorflow {version('tensorflow-cpu') or version('tensorflow')} (vLLM: check_vllm.py, its own environment)")
    for file in sorted(os.listdir(WORK)):
        if not file.endswith(".json"):
            continue
        name = file[:-5]
        plan = json.load(open(os.path.join(WORK, file)))
        if plan["workload"]["mode"] == "inference":
            continue  # vLLM's, in check_vllm.py
        for launcher, check in CHECKS.items():
            directory = os.path.join(WORK, name, launcher)
            refused = os.path.join(WORK, name, launcher + ".refused")
            if not os.path.isdir(directory):
                reason = open(refused).read().strip() if os.path.exists(refused) else "no export"
                record(name, launcher, "refused", reason.replace("\n", " ")[:300])
                continue
            try:
                problems, detail = check(name, plan, directory)
            except SystemExit as exit:
                problems, detail = [f"parser exited {exit.code}"], ""
            except BaseException as error:  # a launcher's own assertion: the export fails its validation
                problems, detail = [f"{type(error).__name__}: {error}".splitlines()[0][:300]], ""
                if os.environ.get("CHECK_LAUNCHERS_TRACE"):
                    traceback.print_exc()
            if problems is None:
                record(name, launcher, None, detail)
            else:
                record(name, launcher, not problems, "; ".join(problems) if problems else detail)
    write_options()
    width = max(len(r[0]) for r in RESULTS)
    for plan, launcher, status, detail in RESULTS:
        print(f"{plan:<{width}}  {launcher:<10}  {status:<8}  {detail[:200]}")
    failed = [r for r in RESULTS if r[2] == "FAILED"]
    print(f"{len(RESULTS)} exports: {sum(r[2] == 'ok' for r in RESULTS)} passed their launcher's validation, "
          f"{sum(r[2] == 'refused' for r in RESULTS)} refused by plan export, "
          f"{sum(r[2] == 'skipped' for r in RESULTS)} skipped, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
