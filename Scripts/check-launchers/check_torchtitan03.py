"""torchtitan 0.3.0 check for `plan export --to torchtitan-0.3` (run by check_torchtitan03.sh in its own
virtual environment: torchtitan 0.3.0 and 0.2.2 cannot share one).

  python check_torchtitan03.py options OUT.txt       writes the options 0.3.0's llama3_8b config accepts
  python check_torchtitan03.py parse ARG...          parses one launch line (the words after -m torchtitan.train)
                                                     with torchtitan 0.3.0's own ConfigManager, prints the values
"""
import dataclasses
import json
import sys


def options(path):
    from torchtitan.config import ConfigManager

    manager = ConfigManager()
    config, _ = manager._load_config(["--module", "llama3", "--config", "llama3_8b"])
    names = {"--module", "--config"}

    def walk(value, prefix):
        for field in dataclasses.fields(value):
            if field.name == "model_spec":  # not a command-line option (tyro.conf.Suppress)
                continue
            inner = getattr(value, field.name)
            if dataclasses.is_dataclass(inner) and field.name != "activation_checkpoint":
                walk(inner, f"{prefix}{field.name}.")
            elif field.name != "activation_checkpoint":
                names.add(f"--{prefix}{field.name}")

    walk(config, "")
    lines = ["# torchtitan 0.3.0 ConfigManager (llama3 llama3_8b): every --section.key option, and the",
             "# activation-checkpoint subcommands. Written by Scripts/check-launchers/check_torchtitan03.sh."]
    lines += sorted(names)
    lines += [f"activation-checkpoint:{name}" for name in ("full", "memory-budget", "none", "selective")]
    with open(path, "w") as out:
        out.write("\n".join(lines) + "\n")


def parse(arguments):
    from torchtitan.config import ConfigManager

    config = ConfigManager().parse_args(arguments)
    p, t = config.parallelism, config.training
    keys = ["data_parallel_replicate_degree", "data_parallel_shard_degree", "fsdp_reshard_after_forward",
            "tensor_parallel_degree", "pipeline_parallel_degree", "pipeline_parallel_schedule",
            "module_fqns_per_model_part", "pipeline_parallel_microbatch_size", "context_parallel_degree",
            "expert_parallel_degree"]
    ac = config.activation_checkpoint
    print(json.dumps({
        "parallelism": {k: getattr(p, k) for k in keys},
        "training": {k: getattr(t, k) for k in ["local_batch_size", "global_batch_size", "seq_len",
                                                "mixed_precision_param", "disable_cuda_graphs", "steps"]},
        "activation_checkpoint": None if ac is None else type(ac).__qualname__,
        "hf_assets_path": config.hf_assets_path,
    }))


if __name__ == "__main__":
    if sys.argv[1] == "options":
        options(sys.argv[2])
    else:
        parse(sys.argv[2:])
