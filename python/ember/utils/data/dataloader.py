"""DataLoader and collation, as in torch.utils.data.dataloader.

Random numbers follow PyTorch exactly, so a seeded script gets the same
batches, and its default generator ends in the same state:

- every ``iter(loader)`` first draws the iterator's ``_base_seed``
  (random64() mod 2**63) from ``loader.generator``, or from the default
  generator when that is None, shuffled or not;
- with ``shuffle=True`` the RandomSampler then draws its permutation at the
  first batch (see ember.utils.data.sampler), plus one discarded randperm when
  the epoch runs to its end.

num_workers > 0 runs in-process (there are no worker processes), imitating
what PyTorch's workers do wherever it shows in the results:

- map-style datasets: the indices are taken from the sampler
  ``prefetch_factor * num_workers`` batches ahead, as PyTorch's main process
  does; batch k is loaded "by worker" k % num_workers, with that worker's own
  random state swapped in for the duration (the default generator seeded with
  ``_base_seed + worker_id``, Python's ``random`` likewise, and NumPy's global
  RandomState seeded as PyTorch seeds it), so random augmentation in
  ``__getitem__`` draws the same numbers as in PyTorch and the main process's
  generators are left alone. ``worker_init_fn(worker_id)`` runs once per
  worker under that worker's state, and ``get_worker_info()`` describes the
  worker while it loads. The dataset is the caller's object, not a copy, so
  changes a worker makes to it are seen by the others.
  ``persistent_workers=True`` keeps the worker states from epoch to epoch (and,
  as in PyTorch, draws no new ``_base_seed`` after the first epoch).
- IterableDataset: loaded in the main process as with num_workers=0 (one
  stream, no per-worker copies; get_worker_info() returns None).

timeout, pin_memory, multiprocessing_context, pin_memory_device and in_order
are accepted and checked like PyTorch's but have no effect.
"""
import collections
import collections.abc
import contextlib
import copy
import random as _py_random
import re
import types
import warnings
from dataclasses import dataclass

import numpy as np

import ember as _ember

from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info", "WorkerInfo"]

# ---------------------------------------------------------------------------
# Collation
# ---------------------------------------------------------------------------

_np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _numpy_to_tensor(data):
    return _ember.as_tensor(data)


def default_convert(data):
    """Converts NumPy arrays (and NumPy scalars) inside `data` to tensors, keeping
    the container structure: what DataLoader applies when batch_size=None."""
    elem_type = type(data)
    if isinstance(data, _ember.Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if elem_type.__name__ == "ndarray" and _np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return _numpy_to_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    """Collates a list of samples, recursing into mappings and sequences;
    `collate_fn_map` maps element types to functions f(batch, *, collate_fn_map)
    (exact type first, then the first isinstance match in insertion order)."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                              for key in elem})
                return clone
            return elem_type({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                              for key in elem})
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    return _ember.stack(list(batch), 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([_numpy_to_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    # torch.as_tensor(list of NumPy scalars) keeps the scalars' dtype.
    return _numpy_to_tensor(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return _ember.tensor(list(batch), dtype=_ember.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return _ember.tensor(list(batch))


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    _ember.Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Stacks a list of samples into a batch, as PyTorch's default_collate:
    tensors -> stacked along a new dim 0; NumPy arrays -> tensors, stacked;
    Python ints -> int64 tensor (bools -> bool tensor); Python floats -> float64
    tensor; NumPy scalars -> tensor of their dtype; str/bytes -> the list as is;
    mappings -> same mapping of collated values; namedtuples -> same namedtuple;
    other sequences -> transposed and collated element-wise (tuples give lists)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


# ---------------------------------------------------------------------------
# Worker emulation (in-process)
# ---------------------------------------------------------------------------


@dataclass
class WorkerInfo:
    """What get_worker_info() returns while a batch is loaded for worker `id`."""
    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """The WorkerInfo of the (emulated) worker loading the current batch, None
    in the main process. See DataLoader for how workers are emulated."""
    return _worker_info


def _generate_state(base_seed, worker_id):
    """The NumPy seed PyTorch's worker `worker_id` uses: four 32-bit words mixed
    from (worker_id, base_seed) with numpy.random.SeedSequence's hashing."""
    mask = 0xFFFFFFFF
    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    hash_const_a = 0x43B0D7E5

    def hash_(value):
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & mask
        hash_const_a = (hash_const_a * 0x931E8875) & mask
        value = (value * hash_const_a) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x, y):
        r = ((0xCA01F9DD * x) - (0x4973F715 * y)) & mask
        return (r ^ (r >> 16)) & mask

    pool = [hash_(e) for e in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_const_b = 0x8B51F9DD
    state = []
    for v in pool:
        v = (v ^ hash_const_b) & mask
        hash_const_b = (hash_const_b * 0x58F38DED) & mask
        v = (v * hash_const_b) & mask
        state.append((v ^ (v >> 16)) & mask)
    return state


class _Worker:
    """One emulated worker: its id, seed and saved random states."""

    def __init__(self, worker_id, num_workers, base_seed, dataset, init_fn):
        self.info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=base_seed + worker_id, dataset=dataset)
        self.states = None
        with self.active(seed_with=base_seed):
            if init_fn is not None:
                init_fn(worker_id)

    @contextlib.contextmanager
    def active(self, seed_with=None):
        """Runs the body with this worker's random states in place of the process's."""
        global _worker_info
        main = (_ember.get_rng_state(), _py_random.getstate(), np.random.get_state())
        previous_info = _worker_info
        try:
            if seed_with is not None:
                seed = self.info.seed
                _ember.manual_seed(seed)
                _py_random.seed(seed)
                np.random.seed(_generate_state(seed_with, self.info.id))
            else:
                _ember.set_rng_state(self.states[0])
                _py_random.setstate(self.states[1])
                np.random.set_state(self.states[2])
            _worker_info = self.info
            yield
        finally:
            _worker_info = previous_info
            self.states = (_ember.get_rng_state(), _py_random.getstate(), np.random.get_state())
            _ember.set_rng_state(main[0])
            _py_random.setstate(main[1])
            np.random.set_state(main[2])


# ---------------------------------------------------------------------------
# DataLoader
# ---------------------------------------------------------------------------


class _DatasetKind:
    Map = 0
    Iterable = 1


class _InfiniteConstantSampler(Sampler):
    """Yields None forever: the sampler for an IterableDataset."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    """Iterates over `dataset` in batches, as torch.utils.data.DataLoader.

    Args mirror PyTorch's: batch_size (default 1; None disables batching),
    shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory,
    drop_last, timeout, worker_init_fn, multiprocessing_context, generator,
    and keyword-only prefetch_factor, persistent_workers, pin_memory_device,
    in_order. Each ``iter(loader)`` is one epoch; ``len(loader)`` is the number
    of batches.

    num_workers > 0 does not start processes: loading runs in this process,
    imitating PyTorch's workers' random streams and index prefetching (see the
    module docstring for exactly what is and is not imitated).
    """

    # Dataset[int] etc. in annotations and base classes, as with PyTorch's Generic classes.
    __class_getitem__ = classmethod(types.GenericAlias)

    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process loading "
                             f"(num_workers > 0), but got num_workers={num_workers}")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                                 "drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0 or self._dataset_kind == _DatasetKind.Iterable:
            return _SingleProcessDataLoaderIter(self)
        return _InProcessWorkersDataLoaderIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    length = length // self.batch_size
                else:
                    length = -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


def pin_memory(data):
    """The batch with its tensors in page-locked memory (PyTorch's pin_memory
    helper): tensors, and the mappings, namedtuples, tuples and lists holding them."""
    if isinstance(data, _ember.Tensor):
        return data.pin_memory()
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        pinned = {k: pin_memory(v) for k, v in data.items()}
        try:
            return type(data)(pinned)
        except TypeError:  # a mapping type that cannot be built from a dict
            return pinned
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(pin_memory(v) for v in data))
    if isinstance(data, tuple):
        return tuple(pin_memory(v) for v in data)
    if isinstance(data, list):
        return [pin_memory(v) for v in data]
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._pin_memory = loader.pin_memory and _ember.cuda.is_available()
        if loader.pin_memory and not self._pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)
        self._collate_fn = loader.collate_fn
        # Same order as PyTorch: the sampler's iterator is created first (a
        # generator: it draws nothing yet), then _base_seed is drawn.
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = int(_ember.empty((), dtype=_ember.int64).random_(generator=loader.generator).item())
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)  # may raise StopIteration

    def _fetch_map(self, index):
        if self._auto_collation:
            getitems = getattr(self._dataset, "__getitems__", None)
            if callable(getitems):
                data = getitems(index)
            else:
                data = [self._dataset[i] for i in index]
        else:
            data = self._dataset[index]
        return self._collate_fn(data)

    def __next__(self):
        data = self._next_data()
        if self._pin_memory:
            data = pin_memory(data)
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            warnings.warn(f"Length of IterableDataset {self._dataset} was reported to be "
                          f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                          f"{self._num_yielded} samples have been fetched. ", stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._dataset_iter = iter(self._dataset) if self._dataset_kind == _DatasetKind.Iterable else None
        self._ended = False

    def _reset(self, loader):
        super()._reset(loader)
        if self._dataset_kind == _DatasetKind.Iterable:
            self._dataset_iter = iter(self._dataset)
            self._ended = False

    def _fetch_iterable(self, index):
        if self._ended:
            raise StopIteration
        if self._auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self._dataset_iter))
                except StopIteration:
                    self._ended = True
                    break
            if len(data) == 0 or (self._drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self._dataset_iter)
        return self._collate_fn(data)

    def _next_data(self):
        index = self._next_index()  # may raise StopIteration
        if self._dataset_kind == _DatasetKind.Iterable:
            return self._fetch_iterable(index)
        return self._fetch_map(index)


class _InProcessWorkersDataLoaderIter(_BaseDataLoaderIter):
    """num_workers > 0 on a map-style dataset, in this process (see the module docstring)."""

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._workers = [_Worker(i, self._num_workers, self._base_seed, self._dataset, loader.worker_init_fn)
                         for i in range(self._num_workers)]
        self._start_epoch()

    def _start_epoch(self):
        self._pending = collections.deque()  # (task number, index), in order
        self._send_idx = 0
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _reset(self, loader):
        super()._reset(loader)
        self._start_epoch()

    def _try_put_index(self):
        try:
            index = self._next_index()
        except StopIteration:
            return
        self._pending.append((self._send_idx, index))
        self._send_idx += 1

    def _next_data(self):
        if not self._pending:
            raise StopIteration
        task, index = self._pending.popleft()
        worker = self._workers[task % self._num_workers]
        with worker.active():
            data = self._fetch_map(index)
        self._try_put_index()
        return data
