"""jacobian and hessian (as torch.autograd.functional), built on autograd.grad."""
from .. import _C
from .._C import Tensor


def _tuple(x):
    return ((x,), True) if isinstance(x, Tensor) else (tuple(x), False)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    inputs, single_in = _tuple(inputs)
    inputs = tuple(t.detach().requires_grad_(True) if not t.requires_grad or not create_graph else t for t in inputs)
    outputs = func(*inputs)
    outputs, single_out = _tuple(outputs)
    result = []
    for out in outputs:
        per_input = [[] for _ in inputs]
        flat = out.reshape(-1)
        for j in range(flat.numel()):
            if not out.requires_grad:
                grads = (None,) * len(inputs)
            else:
                grads = _C._grad([flat[j]], [None], list(inputs), True, create_graph, True)
            for i, (g, t) in enumerate(zip(grads, inputs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {len(result)} of the user-provided function is independent of "
                                           f"input {i}. This is not allowed in strict mode.")
                    g = _C._full(list(t.shape), 0, t.dtype, None)
                per_input[i].append(g)
        blocks = []
        for i, t in enumerate(inputs):
            stacked = _C.stack(per_input[i]) if per_input[i] else _C._empty([0] + list(t.shape), t.dtype, None)
            blocks.append(stacked.reshape(list(out.shape) + list(t.shape)))
        result.append(blocks[0] if single_in else tuple(blocks))
    return result[0] if single_out else tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    inputs_t, single_in = _tuple(inputs)

    def grad_fn(*args):
        out = func(*args)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single element Tensor")
        gs = _C._grad([out.reshape([])], [None], list(args), True, True, True)
        gs = tuple(g if g is not None else _C._full(list(a.shape), 0, a.dtype, None) for g, a in zip(gs, args))
        return gs[0] if single_in else gs

    return jacobian(grad_fn, inputs_t[0] if single_in else inputs_t, create_graph=create_graph, strict=strict)
