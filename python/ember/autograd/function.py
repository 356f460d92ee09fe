"""Custom differentiable ops from Python: subclass Function with static
forward(ctx, ...) and backward(ctx, *grads)."""
from .. import _C
from .._C import Tensor
from .grad_mode import no_grad

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
          "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
          "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
          "you need to access saved tensors after calling backward.")


class FunctionCtx:
    def __init__(self):
        self._saved = ()
        self._versions = ()
        self._released = False
        self._non_differentiable = set()
        self._dirty = set()
        self.materialize_grads = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._versions = tuple(t._version if isinstance(t, Tensor) else None for t in tensors)

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(_FREED)
        for t, v in zip(self._saved, self._versions):
            if isinstance(t, Tensor) and t._version != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{t.type()} {list(t.shape)}], is at version {t._version}; expected version {v} "
                    "instead.")
        return self._saved

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self.materialize_grads = value

    def _release(self):
        self._saved = ()
        self._released = True


class Function:
    """As torch.autograd.Function: call `MyFn.apply(*args)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            outputs = cls.forward(ctx, *args, **kwargs)
        if not (_C.is_grad_enabled() and any(ctx.needs_input_grad)):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        # An input returned as is gets a new tensor object: its own history must not be overwritten.
        outs = tuple(o.detach() if isinstance(o, Tensor) and any(o is a for a in args) and id(o) not in ctx._dirty
                     else o for o in outs)
        recorded = [o if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable and o.is_floating_point()
                    else None for o in outs]
        shapes = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs]
        n_inputs = len(args)

        def backward_fn(*grads):
            if ctx.materialize_grads:
                grads = tuple(g if g is not None or s is None else _C._full(list(s[0]), 0, s[1], None)
                              for g, s in zip(grads, shapes))
            result = cls.backward(ctx, *grads)
            if not isinstance(result, tuple):
                result = (result,)
            if len(result) != n_inputs:
                raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number of gradients "
                                   f"(expected {n_inputs}, got {len(result)})")
            return tuple(r if isinstance(r, Tensor) else None for r in result)

        inputs = [a if isinstance(a, Tensor) else None for a in args]
        _C._record_function(cls.__name__ + "Backward", backward_fn, inputs, recorded, ctx._release)
        return outs[0] if single else outs


class once_differentiable:
    def __new__(cls, fn):
        return fn
