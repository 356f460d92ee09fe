"""gradcheck / gradgradcheck: analytical gradients (autograd) against float64
central differences, one input element at a time."""
import numpy as np

from .. import _C
from .._C import Tensor
from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _numerical_jacobian(fn, inputs, output_index, eps):
    """Columns: d output / d input element, by central differences."""
    jac = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            jac.append(None)
            continue
        view = t.detach()  # shares t's storage, whatever its strides
        cols = []
        for k in range(t.numel()):
            # Perturb in place without recording; evaluate with grad mode as the
            # caller has it (fn may itself differentiate, as in gradgradcheck).
            idx = tuple(int(i) for i in np.unravel_index(k, tuple(t.shape))) if t.dim() else ()
            orig = view[idx].item()
            with no_grad():
                view[idx] = orig - eps
            lo = _as_tuple(fn(*inputs))[output_index].detach().clone().reshape(-1)
            with no_grad():
                view[idx] = orig + eps
            hi = _as_tuple(fn(*inputs))[output_index].detach().clone().reshape(-1)
            with no_grad():
                view[idx] = orig
            cols.append(((hi - lo) / (2 * eps)).tolist())
        jac.append(cols)  # [input element][output element]
    return jac


def _analytical_jacobian(fn, inputs, output_index):
    out = _as_tuple(fn(*inputs))[output_index]
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    rows = []  # [output element][input][input element]
    flat_n = out.numel()
    for j in range(flat_n):
        grad_out = _C._full(list(out.shape), 0, out.dtype, None)
        grad_out.reshape(-1)[j] = 1.0
        if not out.requires_grad:
            rows.append([[0.0] * t.numel() for t in diff_inputs])
            continue
        grads = _C._grad([out], [grad_out], diff_inputs, True, False, True)
        rows.append([g.reshape(-1).tolist() if g is not None else [0.0] * t.numel()
                     for g, t in zip(grads, diff_inputs)])
    return rows, diff_inputs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **kwargs):
    inputs = _as_tuple(inputs)
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad and t.dtype != _C.float64:
            import warnings
            warnings.warn("Input #0 requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision floating point. ")
    n_out = len(_as_tuple(func(*inputs)))
    for oi in range(n_out):
        numerical = _numerical_jacobian(func, inputs, oi, eps)
        analytical, diff_inputs = _analytical_jacobian(func, inputs, oi)
        di = 0
        for idx, t in enumerate(inputs):
            if not (isinstance(t, Tensor) and t.requires_grad):
                continue
            for k in range(t.numel()):
                for j in range(len(analytical)):
                    a = analytical[j][di][k]
                    n = numerical[idx][k][j]
                    if abs(a - n) > atol + rtol * abs(n):
                        if not raise_exception:
                            return False
                        raise GradcheckError(
                            f"Jacobian mismatch for output {oi} with respect to input {idx},\n"
                            f"numerical:{n}\nanalytical:{a}\n(input element {k}, output element {j})")
            di += 1
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  **kwargs):
    inputs = _as_tuple(inputs)
    outputs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        from .._creation import randn_like
        gen_state = _C.default_generator()._get_state_bytes()
        grad_outputs = tuple(randn_like(o, dtype=o.dtype).requires_grad_(True) for o in outputs)
        _C.default_generator()._set_state_bytes(gen_state)
    grad_outputs = _as_tuple(grad_outputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_grads(*args):
        ins, gos = args[:len(inputs)], args[len(inputs):]
        outs = _as_tuple(func(*ins))
        diff = [ins[i] for i in diff_idx]
        gs = _C._grad(list(outs), list(gos), diff, True, True, True)
        return tuple(g if g is not None else _C._full(list(d.shape), 0, d.dtype, None) for g, d in zip(gs, diff))

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
