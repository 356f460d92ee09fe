"""torch.einsum as a composite: each operand's repeated subscripts become diagonals,
subscripts used by one operand only are summed out, and the operands are then
contracted left to right, each pair lowered to permute/reshape/bmm. Every step is
a differentiable ember op, so gradients (and double backward) come for free."""
import math

from ._C import Tensor

_ELL = "..."


def _parse_term(term, eq_offset, k):
    """Subscripts of one operand as a list of letters and at most one '...' marker."""
    labels, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != _ELL or _ELL in labels:
                raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of any ellipsis")
            labels.append(_ELL)
            i += 3
            continue
        if not c.isascii() or not c.isalpha():
            raise RuntimeError(f"einsum(): invalid subscript given at index {eq_offset + i} in the equation "
                               "string, subscripts must be in [a-zA-Z]")
        labels.append(c)
        i += 1
    return labels


def _expand_ellipsis(labels, ndim, k, n_ell_max):
    """Replaces '...' by labels (0, 1, ...) numbered from the right, shared by all operands."""
    n_named = sum(1 for s in labels if s != _ELL)
    if _ELL not in labels:
        if n_named != ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n_named}) does not match "
                               f"the number of dimensions ({ndim}) for operand {k} and no ellipsis was given")
        return labels
    if n_named > ndim:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n_named}) is more than the "
                           f"number of dimensions ({ndim}) for operand {k}")
    n_ell = ndim - n_named
    i = labels.index(_ELL)
    return labels[:i] + [("ell", n_ell_max - n_ell + j) for j in range(n_ell)] + labels[i + 1:]


def _take_diagonals(x, labels, k):
    """Collapses repeated subscripts of one operand onto a single dim (its diagonal)."""
    while True:
        seen = {}
        for d, s in enumerate(labels):
            if s in seen:
                break
            seen[s] = d
        else:
            return x, labels
        d0 = seen[s]
        if x.shape[d] != x.shape[d0]:
            raise RuntimeError(f"einsum(): subscript {s} is repeated for operand {k} but the sizes don't match, "
                               f"{x.shape[d]} != {x.shape[d0]}")
        x = x.diagonal(0, d0, d)  # the diagonal goes last
        labels = [t for j, t in enumerate(labels) if j not in (d0, d)] + [s]


def _sum_out(x, labels, keep):
    dims = [d for d, s in enumerate(labels) if s not in keep]
    if dims:
        x = x.sum(dims)
        labels = [s for s in labels if s in keep]
    return x, labels


def _contract(a, la, b, lb, keep):
    """a (subscripts la) times b (lb), summed over the shared subscripts not in `keep`."""
    a, la = _sum_out(a, la, keep | set(lb))
    b, lb = _sum_out(b, lb, keep | set(la))
    batch = [s for s in la if s in lb and s in keep]
    contr = [s for s in la if s in lb and s not in keep]
    left = [s for s in la if s not in lb]
    right = [s for s in lb if s not in la]
    size = {}
    for x, lx in ((a, la), (b, lb)):
        for d, s in enumerate(lx):
            if size.get(s, 1) == 1:
                size[s] = x.shape[d]  # a size-1 dim broadcasts against the other operand's
    a = a.permute([la.index(s) for s in batch + left + contr]).expand([size[s] for s in batch + left + contr])
    b = b.permute([lb.index(s) for s in batch + contr + right]).expand([size[s] for s in batch + contr + right])
    nb, nl, nc, nr = (math.prod(size[s] for s in g) for g in (batch, left, contr, right))
    out = a.reshape(nb, nl, nc).bmm(b.reshape(nb, nc, nr))
    labels = batch + left + right
    return out.reshape([size[s] for s in labels]), labels


def einsum(*args):
    """einsum(equation, *operands) or einsum(equation, [operands]): sums of products of the
    operands' elements over the subscripts left out of the output, in PyTorch's notation."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    equation, operands = args[0], list(args[1:])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = list(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' (position 1) must be str, not {type(equation).__name__}")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): argument 'operands' must be tuple of Tensors, but found element of type "
                            f"{type(op).__name__} at pos {i}")
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    parsed, offset = [], 0
    for k, term in enumerate(terms):
        parsed.append(_parse_term(term, offset, k))
        offset += len(term) + 1
    for k in range(1, len(operands)):
        if operands[k].dtype != operands[0].dtype:
            raise RuntimeError(f"expected scalar type {_scalar_name(operands[0].dtype)} but found "
                               f"{_scalar_name(operands[k].dtype)}")
    n_ell = max((op.dim() - sum(1 for s in p if s != _ELL) for p, op in zip(parsed, operands) if _ELL in p),
                default=0)
    labels = [_expand_ellipsis(p, op.dim(), k, n_ell) for k, (p, op) in enumerate(zip(parsed, operands))]
    ell_out = [("ell", j) for j in range(n_ell)]
    if arrow:
        out = _parse_term(rhs, len(lhs) + 2, len(operands))
        out_labels = []
        for s in out:
            if s == _ELL:
                out_labels += ell_out
                continue
            if s in out_labels:
                raise RuntimeError(f"einsum(): output subscript {s} appears more than once in the output")
            if not any(s in ls for ls in labels):
                raise RuntimeError(f"einsum(): output subscript {s} does not appear in the equation for any input "
                                   "operand")
            out_labels.append(s)
    else:
        counts = {}
        for ls in labels:
            for s in set(ls):
                if isinstance(s, str):
                    counts[s] = counts.get(s, 0) + sum(1 for t in ls if t == s)
        out_labels = ell_out + sorted(s for s, c in counts.items() if c == 1)

    xs = []
    for k, (op, ls) in enumerate(zip(operands, labels)):
        xs.append(_take_diagonals(op, list(ls), k))
    # sizes must agree (or broadcast from 1) across operands
    seen = {}
    for k, (op, ls) in enumerate(xs):
        for d, s in enumerate(ls):
            n = op.shape[d]
            if s in seen and n != seen[s] and n != 1 and seen[s] != 1 and isinstance(s, str):
                raise RuntimeError(f"einsum(): subscript {s} has size {n} for operand {k} which does not broadcast "
                                   f"with previously seen size {seen[s]}")
            if s in seen and n != seen[s] and n != 1 and seen[s] != 1:
                raise RuntimeError("einsum(): operands do not broadcast with remapped shapes (original->remapped): "
                                   + " ".join(str(list(o.shape)) for o in operands))
            if s not in seen or seen[s] == 1:
                seen[s] = n

    keep_out = set(out_labels)
    x, lx = xs[0]
    for i in range(1, len(xs)):
        later = set(keep_out)
        for _, ls in xs[i + 1:]:
            later |= set(ls)
        x, lx = _contract(x, lx, xs[i][0], xs[i][1], later)
    x, lx = _sum_out(x, lx, keep_out)
    perm = [lx.index(s) for s in out_labels]
    if perm != list(range(len(perm))):
        return x.permute(perm)
    return x.view(list(x.shape)) if any(x is op for op in operands) else x  # a new tensor, as in PyTorch


def _scalar_name(dtype):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool",
            "float16": "Half", "bfloat16": "BFloat16"}.get(str(dtype).split(".")[-1], str(dtype))
