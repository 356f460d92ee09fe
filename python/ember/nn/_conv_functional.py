"""F.conv1d / conv2d / conv_transpose2d: argument handling over _C.conv2d and
_C.conv_transpose2d (ops/conv.cpp). conv1d runs as a conv2d of height 1."""
import numbers

from .. import _C

__all__ = ["conv1d", "conv2d", "conv_transpose2d"]


def _ntuple(v, n, name):
    if isinstance(v, numbers.Integral):
        return [int(v)] * n
    v = [int(e) for e in v]
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={v}")
    return v


def _same_padding(weight_spatial, dilation, stride):
    """PyTorch's padding='same': total d*(k-1) per dim, the odd extra one on the far side.
    Returns (symmetric padding, extra) per dim: the extra is a zero-padded copy of the input, as PyTorch."""
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for d, k in zip(dilation, weight_spatial)]
    return [t // 2 for t in total], [t % 2 for t in total]


def _resolve_padding(padding, n, weight, dilation, stride):
    if isinstance(padding, str):
        if padding == "valid":
            return [0] * n, [0] * n
        if padding == "same":
            return _same_padding(list(weight.shape[2:]), dilation, stride)
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    return _ntuple(padding, n, "padding"), [0] * n


def _pad(x, pad):
    from .functional import pad as f_pad
    return f_pad(x, pad)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    stride, dilation = _ntuple(stride, 2, "stride"), _ntuple(dilation, 2, "dilation")
    pad, extra = _resolve_padding(padding, 2, weight, dilation, stride)
    if any(extra):
        input = _pad(input, [0, extra[1], 0, extra[0]])
    return _C.conv2d(input, weight, bias, stride, pad, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if input.dim() not in (2, 3):
        raise RuntimeError("Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(input.shape)}")
    if weight.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional weight for 3-dimensional input {list(input.shape)}, but got "
                           f"{weight.dim()}-dimensional weight of size {list(weight.shape)} instead")
    stride, dilation = _ntuple(stride, 1, "stride"), _ntuple(dilation, 1, "dilation")
    pad, extra = _resolve_padding(padding, 1, weight, dilation, stride)
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    if groups > 0 and weight.shape[0] % groups == 0 and x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {x.shape[1]} "
                           "channels instead")
    padded, span = x.shape[2] + 2 * pad[0], dilation[0] * (weight.shape[2] - 1) + 1
    if padded < span:
        raise RuntimeError(f"Calculated padded input size per channel: ({padded}). Kernel size: ({span}). "
                           "Kernel size can't be greater than actual input size")
    if extra[0]:
        x = _pad(x, [0, extra[0]])
    out = _C.conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, [1, stride[0]], [0, pad[0]], [1, dilation[0]],
                    groups).squeeze(2)
    return out if batched else out.squeeze(0)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _C.conv_transpose2d(input, weight, bias, _ntuple(stride, 2, "stride"), _ntuple(padding, 2, "padding"),
                               _ntuple(output_padding, 2, "output_padding"), groups, _ntuple(dilation, 2, "dilation"))
