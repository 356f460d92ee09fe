"""ember.utils.data against torch.utils.data.

Replays tests/data/torch_data.json (recorded from PyTorch 2.13 by
tests/record_torch_data.py, whose docstring gives the format): the batches of
each DataLoader epoch, random_split's subsets, the samplers' orders, what
default_collate builds, and the state the default (and explicit) generators
are left in, checked through a following rand(3). Never imports torch.
"""
import collections
import json
import os
import random
import warnings

import numpy as np
import pytest

import ember
import ember.utils.data  # noqa: F401  (until ember/__init__.py imports utils)
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset,
                              RandomSampler, SequentialSampler, StackDataset, Subset, SubsetRandomSampler,
                              TensorDataset, default_collate, default_convert, get_worker_info, random_split)

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "torch_data.json")) as _f:
    DOC = json.load(_f)


# --- encoding results the way the recorder does --------------------------------------------

def encode(x):
    if isinstance(x, ember.Tensor):
        vals = x.detach().contiguous().reshape(-1).tolist()
        if x.is_floating_point():
            vals = [float(v).hex() for v in vals]
        return {"tensor": str(x.dtype).split(".")[-1], "shape": list(x.shape), "values": vals}
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
    return [float(v).hex() for v in ember.rand(3, generator=generator).tolist()]


class RandItem(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return (i, ember.rand(2))


class RandAll(RandItem):
    def __getitem__(self, i):
        return (i, ember.rand(2), random.random(), np.random.rand())


def make_dataset(spec):
    return {"range": lambda n: range(n), "rand": RandItem, "rand_all": RandAll}[spec["kind"]](spec["n"])


def gen(seed):
    return None if seed is None else ember.Generator().manual_seed(seed)


def make_sampler(spec, n):
    g = gen(spec.get("generator"))
    if spec["kind"] == "random":
        return RandomSampler(range(n), generator=g)
    return BatchSampler(RandomSampler(range(n), generator=g), spec["batch_size"], spec["drop_last"])


def worker_init_rand(worker_id):
    ember.rand(worker_id + 1)


def ids(cases):
    return [c["id"] for c in cases]


# --- recorded cases ----------------------------------------------------------------------

@pytest.mark.parametrize("case", DOC["loaders"], ids=ids(DOC["loaders"]))
def test_loader_matches_torch(case):
    ember.manual_seed(case["seed"])
    kw = dict(case["kwargs"])
    g = gen(kw.pop("generator", None))
    if g is not None:
        kw["generator"] = g
    n = case["dataset"]["n"]
    for key in ("sampler", "batch_sampler"):
        if key in kw:
            kw[key] = make_sampler(kw[key], n)
    if case["worker_init"] == "rand":
        kw["worker_init_fn"] = worker_init_rand
    py_state, np_state = random.getstate(), np.random.get_state()
    loader = DataLoader(make_dataset(case["dataset"]), **kw)
    exp = case["expected"]
    assert len(loader) == exp["len"]
    for e, expected_batches in enumerate(exp["epochs"]):
        got = []
        for k, b in enumerate(loader):
            got.append(encode(b))
            if case["stop_after"] is not None and k + 1 >= case["stop_after"]:
                break
        assert got == expected_batches, f"epoch {e + 1}"
    assert rand3() == exp["after"], "default generator state after the epochs"
    if g is not None:
        assert rand3(g) == exp["gen_after"], "loader generator state after the epochs"
    if kw.get("num_workers", 0) > 0:
        # The emulated workers' Python/NumPy streams leave the main process's alone.
        assert random.getstate() == py_state
        assert all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
                   for a, b in zip(np.random.get_state(), np_state))


def test_documented_orders():
    ember.manual_seed(0)
    loader = DataLoader(range(10), batch_size=4, shuffle=True)
    assert [b.tolist() for b in loader] == [[6, 7, 1, 4], [2, 0, 9, 8], [3, 5]]
    assert [b.tolist() for b in loader] == [[2, 4, 7, 0], [8, 9, 5, 3], [6, 1]]


@pytest.mark.parametrize("case", DOC["splits"], ids=ids(DOC["splits"]))
def test_random_split_matches_torch(case):
    ember.manual_seed(case["seed"])
    g = gen(case["generator"])
    kw = {} if g is None else {"generator": g}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = random_split(range(case["n"]), case["lengths"], **kw)
    exp = case["expected"]
    assert [list(p.indices) for p in parts] == exp["splits"]
    assert [[p[i] for i in range(len(p))] for p in parts] == exp["splits"]  # range(n)[i] == i
    assert rand3() == exp["after"]
    if g is not None:
        assert rand3(g) == exp["gen_after"]


@pytest.mark.parametrize("case", DOC["samplers"], ids=ids(DOC["samplers"]))
def test_sampler_matches_torch(case):
    ember.manual_seed(case["seed"])
    g = gen(case["generator"])
    if case["kind"] == "random":
        s = RandomSampler(range(case["n"]), replacement=case["replacement"], num_samples=case["num_samples"],
                          generator=g)
    else:
        s = SubsetRandomSampler(case["indices"], generator=g)
    exp = case["expected"]
    assert [list(s) for _ in range(case["passes"])] == exp["passes"]
    assert len(s) == exp["len"]
    assert rand3() == exp["after"]
    if g is not None:
        assert rand3(g) == exp["gen_after"]


@pytest.mark.parametrize("case", DOC["collate"], ids=ids(DOC["collate"]))
def test_default_collate_matches_torch(case):
    samples = eval(case["samples"], {"T": ember.tensor, "np": np})  # noqa: S307 (literals from our own file)
    assert encode(default_collate(samples)) == case["expected"]


# --- datasets -----------------------------------------------------------------------------

def test_tensor_dataset():
    x = ember.arange(12.).reshape(4, 3)
    y = ember.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    a, b = ds[2]
    assert a.tolist() == [6.0, 7.0, 8.0] and b.item() == 0
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, ember.zeros(5))
    batches = list(DataLoader(ds, batch_size=3))
    assert [b[0].shape for b in batches] == [(3, 3), (1, 3)]
    assert batches[1][1].tolist() == [1]


def test_subset_concat_stack_chain():
    base = list(range(100, 110))
    sub = Subset(base, [3, 1, 4])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [103, 101, 104]
    cat = ConcatDataset([range(3), [10, 11], Subset(base, [0])])
    assert len(cat) == 6 and [cat[i] for i in range(6)] == [0, 1, 2, 10, 11, 100]
    assert cat[-1] == 100 and cat[-6] == 0
    with pytest.raises(ValueError):
        cat[-7]
    with pytest.raises(IndexError):
        cat[6]
    with pytest.raises(AssertionError):
        ConcatDataset([])

    class DS(Dataset):
        def __init__(self, v):
            self.v = v

        def __len__(self):
            return len(self.v)

        def __getitem__(self, i):
            return self.v[i]

    both = DS([1, 2]) + DS([3])
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(3)] == [1, 2, 3]
    st = StackDataset(DS([1, 2]), DS(["a", "b"]))
    assert st[1] == (2, "b")
    st = StackDataset(x=DS([1, 2]), y=DS(["a", "b"]))
    assert st[0] == {"x": 1, "y": "a"}
    with pytest.raises(ValueError):
        StackDataset(DS([1]), DS([1, 2]))

    class Stream(IterableDataset):
        def __init__(self, a, b):
            self.a, self.b = a, b

        def __iter__(self):
            return iter(range(self.a, self.b))

        def __len__(self):
            return self.b - self.a

    chain = Stream(0, 3) + Stream(10, 12)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 2, 10, 11] and len(chain) == 5
    with pytest.raises(AssertionError):
        ConcatDataset([Stream(0, 1)])


def test_random_split_lengths_and_errors():
    ember.manual_seed(0)
    parts = random_split(range(10), [0.25, 0.25, 0.5])  # floor gives 2, 2, 5; remainder 1 -> first
    assert [len(p) for p in parts] == [3, 2, 5]
    assert sorted(i for p in parts for i in p.indices) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0"):
        random_split(range(10), [1.5, -0.5])
    g1, g2 = ember.Generator().manual_seed(42), ember.Generator().manual_seed(42)
    a = random_split(range(30), [10, 20], generator=g1)
    b = random_split(range(30), [10, 20], generator=g2)
    assert [p.indices for p in a] == [p.indices for p in b]


# --- samplers -----------------------------------------------------------------------------

def test_samplers_basic():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(SequentialSampler(range(4))) == 4
    assert list(BatchSampler(SequentialSampler(range(10)), 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(BatchSampler(SequentialSampler(range(10)), 3, True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(BatchSampler(range(10), 3, False)) == 4 and len(BatchSampler(range(10), 3, True)) == 3
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(range(3), 2, 1)
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(0))
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)
    g = ember.Generator().manual_seed(0)
    s = RandomSampler(range(7), generator=g)
    assert sorted(s) == list(range(7)) and len(s) == 7


def test_random_sampler_draws_lazily():
    """Like PyTorch's generator function, no draw happens until the first next()."""
    ember.manual_seed(0)
    state = ember.get_rng_state()
    it = iter(RandomSampler(range(10)))
    assert ember.get_rng_state().tolist() == state.tolist()
    assert list(it) == [6, 9, 0, 7, 3, 5, 4, 2, 1, 8]  # RNG-NOTES section 11


# --- DataLoader ---------------------------------------------------------------------------

def test_loader_len_and_two_epochs():
    loader = DataLoader(list(range(10)), batch_size=3)
    assert len(loader) == 4
    first = [b.tolist() for b in loader]
    assert first == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert [b.tolist() for b in loader] == first
    loader = DataLoader(list(range(10)), batch_size=3, drop_last=True)
    assert len(loader) == 3 and [b.tolist() for b in loader][-1] == [6, 7, 8]


def test_loader_batch_none_and_custom_collate():
    out = list(DataLoader([np.array([1.0, 2.0]), np.array([3.0, 4.0])], batch_size=None))
    assert all(isinstance(t, ember.Tensor) and t.dtype == ember.float64 for t in out)
    assert [t.tolist() for t in out] == [[1.0, 2.0], [3.0, 4.0]]
    loader = DataLoader(range(5), batch_size=2, collate_fn=lambda b: ("custom", b))
    assert list(loader) == [("custom", [0, 1]), ("custom", [2, 3]), ("custom", [4])]


def test_loader_sampler_and_batch_sampler_args():
    loader = DataLoader(range(6), sampler=[5, 4, 3, 2, 1, 0], batch_size=4)
    assert [b.tolist() for b in loader] == [[5, 4, 3, 2], [1, 0]]
    loader = DataLoader(range(6), batch_sampler=[[0, 5], [1], [2, 3, 4]])
    assert [b.tolist() for b in loader] == [[0, 5], [1], [2, 3, 4]] and len(loader) == 3
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(range(6), sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(range(6), batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(range(6), batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(range(6), num_workers=-1)
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(range(6), persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(range(6), prefetch_factor=2)
    loader = DataLoader(range(6))
    with pytest.raises(ValueError, match="should not be set"):
        loader.batch_size = 3


def test_loader_getitems_is_used():
    class Batched(Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, idx):
            self.calls.append(list(idx))
            return [i * 10 for i in idx]

    ds = Batched()
    assert [b.tolist() for b in DataLoader(ds, batch_size=2)] == [[0, 10], [20, 30], [40]]
    assert Batched.calls == [[0, 1], [2, 3], [4]]


def test_iterable_dataset_loading():
    class Stream(IterableDataset):
        def __iter__(self):
            assert get_worker_info() is None
            return iter(range(7))

        def __len__(self):
            return 7

    loader = DataLoader(Stream(), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(), batch_size=3, drop_last=True)) == 2
    # num_workers > 0: still one stream, in-process.
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=4, num_workers=2)] == [[0, 1, 2, 3], [4, 5, 6]]
    assert list(DataLoader(Stream(), batch_size=None)) == list(range(7))
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(), shuffle=True)
    with pytest.raises(ValueError, match="sampler"):
        DataLoader(Stream(), sampler=[0])


def test_worker_info_in_emulated_workers():
    seen = []

    class DS(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            info = get_worker_info()
            seen.append((i, info.id, info.num_workers, info.dataset is ds))
            return i

    ds = DS()
    ember.manual_seed(0)
    base = ember.empty((), dtype=ember.int64).random_().item()
    ember.manual_seed(0)
    inits = []
    loader = DataLoader(ds, batch_size=2, num_workers=2,
                        worker_init_fn=lambda k: inits.append((k, get_worker_info().seed)))
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5]]
    assert inits == [(0, base), (1, base + 1)]
    assert [s[1] for s in seen] == [0, 0, 1, 1, 0, 0]
    assert all(s[2] == 2 and s[3] for s in seen)
    assert get_worker_info() is None


def test_worker_exception_propagates_and_restores_rng():
    class Bad(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            ember.rand(5)
            if i == 2:
                raise KeyError("boom")
            return i

    ember.manual_seed(3)
    loader = DataLoader(Bad(), batch_size=1, num_workers=2)
    it = iter(loader)
    next(it)
    next(it)
    before = ember.get_rng_state().tolist()
    with pytest.raises(KeyError, match="boom"):
        next(it)
    assert ember.get_rng_state().tolist() == before
    assert get_worker_info() is None


def test_collate_structures():
    Point = collections.namedtuple("Point", "x y")
    out = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(out, Point) and out.x.tolist() == [1, 3] and out.y.dtype == ember.float64
    od = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert isinstance(od, collections.OrderedDict) and od["a"].tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])
    with pytest.raises(TypeError):
        default_collate([np.array(["a"]), np.array(["b"])])
    assert default_collate([b"x", b"y"]) == [b"x", b"y"]
    t = default_collate([ember.ones(2, 3), ember.zeros(2, 3)])
    assert t.shape == (2, 2, 3)
    # default_convert (batch_size=None) leaves non-NumPy data alone.
    conv = default_convert({"a": np.array([1, 2]), "b": (np.float64(2.5), "s"), "c": 3})
    assert isinstance(conv["a"], ember.Tensor) and conv["a"].dtype == ember.int64
    assert isinstance(conv["b"], list) and conv["b"][0].dtype == ember.float64 and conv["b"][1] == "s"
    assert conv["c"] == 3


def test_dataloader_with_tensor_dataset_shuffle_matches_index_order():
    x = ember.arange(20.).reshape(10, 2)
    y = ember.arange(10)
    ember.manual_seed(0)
    got = [(bx.tolist(), by.tolist()) for bx, by in DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)]
    assert [by for _, by in got] == [[6, 7, 1, 4], [2, 0, 9, 8], [3, 5]]
    assert got[0][0] == [[12.0, 13.0], [14.0, 15.0], [2.0, 3.0], [8.0, 9.0]]


def test_classes_can_be_subscripted_like_torch_generics():
    from typing import Tuple

    class Pairs(Dataset[Tuple[int, int]]):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return (i, -i)

    assert issubclass(Pairs, Dataset)
    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert [t.tolist() for t in batch] == [[0, 1, 2], [0, -1, -2]]
    assert RandomSampler[int] is not None and DataLoader[Tuple[int, int]] is not None
