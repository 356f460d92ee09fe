"""Parameter (a Tensor that a Module registers as learnable) and Buffer."""
from .._C import Tensor
from .._creation import empty


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning one to a Module attribute
    registers it. Parameter(t) aliases t's storage as a new leaf (as PyTorch's
    _make_subclass), requires_grad defaulting to True even under no_grad."""

    def __new__(cls, data=None, requires_grad=True):
        return Tensor.__new__(cls)

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        Tensor.__init__(self, data)
        self.requires_grad_(requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__


class _BufferMeta(type(Tensor)):
    # isinstance(t, Buffer) is True for the plain tensors Buffer() returns.
    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor as a buffer when assigned to a Module attribute:
    `self.stats = Buffer(t, persistent=False)`. Returns a detached plain tensor."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t
