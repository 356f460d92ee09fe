#!/usr/bin/env python3
"""Record what torch.utils.data does into tests/data/torch_data.json.

Run with a Python that has torch (2.13.0+cpu was used):

    /root/tvenv/bin/python tests/record_torch_data.py [--out tests/data/torch_data.json]

tests/test_data.py replays every case on ember.utils.data (it never imports
torch). The file is declarative:

{"meta": {...},
 "loaders": [ {"id", "seed": default-generator seed (torch.manual_seed),
               "dataset": {"kind": "range" | "rand" | "rand_all", "n": int},
               "kwargs": DataLoader keyword args, except that "generator": s means
                         Generator().manual_seed(s), and "sampler"/"batch_sampler"
                         are {"kind": "random" | "batch_random", "generator": s|null,
                         "batch_size", "drop_last"} built the same way,
               "worker_init": null | "rand" (worker_init_fn(k) draws rand(k+1)),
               "epochs": int, "stop_after": null | batches taken from each epoch,
               "expected": {"epochs": [[batch, ...], ...],
                            "len": len(loader),
                            "after": rand(3) from the default generator afterwards,
                            "gen_after": rand(3) from the loader's generator afterwards
                                         (when it has one)}} ],
 "splits":   [ {"id", "seed", "n", "lengths", "generator": s|null,
                "expected": {"splits": [[index, ...], ...], "after", "gen_after"}} ],
 "samplers": [ {"id", "seed", "kind": "random" | "subset_random", "n" | "indices",
                "replacement", "num_samples", "generator": s|null, "passes",
                "expected": {"passes": [[...], ...], "len", "after", "gen_after"}} ],
 "collate":  [ {"id", "samples": Python expression (T = the tensor constructor, np =
                numpy), "expected": encoded default_collate(samples)} ]}

Datasets: "range" is range(n); "rand" is RandItem(n): item i is (i, rand(2));
"rand_all" is RandAll(n): item i is (i, rand(2), random.random(), np.random.rand())
(used with num_workers > 0 only: PyTorch seeds those per worker, while the main
process's Python and NumPy generators are unseeded).

Encoding of results: a tensor is {"tensor": dtype name, "shape": [...], "values":
flat row-major values, floats as float.hex}; a tuple is {"tuple": [...]}; a dict is
{"dict": [[key, value], ...]}; lists, str, int stay as they are.
"""
import argparse
import json
import os
import random
import sys

import numpy as np
import torch
from torch.utils.data import (BatchSampler, DataLoader, Dataset, RandomSampler, SubsetRandomSampler,
                              default_collate, random_split)

HERE = os.path.dirname(os.path.abspath(__file__))


def encode(x):
    if isinstance(x, torch.Tensor):
        vals = x.detach().contiguous().reshape(-1).tolist()
        if x.is_floating_point():
            vals = [float(v).hex() for v in vals]
        return {"tensor": str(x.dtype).replace("torch.", ""), "shape": list(x.shape), "values": vals}
    if isinstance(x, tuple):
        return {"tuple": [encode(v) for v in x]}
    if isinstance(x, dict):
        return {"dict": [[k, encode(v)] for k, v in x.items()]}
    if isinstance(x, list):
        return [encode(v) for v in x]
    if isinstance(x, (str, int)):
        return x
    raise TypeError(f"cannot encode {type(x)}")


def rand3(generator=None):
    return [float(v).hex() for v in torch.rand(3, generator=generator).tolist()]


class RandItem(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return (i, torch.rand(2))


class RandAll(RandItem):
    def __getitem__(self, i):
        return (i, torch.rand(2), random.random(), np.random.rand())


def make_dataset(spec):
    return {"range": lambda n: range(n), "rand": RandItem, "rand_all": RandAll}[spec["kind"]](spec["n"])


def gen(seed):
    return None if seed is None else torch.Generator().manual_seed(seed)


def make_sampler(spec, n):
    g = gen(spec.get("generator"))
    if spec["kind"] == "random":
        return RandomSampler(range(n), generator=g)
    if spec["kind"] == "batch_random":
        return BatchSampler(RandomSampler(range(n), generator=g), spec["batch_size"], spec["drop_last"])
    raise ValueError(spec)


def worker_init_rand(worker_id):
    torch.rand(worker_id + 1)


def run_loader(case):
    torch.manual_seed(case["seed"])
    kw = dict(case["kwargs"])
    g = gen(kw.pop("generator", None))
    if g is not None:
        kw["generator"] = g
    n = case["dataset"]["n"]
    for key in ("sampler", "batch_sampler"):
        if key in kw:
            kw[key] = make_sampler(kw[key], n)
    if case.get("worker_init") == "rand":
        kw["worker_init_fn"] = worker_init_rand
    if kw.get("num_workers", 0) > 0:
        kw["multiprocessing_context"] = "fork"
    loader = DataLoader(make_dataset(case["dataset"]), **kw)
    epochs = []
    for _ in range(case["epochs"]):
        batches = []
        for k, b in enumerate(loader):
            batches.append(encode(b))
            if case.get("stop_after") is not None and k + 1 >= case["stop_after"]:
                break
        epochs.append(batches)
    exp = {"epochs": epochs, "len": len(loader), "after": rand3()}
    if g is not None:
        exp["gen_after"] = rand3(g)
    case["expected"] = exp


def run_split(case):
    torch.manual_seed(case["seed"])
    g = gen(case["generator"])
    kw = {} if g is None else {"generator": g}
    parts = random_split(range(case["n"]), case["lengths"], **kw)
    exp = {"splits": [[int(i) for i in p.indices] for p in parts], "after": rand3()}
    if g is not None:
        exp["gen_after"] = rand3(g)
    case["expected"] = exp


def run_sampler(case):
    torch.manual_seed(case["seed"])
    g = gen(case["generator"])
    if case["kind"] == "random":
        s = RandomSampler(range(case["n"]), replacement=case["replacement"], num_samples=case["num_samples"],
                          generator=g)
    else:
        s = SubsetRandomSampler(case["indices"], generator=g)
    exp = {"passes": [list(s) for _ in range(case["passes"])], "len": len(s), "after": rand3()}
    if g is not None:
        exp["gen_after"] = rand3(g)
    case["expected"] = exp


def run_collate(case):
    samples = eval(case["samples"], {"T": torch.tensor, "np": np})  # noqa: S307 (our own literals)
    case["expected"] = encode(default_collate(samples))


def loader_cases():
    cases = []

    def add(id_, seed, dataset, kwargs, epochs=2, stop_after=None, worker_init=None):
        cases.append({"id": id_, "seed": seed, "dataset": dataset, "kwargs": kwargs, "worker_init": worker_init,
                      "epochs": epochs, "stop_after": stop_after})

    rng10 = {"kind": "range", "n": 10}
    add("doc_seed0", 0, rng10, {"batch_size": 4, "shuffle": True})
    add("seq_no_shuffle", 0, rng10, {"batch_size": 4})
    add("seq_batch_none", 3, {"kind": "range", "n": 5}, {"batch_size": None})
    for seed in (0, 1, 42, 123456789):
        for drop_last in (False, True):
            add(f"default_s{seed}_drop{int(drop_last)}", seed, {"kind": "range", "n": 23},
                {"batch_size": 5, "shuffle": True, "drop_last": drop_last}, epochs=3)
    for gseed in (0, 7, 2024, 2**40 + 3):
        for drop_last in (False, True):
            add(f"gen_g{gseed}_drop{int(drop_last)}", 5, {"kind": "range", "n": 10},
                {"batch_size": 4, "shuffle": True, "drop_last": drop_last, "generator": gseed}, epochs=3)
    add("gen_exact_multiple", 1, {"kind": "range", "n": 12},
        {"batch_size": 4, "shuffle": True, "drop_last": True, "generator": 3}, epochs=2)
    add("gen_batch1", 2, {"kind": "range", "n": 6}, {"shuffle": True, "generator": 11}, epochs=2)
    add("default_partial_epoch", 0, {"kind": "range", "n": 10}, {"batch_size": 3, "shuffle": True},
        epochs=2, stop_after=1)
    add("gen_partial_epoch", 0, {"kind": "range", "n": 10},
        {"batch_size": 3, "shuffle": True, "generator": 9}, epochs=2, stop_after=2)
    add("sampler_random_gen", 4, {"kind": "range", "n": 9},
        {"batch_size": 2, "sampler": {"kind": "random", "generator": 21}}, epochs=2)
    add("sampler_random_default", 4, {"kind": "range", "n": 9},
        {"batch_size": 2, "sampler": {"kind": "random", "generator": None}}, epochs=2)
    add("batch_sampler_random", 6, {"kind": "range", "n": 11},
        {"batch_sampler": {"kind": "batch_random", "generator": 8, "batch_size": 3, "drop_last": False}}, epochs=2)
    add("rand_dataset_w0", 0, {"kind": "rand", "n": 7}, {"batch_size": 3, "shuffle": True}, epochs=2)
    add("rand_dataset_w0_gen", 0, {"kind": "rand", "n": 7},
        {"batch_size": 3, "shuffle": True, "generator": 5}, epochs=2)
    add("rand_dataset_w2", 0, {"kind": "rand_all", "n": 9}, {"batch_size": 2, "shuffle": True, "num_workers": 2},
        epochs=2)
    add("rand_dataset_w3_init", 1, {"kind": "rand_all", "n": 8},
        {"batch_size": 3, "num_workers": 3, "prefetch_factor": 1}, epochs=1, worker_init="rand")
    add("rand_dataset_w2_persistent", 2, {"kind": "rand_all", "n": 7},
        {"batch_size": 2, "shuffle": True, "num_workers": 2, "persistent_workers": True}, epochs=3)
    add("w2_partial_epoch", 0, {"kind": "range", "n": 30},
        {"batch_size": 2, "shuffle": True, "num_workers": 2}, epochs=2, stop_after=1)
    add("w2_gen_drop", 3, {"kind": "rand_all", "n": 10},
        {"batch_size": 4, "shuffle": True, "num_workers": 2, "drop_last": True, "generator": 77}, epochs=2)
    return cases


def split_cases():
    out = []
    for i, (seed, n, lengths, g) in enumerate([
        (0, 10, [3, 7], None),
        (0, 10, [3, 7], 42),
        (1, 30, [0.3, 0.3, 0.4], 42),
        (2, 11, [0.5, 0.5], None),
        (3, 7, [0.1, 0.2, 0.7], 5),
        (4, 5, [5, 0], 1),
        (5, 100, [0.8, 0.1, 0.1], None),
    ]):
        out.append({"id": f"split{i}", "seed": seed, "n": n, "lengths": lengths, "generator": g})
    return out


def sampler_cases():
    return [
        {"id": "rs_default", "seed": 0, "kind": "random", "n": 10, "replacement": False, "num_samples": None,
         "generator": None, "passes": 2},
        {"id": "rs_more_samples", "seed": 1, "kind": "random", "n": 4, "replacement": False, "num_samples": 10,
         "generator": None, "passes": 2},
        {"id": "rs_more_samples_gen", "seed": 1, "kind": "random", "n": 4, "replacement": False,
         "num_samples": 9, "generator": 12, "passes": 2},
        {"id": "rs_replacement_gen", "seed": 2, "kind": "random", "n": 5, "replacement": True, "num_samples": 70,
         "generator": 13, "passes": 2},
        {"id": "rs_replacement_default", "seed": 2, "kind": "random", "n": 1000, "replacement": True,
         "num_samples": 40, "generator": None, "passes": 2},
        {"id": "subset_default", "seed": 3, "kind": "subset_random", "indices": [10, 20, 30, 40, 50],
         "generator": None, "passes": 2},
        {"id": "subset_gen", "seed": 3, "kind": "subset_random", "indices": [5, 3, 1, 8], "generator": 99,
         "passes": 2},
    ]


def collate_cases():
    exprs = {
        "ints": "[1, 2, 3]",
        "bools": "[True, False]",
        "floats": "[1.5, 2.0, -3.25]",
        "mixed_int_float": "[1, 2.5]",
        "strs": "['a', 'bc']",
        "tensors_f32": "[T([1.0, 2.0]), T([3.0, 4.0])]",
        "tensors_i64_2d": "[T([[1, 2]]), T([[3, 4]])]",
        "tensors_0d": "[T(1.5), T(2.5)]",
        "np_arrays_f64": "[np.array([1.0, 2.0]), np.array([3.0, 4.0])]",
        "np_arrays_f32": "[np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)]",
        "np_arrays_i32": "[np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)]",
        "np_scalars_f32": "[np.float32(1.5), np.float32(2.5)]",
        "np_scalars_f64": "[np.float64(1.5), np.float64(2.5)]",
        "np_scalars_i64": "[np.int64(4), np.int64(5)]",
        "np_bools": "[np.bool_(True), np.bool_(False)]",
        "tuples": "[(1, 2.0, 'x'), (3, 4.0, 'y')]",
        "lists": "[[1, 2], [3, 4], [5, 6]]",
        "dicts": "[{'a': 1, 'b': [1.0, 2.0]}, {'a': 2, 'b': [3.0, 4.0]}]",
        "nested": "[{'x': T([1.0]), 'y': (1, 'p')}, {'x': T([2.0]), 'y': (2, 'q')}]",
        "tensor_label": "[(T([1.0, 2.0]), 0), (T([3.0, 4.0]), 1)]",
    }
    return [{"id": k, "samples": v} for k, v in exprs.items()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "data", "torch_data.json"))
    args = ap.parse_args()
    doc = {"meta": {"torch": torch.__version__, "python": sys.version.split()[0], "numpy": np.__version__,
                    "script": "tests/record_torch_data.py"},
           "loaders": loader_cases(), "splits": split_cases(), "samplers": sampler_cases(),
           "collate": collate_cases()}
    for c in doc["loaders"]:
        run_loader(c)
    for c in doc["splits"]:
        run_split(c)
    for c in doc["samplers"]:
        run_sampler(c)
    for c in doc["collate"]:
        run_collate(c)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: {len(doc['loaders'])} loaders, {len(doc['splits'])} splits, "
          f"{len(doc['samplers'])} samplers, {len(doc['collate'])} collate cases")


if __name__ == "__main__":
    main()
