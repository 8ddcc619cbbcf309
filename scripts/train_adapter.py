"""Train the query adapter: a 384x384 linear map applied to every query vector (never to the
catalog's) so that a need phrased the way practitioners phrase it lands nearer the resource that
answers it. MiniLM was trained on general web text; the catalog's own English needs phrases
(written from what each resource is for, never from a judged query) pair a user's phrasing with
the resource it belongs to, which is exactly what the dense leg gets wrong most often.

Training: the needs phrases' vectors against every resource's index vector, a softmax over the
whole catalog (scale 20), Adam, minibatches of 512, weight decay towards the identity (lambda)
so the map stays close to plain MiniLM. Lambda and the step count were chosen on 20% of the
phrases held out (reported below), never on a judged query; the shipped map is then fitted on
all phrases. Deterministic (fixed seed, CPU). Needs torch (installed for the build side).

    .venv/bin/python scripts/train_adapter.py [--lam 0.01] [--steps 300] [--check-only]

Writes data/adapters/<model>.npy and its .json (checksum, settings, held-out figures); the next
build copies it into the index generation, where the manifest checksums it like every file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from pt_recommender.catalog import default_data_dir
from pt_recommender.encoders.adapter import write_adapter
from pt_recommender.recommender import Recommender

SCALE, BATCH, LR, SEED, HOLD_OUT = 20.0, 512, 1e-3, 0, 0.2


def fit(phrases: np.ndarray, owner: np.ndarray, docs: np.ndarray, lam: float, steps: int) -> np.ndarray:
    import torch

    torch.manual_seed(SEED)
    p, o, v = torch.tensor(phrases), torch.tensor(owner), torch.tensor(docs)
    eye = torch.eye(docs.shape[1])
    w = eye.clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=LR)
    for _ in range(steps):
        b = torch.randint(len(p), (BATCH,))
        q = torch.nn.functional.normalize(p[b] @ w.T, dim=1)
        loss = torch.nn.functional.cross_entropy(SCALE * (q @ v.T), o[b]) + lam * ((w - eye) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return w.detach().numpy().astype(np.float32)


def retrieval(w: np.ndarray, phrases: np.ndarray, owner: np.ndarray, docs: np.ndarray) -> dict:
    """MRR and recall@10 of each phrase's own resource among all resources."""
    q = phrases @ w.T
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    s = q @ docs.T
    rank = (s > s[np.arange(len(owner)), owner][:, None]).sum(axis=1)
    return {"mrr": round(float((1.0 / (rank + 1)).mean()), 3), "recall@10": round(float((rank < 10).mean()), 3)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lam", type=float, default=0.01)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--check-only", action="store_true", help="report the held-out figures, write nothing")
    args = ap.parse_args()
    rec = Recommender.load()
    if len(rec.owners) != len(rec.resources):
        print("the adapter is trained for one vector per resource", file=sys.stderr)
        return 2
    docs = np.asarray(rec.vectors.matrix if hasattr(rec.vectors, "matrix")
                      else rec.vectors.index.reconstruct_n(0, len(rec.vectors)), dtype=np.float32)
    owner, texts = [], []
    for row, r in enumerate(rec.resources):
        for need in r.needs:
            if need.strip():
                owner.append(row)
                texts.append(need.strip())
    t = time.time()
    phrases = rec.encoder.encode(texts)  # the raw encoder: no adapter on its own training data
    own = np.asarray(owner, dtype=np.int64)
    print(f"{len(texts)} needs phrases of {len(rec.resources)} resources embedded in {time.time() - t:.0f} s",
          file=sys.stderr)
    order = np.random.default_rng(SEED).permutation(len(texts))
    held, train = order[: int(len(order) * HOLD_OUT)], order[int(len(order) * HOLD_OUT):]
    eye = np.eye(docs.shape[1], dtype=np.float32)
    w = fit(phrases[train], own[train], docs, args.lam, args.steps)
    report = {"identity": retrieval(eye, phrases[held], own[held], docs),
              "adapter": retrieval(w, phrases[held], own[held], docs)}
    print(f"held-out {len(held)} phrases: {json.dumps(report)}", file=sys.stderr)
    if args.check_only:
        return 0
    w = fit(phrases, own, docs, args.lam, args.steps)
    npy = write_adapter(default_data_dir(), rec.encoder.name, w, {
        "trained_on": {"resources": len(rec.resources), "phrases": len(texts),
                       "catalog_hash": rec.manifest.get("catalog_hash"),
                       "representation": rec.manifest.get("representation")},
        "settings": {"lambda": args.lam, "steps": args.steps, "batch": BATCH, "lr": LR, "scale": SCALE,
                     "seed": SEED},
        "held_out": {"share": HOLD_OUT, **report},
        "trained_at": time.strftime("%Y-%m-%d")})
    print(f"wrote {npy} and its .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
