"""ember.nn.functional's pooling, upsampling, group_norm and dropout2d, with
torch.nn.functional's signatures and errors. The kernels (and their backward)
are C++ (csrc/ember/ops/pool.cpp); this layer parses arguments as PyTorch's
Python layer does."""
import numbers
import warnings

from .. import _C
from .._creation import empty

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d",
    "adaptive_max_pool2d", "adaptive_max_pool2d_with_indices", "interpolate", "upsample", "group_norm", "dropout2d",
]


def _ints(v):
    """An int or a sequence of ints as a list (the C++ ops expand one value to both dims)."""
    if isinstance(v, numbers.Integral):
        return [int(v)]
    return [int(x) for x in v]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over kernel windows of (N, C, H, W) or (C, H, W); indices are flat within each H*W plane."""
    out, idx = _C._max_pool2d(input, _ints(kernel_size), [] if stride is None else _ints(stride), _ints(padding),
                              _ints(dilation), ceil_mode)
    return (out, idx) if return_indices else out


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _C._avg_pool2d(input, _ints(kernel_size), [] if stride is None else _ints(stride), _ints(padding),
                          ceil_mode, count_include_pad, divisor_override)


def _one(v, name, op):
    v = _ints(v)
    if len(v) != 1:
        raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of one int" if name != "stride"
                           else f"{op}: stride must either be omitted, a single int, or a tuple of one int")
    return v


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """(N, C, L) or (C, L): max_pool2d over a height-1 plane."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"max_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    k = _one(kernel_size, "kernel_size", "max_pool1d")
    s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) else _one(stride, "stride", "max_pool1d")
    out, idx = _C._max_pool2d(input.unsqueeze(-2), [1] + k, [1] + s, [0] + _one(padding, "padding", "max_pool1d"),
                              [1] + _one(dilation, "dilation", "max_pool1d"), ceil_mode)
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"avg_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    k = _one(kernel_size, "kernel_size", "avg_pool1d")
    s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) else _one(stride, "stride", "avg_pool1d")
    out = _C._avg_pool2d(input.unsqueeze(-2), [1] + k, [1] + s, [0] + _one(padding, "padding", "avg_pool1d"),
                         ceil_mode, count_include_pad, None)
    return out.squeeze(-2)


def _list_with_default(out_size, defaults):
    # torch.nn.modules.utils._list_with_default: None entries take the input's size
    if isinstance(out_size, numbers.Integral):
        return [int(out_size)] * 2
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, list(defaults)[-len(out_size):])]


def adaptive_avg_pool2d(input, output_size):
    """Averages over windows [floor(i*H/OH), ceil((i+1)*H/OH)) (PyTorch's adaptive windows)."""
    return _C._adaptive_avg_pool2d(input, _list_with_default(output_size, input.size()))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    out, idx = _C._adaptive_max_pool2d(input, _list_with_default(output_size, input.size()))
    return (out, idx) if return_indices else out


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _C._adaptive_max_pool2d(input, _list_with_default(output_size, input.size()))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resizes (N, C, H, W) with mode 'nearest' or 'bilinear' to `size` or by `scale_factor`,
    following torch.nn.functional.interpolate's argument rules."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    elif size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got input with "
                                 f"spatial dimensions of {list(input.shape[2:])} and output size of {size}. Please "
                                 "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if output_size is None:
        # the C++ op truncates in * scale (as a double) to the output size
        output_size = [int(float(input.size(i + 2)) * scale_factors[i]) for i in range(dim)]
        if recompute_scale_factor:
            scale_factors = None
    if antialias:
        raise NotImplementedError("ember: interpolate(antialias=True) is not supported")
    if input.dim() == 4 and mode in ("nearest", "bilinear"):
        sh, sw = scale_factors if scale_factors is not None else (None, None)
        if mode == "nearest":
            return _C._upsample_nearest2d(input, output_size, sh, sw)
        return _C._upsample_bilinear2d(input, output_size, align_corners, sh, sw)
    if mode == "bilinear" and input.dim() in (3, 5):
        raise NotImplementedError(f"Got {input.dim()}D input, but bilinear mode needs 4D input")
    if input.dim() in (3, 4, 5) and mode in ("nearest", "linear", "bilinear", "bicubic", "trilinear", "lanczos",
                                              "area", "nearest-exact"):
        raise NotImplementedError(f"ember: interpolate supports mode 'nearest' and 'bilinear' on 4D input only "
                                  f"(got mode '{mode}' on {input.dim()}D input)")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the "
                              "modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                              f"nearest-exact (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalizes each group of C/num_groups channels of each sample over those
    channels and all spatial dims (biased variance), then * weight + bias per channel."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    size = list(input.size())
    prod = size[0] * size[1] // num_groups  # _verify_batch_size([N*C//G, G, *spatial]) skips the G entry
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{[size[0] * size[1] // num_groups, num_groups] + size[2:]}")
    n, c = size[0], size[1]
    if num_groups <= 0 or c % num_groups != 0:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, but got input of shape "
                           f"{size} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            # PyTorch's bias message shows the weight's shape ([0] when there is none)
            shown = list(t.shape) if name == "weight" else (list(weight.shape) if weight is not None else [0])
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, but "
                               f"got {name} of shape {shown} and input of shape {size}")
    return _C._group_norm(input, num_groups, weight, bias, eps)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels with probability p (scaling the rest by 1/(1-p)).
    The mask is drawn as PyTorch's feature_dropout draws it: an (N, C, 1, ...)
    tensor, bernoulli_(1-p), divided by (1-p)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated and will result in "
                      "an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if inp_dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    if p == 0 or not training or input.numel() == 0:
        return input
    if inp_dim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if p == 1:
        zero = input.new_zeros(())
        return input.mul_(zero) if inplace else input * zero
    noise = empty((input.size(0), input.size(1)) + (1,) * (inp_dim - 2), dtype=input.dtype)
    noise.bernoulli_(1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise
