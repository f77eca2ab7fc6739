#!/usr/bin/python3
"""The PyTorch side of attnsweep's speed comparison (see bench/README.md).

Trains one model on data exported by `ctrbench export` (.npy files and
meta.json: the ids after attnsweep's vocabularies, its standardised dense
values, its histories and its split) with ONE thread, mirroring pkg/model's
architecture, initialisation, loss, optimizer and training protocol, and
prints one JSON line of the same shape as `ctrbench train`.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_ctr.py \
        --data DIR --model dnn --batch 4096 --emb 10 --epochs 3 --l2e 0.05 --bn --dropout 0.2

Mirrored from pkg/model (read its files for the details):
  inputs     one embedding table [V, D] per categorical field, N(0, 1e-4²); the
             history is looked up in the target field's table, real positions only
  wide       logreg's linear part: dimension-1 tables per field N(0, 1e-4²),
             dense weights starting at 0, a bias
  mlp        per hidden layer Linear → BatchNorm1d (eps 1e-5, momentum 0.1) →
             ReLU or Dice → Dropout; then Linear(last, 1). Weights Glorot normal
             N(0, 2/(in+out)), biases 0
  dice       y = x·(α + σ(x̂)·(1−α)), x̂ = BatchNorm1d without affine (eps 1e-9), α = 0 at start
  logreg     z = wide
  fm         z = wide + ½·Σ_c((Σ_f v_fc)² − Σ_f v_fc²)  (mean-pooled history as one more field)
  dnn        z = mlp([f_1..f_M, mean-pooled history, dense])
  dot        z = mlp([f_1..f_M, dense, u, v⊙u]), u = Σ softmax((v·e_j)/√D) e_j over real positions
  din        z = mlp([f_1..f_M, dense, u]), u = Σ s_j e_j, s_j = att_mlp([v, e_j, v−e_j, v⊙e_j])
             (hidden [80, 40], Dice, no BatchNorm, no dropout, unnormalised weights); the
             main MLP uses Dice too

One model is NOT a mirror of pkg/model but a reference to hold din against:
  din_fuxi   DIN as FuxiCTR builds it (model_zoo/DIN/src/DIN.py, DIN_Attention,
             Dice, MLP_Block, FeatureEmbeddingDict): every table has a zero, untrained
             padding row 0; the target is the concatenation of the target fields of
             every sequence column and each history position the concatenation of the
             columns' embeddings (din_target_field: [(item_id, cate_id)]); the
             attention MLP (--att-hidden, --att-act; Dice: BatchNorm1d without affine,
             eps 1e-9, momentum 0.01) scores EVERY position, padding included (Dice's
             batch statistics too), its output is multiplied by the mask (history id
             != 0), optionally softmaxed (--softmax) over the unmasked positions;
             u = Σ w_j·e_j replaces the history fields in the DNN input, which is every
             field's embedding (the target's included) and the dense values; the DNN
             is --hidden with --dnn-act (FuxiCTR's default ReLU), --bn, --dropout.
             --clip is FuxiCTR's max_gradient_norm (10 in its configs). --att-real-only
             scores the real positions only (pkg/model's way) and --dice-momentum 0.1
             keeps Dice's running statistics as pkg/model does, to measure those
             differences one at a time.
  training   mean binary cross-entropy on logits; Adam (β 0.9, 0.999, ε 1e-8, dense
             updates) with L2 added to the gradients (λ·W: weight_decay) of the embedding
             tables (--l2e) and of the Linear weights (--l2d); each epoch shuffles the
             train rows, scores the valid rows, keeps the best weights by valid AUC and
             multiplies the LR by 0.1 after an epoch without improvement; the test AUC is
             that of the best weights.

Only the training loop of each epoch is timed (not the validation pass);
samples/s is train rows / median epoch time over epochs 2..E, as on the Go
side, in wall time and in the process's CPU time.
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.metrics import log_loss, roc_auc_score  # noqa: E402


class Data:
    """The exported arrays, as tensors."""

    def __init__(self, folder):
        with open(os.path.join(folder, "meta.json")) as f:
            self.meta = json.load(f)
        ld = lambda name: np.load(os.path.join(folder, name))  # noqa: E731
        self.label = torch.from_numpy(ld("label.npy"))
        self.cat = torch.from_numpy(ld("cat.npy").astype(np.int64))  # [M, N]
        self.dense = torch.from_numpy(ld("dense.npy"))  # [N, K]
        self.splits = {s: torch.from_numpy(ld(s + ".npy").astype(np.int64)) for s in ("train", "valid", "test")}
        self.vocab = [f["vocab"] for f in self.meta["fields"]]
        self.seq = self.meta.get("seq")
        self.seqs = self.meta.get("seqs") or ([self.seq] if self.seq else [])
        if self.seq:
            self.hist = torch.from_numpy(ld("seq_ids.npy").astype(np.int64))  # [N, L]
            self.hlen = torch.from_numpy(ld("seq_len.npy").astype(np.int64))  # [N]
        # every sequence column: seq_ids.npy, seq1_ids.npy, ...
        self.hists = [self.hist] if self.seq else []
        for k in range(1, len(self.seqs)):
            self.hists.append(torch.from_numpy(ld(f"seq{k}_ids.npy").astype(np.int64)))

    def batch(self, rows):
        b = {"ids": self.cat[:, rows], "dense": self.dense[rows], "y": self.label[rows]}
        if self.seq:
            b["hist"], b["len"] = self.hist[rows], self.hlen[rows]
            b["hists"] = [h[rows] for h in self.hists]
        return b


def glorot_(lin):
    std = math.sqrt(2.0 / (lin.in_features + lin.out_features))
    nn.init.normal_(lin.weight, 0.0, std)
    nn.init.zeros_(lin.bias)
    return lin


def emb_table(v, d, padding_idx=None):
    e = nn.Embedding(v, d, padding_idx=padding_idx)
    nn.init.normal_(e.weight, 0.0, 1e-4)
    if padding_idx is not None:
        with torch.no_grad():
            e.weight[padding_idx].zero_()
    return e


class Dice(nn.Module):
    def __init__(self, c, momentum=0.1):
        super().__init__()
        self.bn = nn.BatchNorm1d(c, eps=1e-9, momentum=momentum, affine=False)
        self.alpha = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        p = torch.sigmoid(self.bn(x))
        return x * (self.alpha + p * (1 - self.alpha))


class MLP(nn.Module):
    def __init__(self, d_in, hidden, act="relu", bn=False, dropout=0.0, dice_momentum=0.1):
        super().__init__()
        layers, w = [], d_in
        for h in hidden:
            layers.append(glorot_(nn.Linear(w, h)))
            if bn:
                layers.append(nn.BatchNorm1d(h, eps=1e-5, momentum=0.1))
            layers.append(Dice(h, dice_momentum) if act == "dice" else nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            w = h
        layers.append(glorot_(nn.Linear(w, 1)))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x).squeeze(-1)


class Wide(nn.Module):
    """logreg's linear part: Σ_f w_f[id_f] + c·dense + b."""

    def __init__(self, vocab, k):
        super().__init__()
        self.emb = nn.ModuleList(emb_table(v, 1) for v in vocab)
        self.k = k
        if k > 0:
            self.dense = nn.Linear(k, 1)
            nn.init.zeros_(self.dense.weight)
            nn.init.zeros_(self.dense.bias)
        else:
            self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, b):
        z = sum(e(b["ids"][f]).squeeze(-1) for f, e in enumerate(self.emb))
        if self.k > 0:
            return z + self.dense(b["dense"]).squeeze(-1)
        return z + self.bias


class Net(nn.Module):
    def __init__(self, data, a):
        super().__init__()
        self.model, d = a.model, a.emb
        self.d = d
        self.m, self.k = len(data.vocab), data.dense.shape[1]
        needs_seq = self.model in ("dot", "din")
        self.seq = data.seq if self.model != "logreg" else None
        if needs_seq and not self.seq:
            sys.exit(f"torch_ctr: {self.model} needs a history column")
        self.t = self.seq["target_field"] if self.seq else -1
        hidden = [int(h) for h in a.hidden.split(",")]
        if self.model in ("logreg", "fm"):
            self.wide = Wide(data.vocab, self.k)
        if self.model != "logreg":
            self.emb = nn.ModuleList(emb_table(v, d) for v in data.vocab)
        if self.model == "dnn":
            f = self.m + (1 if self.seq else 0)
            self.mlp = MLP(f * d + self.k, hidden, "relu", a.bn, a.dropout)
        elif self.model == "dot":
            self.mlp = MLP((self.m + 2) * d + self.k, hidden, "relu", a.bn, a.dropout)
        elif self.model == "din":
            self.att = MLP(4 * d, [80, 40], "dice")
            self.mlp = MLP((self.m + 1) * d + self.k, hidden, "dice", a.bn, a.dropout)
        elif self.model not in ("logreg", "fm"):
            sys.exit(f"torch_ctr: model {self.model!r} is not mirrored here (logreg, fm, dnn, dot, din)")

    def fields(self, b):
        return [e(b["ids"][f]) for f, e in enumerate(self.emb)]  # M × [B, D]

    def history(self, b):
        e = self.emb[self.t](b["hist"])  # [B, L, D]
        mask = torch.arange(e.shape[1]).unsqueeze(0) < b["len"].unsqueeze(1)  # [B, L]
        return e * mask.unsqueeze(-1), mask

    def mean_pool(self, b):
        e, _ = self.history(b)
        n = b["len"].clamp(min=1).unsqueeze(-1).to(e.dtype)
        return e.sum(1) / n  # 0 for an empty history

    def forward(self, b):
        if self.model == "logreg":
            return self.wide(b)
        fs = self.fields(b)
        if self.model == "fm":
            vs = fs + ([self.mean_pool(b)] if self.seq else [])
            v = torch.stack(vs, 1)  # [B, F, D]
            s = v.sum(1)
            return self.wide(b) + 0.5 * (s * s - (v * v).sum(1)).sum(1)
        if self.model == "dnn":
            xs = fs + ([self.mean_pool(b)] if self.seq else []) + [b["dense"]]
            return self.mlp(torch.cat(xs, 1))
        v = fs[self.t]
        e, mask = self.history(b)
        if self.model == "dot":
            a = (e @ v.unsqueeze(-1)).squeeze(-1) / math.sqrt(self.d)  # [B, L]
            a = a.masked_fill(~mask, float("-inf"))
            w = torch.softmax(a, 1)
            w = torch.nan_to_num(w, nan=0.0)  # rows without history: u = 0
            u = (w.unsqueeze(-1) * e).sum(1)
            return self.mlp(torch.cat(fs + [b["dense"], u, v * u], 1))
        # din: score the real positions only (Dice statistics over them, as in Go).
        vv = v.unsqueeze(1).expand_as(e)
        q = torch.cat([vv, e, vv - e, vv * e], -1)[mask]  # [P, 4D]
        s = torch.zeros(mask.shape, dtype=e.dtype)
        s = s.masked_scatter(mask, self.att(q))
        u = (s.unsqueeze(-1) * e).sum(1)
        return self.mlp(torch.cat(fs + [b["dense"], u], 1))


class FuxiDIN(nn.Module):
    """DIN with FuxiCTR's structure (see the module doc, din_fuxi)."""

    def __init__(self, data, a):
        super().__init__()
        if not data.seqs:
            sys.exit("torch_ctr: din_fuxi needs a history column")
        d = a.emb
        self.emb = nn.ModuleList(emb_table(v, d, padding_idx=0) for v in data.vocab)
        self.targets = [sq["target_field"] for sq in data.seqs]
        h = d * len(self.targets)
        att_hidden = [int(x) for x in a.att_hidden.split(",")]
        self.att = MLP(4 * h, att_hidden, a.att_act, dice_momentum=a.dice_momentum)
        self.softmax = a.softmax
        self.real_only = a.att_real_only
        k = data.dense.shape[1]
        hidden = [int(x) for x in a.hidden.split(",")]
        self.mlp = MLP(len(data.vocab) * d + h + k, hidden, a.dnn_act, a.bn, a.dropout, dice_momentum=a.dice_momentum)

    def forward(self, b):
        fs = [e(b["ids"][f]) for f, e in enumerate(self.emb)]
        tgt = torch.cat([fs[t] for t in self.targets], -1)  # [B, H]
        seq = torch.cat([self.emb[t](hk) for t, hk in zip(self.targets, b["hists"])], -1)  # [B, L, H]
        mask = (b["hists"][0] != 0).to(seq.dtype)  # FuxiCTR: padding_idx 0 marks padding
        L = seq.shape[1]
        tt = tgt.unsqueeze(1).expand(-1, L, -1)
        q = torch.cat([tt, seq, tt - seq, tt * seq], -1).reshape(-1, 4 * seq.shape[-1])
        if self.real_only:  # as din.go: score the real positions only (Dice's statistics over them)
            keep = mask.reshape(-1) > 0
            w = torch.zeros(q.shape[0], dtype=q.dtype).masked_scatter(keep, self.att(q[keep]).squeeze(-1))
            w = w.view(-1, L)
        else:
            w = self.att(q).view(-1, L) * mask
        if self.softmax:
            w = (w + -1.0e9 * (1 - mask)).softmax(-1)
        u = (w.unsqueeze(-1) * seq).sum(1)
        return self.mlp(torch.cat(fs + [u, b["dense"]], 1))


def param_groups(net, a):
    emb, weights, rest = [], [], []
    for mod in net.modules():
        if isinstance(mod, nn.Embedding):
            emb.append(mod.weight)
        elif isinstance(mod, nn.Linear):
            weights.append(mod.weight)
    ids = {id(p) for p in emb + weights}
    rest = [p for p in net.parameters() if id(p) not in ids]
    return [
        {"params": emb, "weight_decay": a.l2e},
        {"params": weights, "weight_decay": a.l2d},
        {"params": rest, "weight_decay": 0.0},
    ]


@torch.no_grad()
def predict(net, data, rows, bs):
    net.eval()
    out = [torch.sigmoid(net(data.batch(rows[i : i + bs]))) for i in range(0, len(rows), bs)]
    net.train()
    return torch.cat(out).numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder written by `ctrbench export`")
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--emb", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--l2e", type=float, default=0.0)
    ap.add_argument("--l2d", type=float, default=0.0)
    ap.add_argument("--hidden", default="400,400,400")
    ap.add_argument("--bn", action="store_true")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--att-hidden", default="80,40", help="din_fuxi: attention MLP sizes")
    ap.add_argument("--att-act", default="dice", help="din_fuxi: attention MLP activation (dice, relu)")
    ap.add_argument("--dnn-act", default="relu", help="din_fuxi: DNN activation (relu, dice)")
    ap.add_argument("--softmax", action="store_true", help="din_fuxi: softmax over the attention scores")
    ap.add_argument("--dice-momentum", type=float, default=0.01,
                    help="din_fuxi: momentum of Dice's running statistics (FuxiCTR 0.01, pkg/model 0.1)")
    ap.add_argument("--att-real-only", action="store_true",
                    help="din_fuxi: run the attention MLP on the real positions only, as pkg/model does")
    ap.add_argument("--clip", type=float, default=0.0, help="clip the gradient norm at this (FuxiCTR: 10); 0: off")
    ap.add_argument("--patience", type=int, default=0,
                    help="stop after this many epochs without a better valid AUC (FuxiCTR: 2); 0: run every epoch")
    a = ap.parse_args()
    if a.epochs < 2:
        sys.exit("torch_ctr: --epochs must be at least 2 (the first epoch is not timed)")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    data = Data(a.data)
    net = FuxiDIN(data, a) if a.model == "din_fuxi" else Net(data, a)
    opt = torch.optim.Adam(param_groups(net, a), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    train, valid, test = data.splits["train"], data.splits["valid"], data.splits["test"]
    yv, yt = data.label[valid].numpy(), data.label[test].numpy()
    gen = torch.Generator().manual_seed(a.seed)

    epoch_s, epoch_cpu, valid_auc = [], [], []
    best_auc, best_state, best_epoch, lr, bad = -1.0, None, 0, a.lr, 0
    for epoch in range(1, a.epochs + 1):
        perm = train[torch.randperm(len(train), generator=gen)]
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(perm), a.batch):
            b = data.batch(perm[i : i + a.batch])
            loss = F.binary_cross_entropy_with_logits(net(b), b["y"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if a.clip > 0:
                nn.utils.clip_grad_norm_(net.parameters(), a.clip)
            opt.step()
        epoch_s.append(time.perf_counter() - t0)
        epoch_cpu.append(time.process_time() - c0)
        auc = roc_auc_score(yv, predict(net, data, valid, a.batch))
        valid_auc.append(auc)
        print(f"torch {a.model}: epoch {epoch} valid AUC {auc:.4f} ({epoch_s[-1]:.1f}s training)", file=sys.stderr)
        if best_state is None or auc > best_auc:
            best_auc, best_state, best_epoch, bad = auc, copy.deepcopy(net.state_dict()), epoch, 0
        else:
            lr *= 0.1
            bad += 1
            for g in opt.param_groups:
                g["lr"] = lr
            if a.patience and bad >= a.patience:
                break
    net.load_state_dict(best_state)
    pt = predict(net, data, test, a.batch)
    print(json.dumps({
        "side": "torch", "model": a.model, "seed": a.seed, "threads": torch.get_num_threads(),
        "batch": a.batch, "emb": a.emb, "epochs": len(epoch_s), "train_rows": len(train),
        "epoch_seconds": epoch_s,
        "samples_per_s": len(train) / float(np.median(epoch_s[1:])),
        "epoch_cpu_seconds": epoch_cpu,
        "samples_per_cpu_s": len(train) / float(np.median(epoch_cpu[1:])),
        "valid_auc": valid_auc, "best_epoch": best_epoch,
        "test_auc": float(roc_auc_score(yt, pt)),
        "test_logloss": float(log_loss(yt, pt.astype(np.float64), labels=[0, 1])),
    }), flush=True)


if __name__ == "__main__":
    main()
