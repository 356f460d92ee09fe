"""Samplers, as in torch.utils.data.sampler, drawing PyTorch's random numbers.

RandomSampler without a generator takes, lazily at the first next() of each
iteration, seed = random64() mod 2**63 from the default generator and shuffles
with randperm(n) on a private Generator().manual_seed(seed); with a generator
it calls randperm(n) on it directly. Like PyTorch's generator-function
implementation, it calls randperm(n) once more (results discarded) when an
iteration runs past its last index, so a seeded generator advances exactly as
on PyTorch, epoch after epoch.

WeightedRandomSampler draws ember.multinomial(weights, num_samples,
replacement, generator) lazily, at the first next() of each iteration, which
draws PyTorch's samples (float64 weights).
"""
import itertools
import types

import ember as _ember

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    """Base class: subclasses provide __iter__ over indices (or lists of indices),
    and usually __len__."""

    # Dataset[int] etc. in annotations and base classes, as with PyTorch's Generic classes.
    __class_getitem__ = classmethod(types.GenericAlias)

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _seeded_private_generator():
    """PyTorch's RandomSampler seeding: random64() mod 2**63 from the default
    generator, then a fresh Generator seeded with it."""
    seed = int(_ember.empty((), dtype=_ember.int64).random_().item())
    return _ember.Generator().manual_seed(seed)


class RandomSampler(Sampler):
    """Random order of the indices of data_source (a permutation per pass), or,
    with replacement=True, num_samples indices drawn uniformly with replacement."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = _seeded_private_generator() if self.generator is None else self.generator
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from _ember.randint(n, size=(32,), dtype=_ember.int64, generator=generator).tolist()
            yield from _ember.randint(n, size=(self.num_samples % 32,), dtype=_ember.int64,
                                      generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from _ember.randperm(n, generator=generator).tolist()
            # Always drawn, even when num_samples % n == 0 (PyTorch does the same).
            yield from _ember.randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (randperm(len(indices)) on generator,
    the default generator when None)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in _ember.randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices in [0, len(weights)), index i drawn with probability
    weights[i] / sum(weights) (without replacement: each at most once)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = _ember.as_tensor(weights, dtype=_ember.float64)
        if weights.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        yield from _ember.multinomial(self.weights, self.num_samples, self.replacement,
                                      generator=self.generator).tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last one
    shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        sampler_iter = iter(self.sampler)
        if self.drop_last:
            # zip pulls one index past the end, exactly as PyTorch's does: that
            # is what makes RandomSampler draw its trailing randperm.
            args = [sampler_iter] * self.batch_size
            for batch in zip(*args):
                yield [*batch]
        else:
            batch = [*itertools.islice(sampler_iter, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(sampler_iter, self.batch_size)]

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
