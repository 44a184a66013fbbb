#!/usr/bin/env python3
"""Seeded mutation fuzzer for `plan`'s model and cluster loaders, end to end through the binary.

Mutates the bundled models/, clusters/ and hardware profiles (inline under `gpu:`) and the verbatim
Hugging Face config.json fixtures (byte flips, truncation, key deletion, values swapped to extremes,
type changes, deep nesting, BOM and CRLF), runs `plan train` or `plan evaluate` on each with a
timeout, and flags:

  crash      exit status other than 0 or 1, or a signal
  hang       no answer within --timeout seconds
  stdout     exit 1 with anything on standard output
  json       exit 0 with standard output (or --out) that is not valid JSON, or holds NaN/Infinity
  message    exit 1 whose standard error is not one `Error: ...` line (a trace, a blank, several lines)
  out        exit 1 that changed an existing --out file

Every case is reproducible from (seed, index): `fuzz.py --seed S --replay I` reruns one. Findings
are saved once per signature under Fuzz/crashes/<kind>-<hash>/ with the inputs and the command.
"""
import argparse, hashlib, json, os, random, re, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL_CLUSTERS = ["dgx-h100-8", "dgx-a100-8", "dgx-h100-64", "l40s-8", "gb200-nvl72", "hetero-a100-h100", "mi300x-64"]
SMALL_MODELS = ["llama3-8b", "gpt3-125m", "gpt3-1.3b", "mixtral-8x7b", "mistral-7b-v0.1", "qwen2.5-7b", "gemma2-9b"]
EXTREMES = ["0", "-1", "-0", "1", "2", "3", "7", "0.5", "1e400", "-1e400", "1e308", "1e-308", "1e-300", ".nan", ".inf", "-.inf",
            "NaN", "Infinity", "9223372036854775807", "9223372036854775808", "99999999999999999999999", "4294967296",
            "100000000", "65536", "1e6", "0x10", "1_000", "\"4096\"", "'8'", "text", "[1, 2]", "[]", "{a: 1}", "{}", "",
            "~", "null", "true", "no", "!!str 5", "&x 5", "*x", "\"\"", "ü", "-", "?", "|\n  4096", ">\n  8"]
KEYS = ["num_hidden_layers", "hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim", "intermediate_size",
        "vocab_size", "max_position_embeddings", "hidden_act", "tie_word_embeddings", "num_local_experts", "n_routed_experts",
        "num_experts_per_tok", "moe_intermediate_size", "n_shared_experts", "first_k_dense_replace", "kv_lora_rank",
        "q_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim", "model_type", "n_layer", "n_embd", "n_head",
        "nodes", "gpus_per_node", "gpu", "groups", "intra_node_GBps", "nvlink_domain_gpus", "inter_node_Gbps_per_gpu",
        "inter_node_latency_us", "usd_per_gpu_hour", "dense_peak_TFLOPS", "memory_GiB", "memory_TBps",
        "link_GBps_one_direction", "nic_Gbps_per_gpu_one_direction", "efficiency", "gemm_max", "tensor_comm_overlap"]
LINE = re.compile(r'^(\s*-?\s*"?)([A-Za-z_][\w.]*)("?\s*:\s*)(.*?)(,?)\s*$')


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "wb") as f:
        f.write(text.encode("utf-8", errors="surrogateescape"))


def seeds():
    models = [os.path.join(ROOT, "models", f) for f in sorted(os.listdir(os.path.join(ROOT, "models"))) if f.endswith(".yaml")]
    models += [os.path.join(ROOT, "Tests", "Fixtures", f) for f in sorted(os.listdir(os.path.join(ROOT, "Tests", "Fixtures")))
               if f.endswith(".json")]
    clusters = [os.path.join(ROOT, "clusters", f) for f in sorted(os.listdir(os.path.join(ROOT, "clusters"))) if f.endswith(".yaml")]
    profiles = [os.path.join(ROOT, "hardware-profiles", f) for f in sorted(os.listdir(os.path.join(ROOT, "hardware-profiles")))
                if f.endswith(".yaml")]
    return models, clusters, profiles


def inline_cluster(rng, profile_text):
    """A one-group cluster whose `gpu:` is a profile file indented inline."""
    body = "\n".join("  " + line for line in profile_text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    return f"name: inline\ngpu:\n{body}\nnodes: {rng.choice([1, 2, 4])}\ngpus_per_node: 8\n"


def mutate(rng, text):
    """One to four random edits of `text`."""
    for _ in range(rng.choice([1, 1, 1, 2, 3, 4])):
        lines = text.split("\n")
        kind = rng.randrange(16)
        keyed = [i for i, line in enumerate(lines) if LINE.match(line)]
        if kind == 0 and text:  # flip, insert or delete bytes
            data = bytearray(text.encode("utf-8", errors="surrogateescape"))
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(len(data) + 1)
                op = rng.randrange(3)
                if op == 0 and at < len(data):
                    data[at] ^= 1 << rng.randrange(8)
                elif op == 1:
                    data.insert(at, rng.randrange(256))
                elif at < len(data):
                    del data[at]
            text = bytes(data).decode("utf-8", errors="surrogateescape")
        elif kind == 1 and text:  # truncate
            text = text[: rng.randrange(len(text))]
        elif kind == 2 and keyed:  # delete a key
            del lines[rng.choice(keyed)]
            text = "\n".join(lines)
        elif kind in (3, 4, 5, 6) and keyed:  # value to an extreme
            i = rng.choice(keyed)
            m = LINE.match(lines[i])
            lines[i] = f"{m.group(1)}{m.group(2)}{m.group(3)}{rng.choice(EXTREMES)}{m.group(5)}"
            text = "\n".join(lines)
        elif kind == 7 and len(keyed) > 1:  # swap two values
            a, b = rng.sample(keyed, 2)
            ma, mb = LINE.match(lines[a]), LINE.match(lines[b])
            lines[a] = f"{ma.group(1)}{ma.group(2)}{ma.group(3)}{mb.group(4)}{ma.group(5)}"
            lines[b] = f"{mb.group(1)}{mb.group(2)}{mb.group(3)}{ma.group(4)}{mb.group(5)}"
            text = "\n".join(lines)
        elif kind == 8:  # add a known key with a random value (YAML, or JSON after the brace)
            key, value = rng.choice(KEYS), rng.choice(EXTREMES + ["8", "64", "512", "4096", "silu", "gelu", "h100-sxm5-80gb"])
            if text.lstrip().startswith("{"):
                text = text.replace("{", f'{{"{key}": {json.dumps(value) if rng.random() < 0.3 else value}, ', 1)
            else:
                text = f"{key}: {value}\n" + text
        elif kind == 9 and keyed:  # change a value's type
            i = rng.choice(keyed)
            m = LINE.match(lines[i])
            wrapped = rng.choice([f"[{m.group(4)}]", f"{{v: {m.group(4)}}}", f'"{m.group(4)}"', f"- {m.group(4)}"])
            lines[i] = f"{m.group(1)}{m.group(2)}{m.group(3)}{wrapped}{m.group(5)}"
            text = "\n".join(lines)
        elif kind == 10 and keyed:  # duplicate a line, or rename its key
            i = rng.choice(keyed)
            if rng.random() < 0.5:
                lines.insert(i, lines[i])
            else:
                m = LINE.match(lines[i])
                lines[i] = f"{m.group(1)}{rng.choice(KEYS)}{m.group(3)}{m.group(4)}{m.group(5)}"
            text = "\n".join(lines)
        elif kind == 11:  # deep nesting
            depth = rng.choice([10, 150, 250, 5000, 50000])
            opener, closer = rng.choice([("[", "]"), ("{a: ", "}")])
            text += f"\nnested: {opener * depth}1{closer * depth if rng.random() < 0.7 else ''}\n"
        elif kind in (13, 14, 15) and keyed:  # a number nudged to a valid but unusual one (so the search runs)
            numeric = [i for i in keyed if re.fullmatch(r"-?\d+(\.\d+)?", LINE.match(lines[i]).group(4).split("#")[0].strip())]
            if numeric:
                i = rng.choice(numeric)
                m = LINE.match(lines[i])
                old = float(m.group(4).split("#")[0].strip())
                new = rng.choice([1, 2, 3, 5, 7, 16, 64, 1000, 65536, old * 2, old / 2, old + 1, max(old - 1, 1), old * 10])
                value = str(int(new)) if float(new).is_integer() else f"{new:g}"
                lines[i] = f"{m.group(1)}{m.group(2)}{m.group(3)}{value}{m.group(5)}"
                text = "\n".join(lines)
        else:  # encodings and line endings
            choice = rng.randrange(4)
            text = {0: "\ufeff" + text, 1: text.replace("\n", "\r\n"), 2: text.replace("  ", "\t"), 3: text + "\n\0"}[choice]
    return text


def case(seed, index):
    """The command and files of case `index` under `seed` (deterministic)."""
    rng = random.Random(hashlib.sha256(f"{seed}:{index}".encode()).digest())
    models, clusters, profiles = seeds()
    files = {}
    target = rng.choice(["model", "model", "cluster", "cluster", "profile", "both"])
    if target in ("model", "both"):
        files["model.yaml"] = mutate(rng, read(rng.choice(models)))
    if target in ("cluster", "both"):
        files["cluster.yaml"] = mutate(rng, read(rng.choice(clusters)))
    if target == "profile":
        files["cluster.yaml"] = mutate(rng, inline_cluster(rng, read(rng.choice(profiles))))
    model = "MODEL" if "model.yaml" in files else rng.choice(SMALL_MODELS)
    cluster = "CLUSTER" if "cluster.yaml" in files else rng.choice(SMALL_CLUSTERS)
    batch = str(rng.choice([64, 64, 64, 8, 128, 1, 7, 1000]))
    arguments = ["--model", model, "--cluster", cluster, "--global-batch", batch]
    if rng.random() < 0.15:
        arguments += ["--seq-len", str(rng.choice([1, 2048, 4096, 8192, 32768, 1000000]))]
    if rng.random() < 0.75:
        command = ["train"] + arguments + (["--precision", "bf16,fp8"] if rng.random() < 0.2 else [])
    else:
        tp, pp = rng.choice([1, 2, 4, 8]), rng.choice([1, 2, 4])
        command = ["evaluate"] + arguments + ["--tp", str(tp), "--pp", str(pp), "--dp", str(rng.choice([1, 2, 4, 8, 16])),
                                              "--mbs", str(rng.choice([1, 2])), "--vpp", str(rng.choice([1, 1, 2])),
                                              "--ep", str(rng.choice([1, 1, 2, 8])), "--zero", str(rng.choice([0, 1, 3])),
                                              "--recompute", rng.choice(["none", "selective", "full"]),
                                              "--split", rng.choice(["optimal", "uniform"])]
    if rng.random() < 0.3:
        command += ["--format", "table"]
    use_out = rng.random() < 0.3
    return command, files, use_out


def no_constants(name):
    raise ValueError(f"{name} in JSON")


def run_case(binary, seed, index, timeout):
    """Runs one case; returns (finding or None, outcome). A finding is (kind, detail, command, files, use_out);
    the outcome is "plan" (exit 0), "rejected" (exit 1) or the finding's kind."""
    command, files, use_out = case(seed, index)

    def found(kind, detail):
        return (kind, detail, command, files, use_out), kind

    with tempfile.TemporaryDirectory(prefix="plan-fuzz-") as scratch:
        for name, text in files.items():
            write(os.path.join(scratch, name), text)
        argv = [binary] + [os.path.join(scratch, "model.yaml") if a == "MODEL" else
                           os.path.join(scratch, "cluster.yaml") if a == "CLUSTER" else a for a in command]
        out_path = os.path.join(scratch, "out.json")
        if use_out:
            with open(out_path, "w") as f:
                f.write("keep me\n")
            argv += ["--out", out_path]
        try:
            done = subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return found("hang", f"no answer in {timeout:g} s: {' '.join(command[:7])}")
        status, stdout, stderr = done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")
        if status not in (0, 1):
            first = next((l for l in stderr.splitlines() if "failure" in l or "crashed" in l or "Fatal" in l), stderr[:200])
            where = re.search(r" at /\S*/(Sources/\S+?\.swift):\d+", stderr)  # the first frame in the project's code
            return found("crash", f"status {status}: {first.strip()}{' in ' + where.group(1) if where else ''}")
        if status == 1:
            if stdout:
                return found("stdout", f"exit 1 with {len(stdout)} bytes on stdout")
            lines = [l for l in stderr.splitlines() if l.strip() and not l.startswith("note: ") and not l.startswith("warning: ")]
            if len(lines) != 1 or not lines[0].startswith("Error: "):
                return found("message", f"stderr: {stderr[:300]!r}")
            if use_out and read(out_path) != "keep me\n":
                return found("out", "--out changed on failure")
            return None, "rejected"
        produced = read(out_path).encode() if use_out else stdout
        if use_out and stdout:
            return found("stdout", "--out given but stdout not empty")
        if "--format" not in command:
            try:
                json.loads(produced, parse_constant=no_constants)
            except ValueError as error:
                return found("json", f"invalid JSON: {error}")
        return None, "plan"


def signature(kind, detail):
    normal = re.sub(r"\d+", "N", re.sub(r"0x[0-9a-fA-F]+|'[^']*'", "", detail))[:120]
    return f"{kind}-{hashlib.sha1(normal.encode()).hexdigest()[:10]}"


def save(finding, seed, index, directory):
    kind, detail, command, files, use_out = finding
    path = os.path.join(directory, signature(kind, detail))
    if os.path.exists(path):
        return False
    os.makedirs(path)
    for name, text in files.items():
        write(os.path.join(path, name), text)
    shown = " ".join("Fuzz/crashes/" + os.path.basename(path) + ("/model.yaml" if a == "MODEL" else "/cluster.yaml")
                     if a in ("MODEL", "CLUSTER") else a for a in command)
    with open(os.path.join(path, "README"), "w") as f:
        f.write(f"{kind}: {detail}\nseed {seed} case {index}{' (with --out over an existing file)' if use_out else ''}\n"
                f"reproduce: .build/release/plan {shown}\n       or: python3 Fuzz/fuzz.py --seed {seed} --replay {index}\n")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--cases", type=int, default=0, help="stop after this many cases (0: run for --minutes)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "plan"))
    parser.add_argument("--crashes", default=os.path.join(ROOT, "Fuzz", "crashes"))
    parser.add_argument("--replay", type=int, help="run one case and print it")
    parser.add_argument("--start", type=int, default=0, help="first case index")
    options = parser.parse_args()
    if options.replay is not None:
        command, files, use_out = case(options.seed, options.replay)
        for name, text in files.items():
            print(f"--- {name}\n{text}")
        print("---", " ".join(command), "(with --out)" if use_out else "")
        finding, outcome = run_case(options.binary, options.seed, options.replay, options.timeout)
        print(f"{outcome}: {finding[1]}" if finding else outcome)
        return
    os.makedirs(options.crashes, exist_ok=True)
    deadline = time.monotonic() + options.minutes * 60
    started = time.monotonic()
    lock = threading.Lock()
    counts, outcomes, state = {}, {}, {"next": options.start, "ran": 0, "saved": 0}

    def take():
        with lock:
            index = state["next"]
            if (options.cases and index >= options.start + options.cases) or time.monotonic() > deadline:
                return None
            state["next"] += 1
            return index

    def worker():
        while (index := take()) is not None:
            finding, outcome = run_case(options.binary, options.seed, index, options.timeout)
            with lock:
                state["ran"] += 1
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if finding:
                    counts[finding[0]] = counts.get(finding[0], 0) + 1
                    new = save(finding, options.seed, index, options.crashes)
                    state["saved"] += new
                    print(f"case {index}: {finding[0]}: {finding[1][:160]}{'' if new else ' (signature seen)'}", flush=True)
                if state["ran"] % 1000 == 0:
                    print(f"{state['ran']} cases, {(time.monotonic() - started) / 60:.1f} min, findings {counts or 0}", flush=True)

    threads = [threading.Thread(target=worker) for _ in range(options.jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    minutes = (time.monotonic() - started) / 60
    print(f"seed {options.seed}: {state['ran']} cases (indices {options.start}..{state['next'] - 1}) in {minutes:.1f} min; "
          f"outcomes {outcomes}; findings {sum(counts.values())} {counts or ''}, {state['saved']} new signatures saved in "
          f"{os.path.relpath(options.crashes, ROOT)}")
    sys.exit(1 if counts else 0)


if __name__ == "__main__":
    main()
