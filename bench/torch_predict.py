#!/usr/bin/python3
"""The PyTorch side of attnsweep's inference comparison (see bench/README.md).

Reads an attnsweep model file (safetensors layout, read here with numpy and
a few lines: no safetensors package needed), builds the same network as
bench/torch_ctr.py's mirror of pkg/model, loads the file's weights into it
(every tensor used exactly once), scores the rows `ctrbench predict`
exported (the same encoded rows the Go side scored) with ONE thread, and
prints a JSON line and a markdown row comparing rows/s (fastest of --repeat
passes, as on the Go side) with the Go side's
(DIR/go.json) and the largest difference between the two sides' scores.

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch_predict.py --model M.safetensors --data DIR --batch 1024
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_ctr import MLP, Data, Dice, Net  # noqa: E402


def load_model_file(path):
    """The metadata and the tensors of a model file, its hash checked."""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8 : 8 + n])
    meta = header.pop("__metadata__")
    h = meta["content_sha256"]
    if hashlib.sha256(b.replace(h.encode(), b"0" * 64, 1)).hexdigest() != h:
        sys.exit(f"torch_predict: {path}: content hash mismatch")
    dtypes = {"F32": "<f4", "I64": "<i8", "U8": "u1"}
    data = b[8 + n :]
    tensors = {}
    for name, t in header.items():
        lo, hi = t["data_offsets"]
        tensors[name] = np.frombuffer(data[lo:hi], dtype=dtypes[t["dtype"]]).reshape(t["shape"])
    return meta, tensors


class Weights:
    """The model file's parameter tensors by name; each must be used once."""

    def __init__(self, tensors):
        self.w = {k[len("weights/") :]: torch.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith("weights/")}
        self.used = set()

    def take(self, name):
        self.used.add(name)
        return self.w[name]

    def check(self):
        left = set(self.w) - self.used
        if left:
            sys.exit(f"torch_predict: tensors not mapped to the torch model: {sorted(left)}")


def load_mlp(mlp, prefix, w):
    """pkg/model's MLP names: w1, b1, bn1_*, dice1_*, …, w_out, b_out ([in, out] weights)."""
    linears = [m for m in mlp.net if isinstance(m, nn.Linear)]
    k = 0
    for m in mlp.net:
        if isinstance(m, nn.Linear):
            if m is linears[-1]:
                wn, bn = prefix + "w_out", prefix + "b_out"
            else:
                k += 1
                wn, bn = f"{prefix}w{k}", f"{prefix}b{k}"
            m.weight.copy_(w.take(wn).T)
            m.bias.copy_(w.take(bn))
        elif isinstance(m, nn.BatchNorm1d):
            p = f"{prefix}bn{k}_"
            m.weight.copy_(w.take(p + "gamma"))
            m.bias.copy_(w.take(p + "beta"))
            m.running_mean.copy_(w.take(p + "run_mean"))
            m.running_var.copy_(w.take(p + "run_var"))
        elif isinstance(m, Dice):
            p = f"{prefix}dice{k}_"
            m.bn.running_mean.copy_(w.take(p + "bn_run_mean"))
            m.bn.running_var.copy_(w.take(p + "bn_run_var"))
            m.alpha.copy_(w.take(p + "alpha"))


@torch.no_grad()
def load_weights(net, data, w):
    names = [f["name"] for f in data.meta["fields"]]
    if hasattr(net, "wide"):
        prefix = "" if net.model == "logreg" else "wide_"
        for f, e in enumerate(net.wide.emb):
            e.weight.copy_(w.take(f"{prefix}emb_{names[f]}"))
        wd, b = w.take(prefix + "w_dense"), w.take(prefix + "b")
        if net.wide.k > 0:
            net.wide.dense.weight.copy_(wd.T)
            net.wide.dense.bias.copy_(b)
        else:
            net.wide.bias.copy_(b)
    if hasattr(net, "emb"):
        for f, e in enumerate(net.emb):
            e.weight.copy_(w.take(f"emb_{names[f]}"))
    if hasattr(net, "att"):
        load_mlp(net.att, "att_", w)
    if hasattr(net, "mlp") and isinstance(net.mlp, MLP):
        load_mlp(net.mlp, "mlp_", w)
    w.check()


@torch.no_grad()
def score(net, data, rows, bs):
    return torch.cat([torch.sigmoid(net(data.batch(rows[i : i + bs]))) for i in range(0, len(rows), bs)]).numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="model file (sweep export-model)")
    ap.add_argument("--data", required=True, help="folder written by `ctrbench predict`")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true",
                    help="after timing, profile one pass and print where PyTorch's time goes (matrix products against the rest)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)

    meta, tensors = load_model_file(a.model)
    p = json.loads(meta["params"])
    if p.get("AttentionHidden") not in (None, [80, 40]) or p.get("DINSoftmax") or p.get("MaxLen"):
        sys.exit("torch_predict: the mirror has DIN's default attention MLP [80, 40], no softmax and all history positions")
    args = argparse.Namespace(model=p["Model"], emb=p["EmbedDim"], hidden=",".join(map(str, p["Hidden"] or [400, 400, 400])),
                              bn=p["BatchNorm"], dropout=p["Dropout"])
    data = Data(a.data)
    net = Net(data, args)
    load_weights(net, data, Weights(tensors))
    net.eval()
    rows = data.splits["test"]
    ours = score(net, data, rows, a.batch)  # warm-up
    seconds, cpu = [], []
    for _ in range(a.repeat):
        t, c = time.perf_counter(), time.process_time()
        ours = score(net, data, rows, a.batch)
        seconds.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    theirs = np.load(os.path.join(a.data, "go_scores.npy"))
    diff = float(np.max(np.abs(ours.astype(np.float64) - theirs)))
    r = {"side": "torch", "model": p["Model"], "threads": torch.get_num_threads(), "rows": len(rows), "batch": a.batch,
         "seconds": seconds, "cpu_seconds": cpu, "rows_per_s": len(rows) / min(seconds),
         "rows_per_cpu_s": len(rows) / min(cpu), "max_abs_diff": diff}
    print(json.dumps(r), flush=True)
    with open(os.path.join(a.data, "go.json")) as f:
        g = json.load(f)
    print(f"| {p['Model']} | {len(rows):,} | {a.batch} | {g['rows_per_s']:,.0f} | {r['rows_per_s']:,.0f} | "
          f"**{g['rows_per_s'] / r['rows_per_s']:.2f}×** | {g['rows_per_cpu_s'] / r['rows_per_cpu_s']:.2f}× | {diff:.1e} |", flush=True)
    if a.profile:
        profile(net, data, rows, a.batch, min(cpu))


# The operators that are matrix products: the work both sides must do at a
# GEMM kernel's rate, whatever else they save.
PRODUCTS = ("aten::addmm", "aten::mm", "aten::bmm", "aten::baddbmm")


def profile(net, data, rows, bs, best_cpu):
    """One pass under torch.profiler: self CPU time per operator, and the
    products' share of the pass. The products' time, taken from the profile,
    bounds from above what any implementation doing the same products at the
    same rate can gain: total / products."""
    from torch.profiler import ProfilerActivity, profile as tprofile

    with tprofile(activities=[ProfilerActivity.CPU]) as prof:
        score(net, data, rows, bs)
    ev = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in ev)
    prod = sum(e.self_cpu_time_total for e in ev if e.key in PRODUCTS)
    # The profiler's own cost per operator inflates the rest; scale the
    # products' time against the unprofiled pass instead of the profiled total.
    prod_s = prod / 1e6
    print(f"profile: {len(rows):,} rows, batch {bs}: profiled pass {total / 1e6:.3f} s of operators, "
          f"unprofiled pass {best_cpu:.3f} CPU s; matrix products {prod_s:.3f} s "
          f"({prod_s / best_cpu:.0%} of the unprofiled pass): a side doing the same products at the same rate "
          f"is at most {best_cpu / prod_s:.2f}x faster", flush=True)
    for e in sorted(ev, key=lambda e: -e.self_cpu_time_total)[:10]:
        print(f"  {e.key:<32} {e.count:>7} calls {e.self_cpu_time_total / 1e6:8.3f} s "
              f"{e.self_cpu_time_total / total:6.1%}", flush=True)


if __name__ == "__main__":
    main()
