"""nn.functional ops composed from ember ops: hardsigmoid, hardswish, prelu, cosine_similarity,
pairwise_distance, pixel_shuffle and pixel_unshuffle (autograd and devices come for free)."""
from .. import _C

__all__ = ["hardsigmoid", "hardswish", "prelu", "cosine_similarity", "pairwise_distance", "pixel_shuffle",
           "pixel_unshuffle"]


def _floating(name, input):
    if not input.is_floating_point():
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_C._dtype_short_name(input.dtype)}'")


def _result(input, out, inplace):
    return input.copy_(out) if inplace else out


def hardsigmoid(input, inplace=False):
    """0 below -3, 1 above 3, (x + 3) / 6 between; the gradient is 1/6 strictly inside (-3, 3)."""
    _floating("hardsigmoid", input)
    zero = input * 0
    out = _C.where(input <= -3, zero, _C.where(input >= 3, zero + 1, (input + 3) / 6))
    return _result(input, out, inplace)


def hardswish(input, inplace=False):
    """x * hardsigmoid(x): 0 below -3, x above 3, x * (x + 3) / 6 between (PyTorch's gradient at +-3)."""
    _floating("hardswish", input)
    zero = input * 0
    out = _C.where(input <= -3, zero, _C.where(input >= 3, input, input * (input + 3) / 6))
    return _result(input, out, inplace)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), with one weight or one per channel (dim 1; dim 0 of a 1-d input)."""
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                               f"and channel size = {channels}.")
        shape = [1] * input.dim()
        shape[1] = n
        w = weight.reshape(shape)
    else:
        w = weight.reshape([1] * input.dim()) if input.dim() else weight.reshape([])
    return _C.where(input > 0, input, w * input)


def _broadcast_pair(a, b):
    """The shape a and b broadcast to; PyTorch's message for a binary op when they do not."""
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + list(a), [1] * (n - len(b)) + list(b)
    for i in reversed(range(n)):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                               f"non-singleton dimension {i}")
    return [x if x != 1 else y for x, y in zip(a, b)]


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over `dim`, after broadcasting x1 and x2."""
    shape = _broadcast_pair(x1.shape, x2.shape)
    x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps over the last dim."""
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


def _check_pixel_args(input, r, op, factor):
    """The checks pixel_shuffle and pixel_unshuffle share, in PyTorch's words."""
    if input.dim() < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{op} expects a positive {factor}, but got {r}")


def pixel_shuffle(input, upscale_factor):
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r)."""
    r = upscale_factor
    _check_pixel_args(input, r, "pixel_shuffle", "upscale_factor")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    nb = len(batch)
    x = input.reshape(batch + [c // (r * r), r, r, h, w])
    x = x.permute(list(range(nb)) + [nb, nb + 3, nb + 1, nb + 4, nb + 2])
    return x.reshape(batch + [c // (r * r), h * r, w * r])


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W), the inverse of pixel_shuffle."""
    r = downscale_factor
    _check_pixel_args(input, r, "pixel_unshuffle", "downscale_factor")
    *batch, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    nb = len(batch)
    x = input.reshape(batch + [c, h // r, r, w // r, r])
    x = x.permute(list(range(nb)) + [nb, nb + 2, nb + 4, nb + 1, nb + 3])
    return x.reshape(batch + [c * r * r, h // r, w // r])
