"""ember.nn.functional (conventionally F): layers, activations and losses as
functions, with torch.nn.functional's signatures, formulas and errors.

Everything is composed from ember ops that carry their own backward, so
gradients (and double backward) come from the autograd engine; the few places
where a plain composition would give a different gradient from PyTorch's at
some input (log_sigmoid at 0, where-branches that overflow, BCE at 0 and 1)
say so where they are written."""
import math
import numbers
import warnings

import numpy as np

from .. import _C
from .._creation import arange, empty_like, ones, tensor as _tensor, zeros
from ..amp.autocast_mode import _float32
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad

__all__ = [
    "linear", "identity", "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "gelu",
    "silu", "mish", "sigmoid", "tanh", "hardtanh", "softsign", "tanhshrink", "logsigmoid", "softmax", "softmin",
    "log_softmax", "softplus", "dropout", "embedding", "layer_norm", "batch_norm", "normalize", "one_hot", "pad",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "conv1d", "conv2d", "conv_transpose2d", "glu",
]

from ._conv_functional import conv1d, conv2d, conv_transpose2d  # noqa: E402


# ---- reductions (torch/nn/_reduction.py) ----
def _get_enum(reduction):
    if reduction == "none":
        return 0
    if reduction == "mean":
        return 1
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=3)
        return 1
    if reduction == "sum":
        return 2
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_get_string(size_average, reduce, emit_warning=True):
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                      stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction):
    """The validated reduction string ('none', 'mean' or 'sum')."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    return ("none", "mean", "sum")[_get_enum(reduction)]


def _apply_reduction(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_size(input, target):
    if not input._same_shape(target):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


# ---- linear ----
def linear(input, weight, bias=None):
    """y = input @ weight.T + bias; one GEMM (addmm) for 2-D input."""
    return _C.linear(input, weight, bias)


def identity(input):
    return input


# ---- activations ----
def _inplace(input, result):
    """Writes result into input (for the inplace= variants); autograd rebases
    input's history onto the copy, as PyTorch's in-place activations do."""
    return input.copy_(result)


def relu(input, inplace=False):
    return input.relu_() if inplace else _C.relu(input)


def relu_(input):
    return input.relu_()


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val) with PyTorch's gradient: 0 at the bounds
    themselves (clamp's is 1 there), 1 for NaN."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if not input.is_floating_point():  # integers are clamped to the bounds truncated, as PyTorch
        if input.dtype == _C.bool:
            raise RuntimeError("Bool inputs not supported for hardtanh")
        return input.clamp_(int(min_val), int(max_val)) if inplace else input.clamp(int(min_val), int(max_val))
    result = _C.where(input <= min_val, min_val, _C.where(input >= max_val, max_val, input))
    return _inplace(input, result) if inplace else result


def leaky_relu(input, negative_slope=0.01, inplace=False):
    # where(x > 0, x, slope * x): slope at exactly 0, as PyTorch's backward (x > 0 ? g : g * slope)
    result = _C.where(input > 0, input, input * negative_slope)
    return _inplace(input, result) if inplace else result


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def elu(input, alpha=1.0, inplace=False):
    result = _C.where(input > 0, input, input.expm1() * alpha)
    return _inplace(input, result) if inplace else result


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


_SQRT1_2 = 0.70710678118654752440
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(input, approximate="none"):
    if approximate == "none":
        return input * ((input * _SQRT1_2).erf() + 1.0) * 0.5
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * _SQRT_2_OVER_PI
        return input * (inner.tanh() + 1.0) * 0.5
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input, inplace=False):
    if inplace:  # the product saves its operands: compute from a copy, then overwrite input
        return _inplace(input, silu(input.clone()))
    return input * _C.sigmoid(input)


def mish(input, inplace=False):
    if inplace:
        return _inplace(input, mish(input.clone()))
    return input * softplus(input).tanh()


def glu(input, dim=-1):
    """The gated linear unit: input split in halves a, b along `dim`, a * sigmoid(b)."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = input.size(dim)
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()} is size {n}")
    if not input.is_floating_point():
        raise NotImplementedError(f'"glu_cpu" not implemented for \'{_type_name(input.dtype)}\'')
    return input.narrow(dim, 0, n // 2) * _C.sigmoid(input.narrow(dim, n // 2, n // 2))


def sigmoid(input):
    return _C.sigmoid(input)


def tanh(input):
    return _C.tanh(input)


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def logsigmoid(input):
    """log(sigmoid(x)) without overflow: x - log1p(exp(x)) for x < 0, -log1p(exp(-x))
    otherwise. z = -|x| is written as where(x < 0, x, -x) so that its gradient at
    x = 0 is -1, which makes d/dx = 1/2 there, as PyTorch (|x| would give 0)."""
    neg = input < 0
    z = _C.where(neg, input, -input)
    return _C.where(neg, input, 0.0) - z.exp().log1p()


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold. The exp branch
    sees beta x clamped to threshold so that the unused branch never overflows
    (inf there would turn its zero gradient into NaN)."""
    scaled = input * beta if beta != 1 else input
    soft = scaled.clamp(max=threshold).exp().log1p()
    if beta != 1:
        soft = soft / beta
    return _C.where(scaled > threshold, input, soft)


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
                  "argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _C.softmax(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _C.softmax(-input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _C.log_softmax(input, dim)


# ---- dropout ----
def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes each element with probability p and scales the rest by 1/(1-p).
    The mask is drawn as PyTorch draws it (RNG-NOTES section 7): bernoulli_(1-p)
    on a new tensor like input, divided by (1-p) in input's dtype."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:  # no draws, as PyTorch
        zero = input.new_zeros(())
        return input.mul_(zero) if inplace else input * zero
    noise = empty_like(input).bernoulli_(1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


# ---- embedding ----
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """weight[input]: rows of weight gathered by an integer index tensor of any shape."""
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    if input.dtype not in (_C.int64, _C.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)")
    if sparse:
        raise NotImplementedError("sparse gradients (Embedding(sparse=True)) are not supported by ember")
    flat = input.reshape(-1)
    if flat.numel():
        lo, hi = _index_range(flat)
        if lo < 0 or hi >= weight.size(0):
            raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm_(weight, flat, max_norm, norm_type)
    out = weight.index_select(0, flat).reshape(tuple(input.shape) + (weight.size(1),))
    if not (weight.requires_grad and _C.is_grad_enabled()):
        return out
    if padding_idx is not None:
        # the padding row's value is returned but receives no gradient
        keep = (input != padding_idx).unsqueeze(-1)
        out = _C.where(keep, out, out.detach())
    if scale_grad_by_freq:
        # each looked-up row's gradient divided by how often the batch looks it up (a scatter_add count)
        with no_grad():
            hits = ones(flat.shape, dtype=_C.float64, device=flat.device)
            counts = zeros(weight.size(0), dtype=_C.float64, device=flat.device).scatter_add(0, flat, hits)
            scale = (1.0 / counts.index_select(0, flat)).to(out.dtype).reshape(tuple(input.shape) + (1,))
        out.register_hook(lambda g: g * scale)
    return out


def _index_range(indices):
    """(min, max) of a non-empty integer tensor as Python ints: one read-back on any device."""
    lo, hi = _C.stack([indices.amin(), indices.amax()]).tolist()
    return lo, hi


def _embedding_renorm_(weight, indices, max_norm, norm_type):
    # rows that are looked up and whose norm exceeds max_norm are scaled in place to max_norm; a row looked up
    # several times is computed and written once per lookup, the same values each time
    with no_grad():
        rows = weight.index_select(0, indices)
        norms = rows.norm(norm_type, dim=1, keepdim=True)
        scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight.scatter_(0, indices.unsqueeze(1).expand(-1, weight.size(1)), rows * scale)


# ---- normalization ----
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) over the last len(normalized_shape) dims
    (biased variance), then * weight + bias."""
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    shape = tuple(normalized_shape)
    n = len(shape)
    if not input.is_floating_point():
        raise NotImplementedError(f"\"LayerNormKernelImpl\" not implemented for '{_C._dtype_short_name(input.dtype)}'")
    if n == 0 or input.dim() < n or tuple(input.shape[input.dim() - n:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(shape)}")
    input, weight, bias = _float32(input, weight, bias, cuda_only=True)  # autocast: float32 on CUDA
    if input.dtype in (_C.float16, _C.bfloat16):  # computed in float32 and rounded once, as PyTorch
        as32 = [None if t is None else t.float() for t in (weight, bias)]
        return layer_norm(input.float(), shape, as32[0], as32[1], eps).to(input.dtype)
    dims = tuple(range(-n, 0))
    mean = input.mean(dims, keepdim=True)
    var = input.var(dims, keepdim=True, correction=0)
    out = (input - mean) * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _verify_batch_size(size):
    size_prods = size[0]
    for i in range(len(size) - 2):
        size_prods *= size[i + 2]
    if size_prods == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalizes each channel (dim 1) over the batch and the other dims.

    training: batch statistics (biased variance) normalize; the running stats,
    when given, move by momentum towards the batch mean and the *unbiased*
    batch variance. Otherwise the running stats normalize."""
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or higher input to batch_norm (got {input.dim()}D input)")
    c = input.size(1)
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode")
    return _C._batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    result = input / denom
    if out is not None:
        return out.copy_(result)
    return result


# ---- one_hot, pad ----
def one_hot(tensor, num_classes=-1):
    if tensor.dtype != _C.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        lo, hi = _index_range(tensor)
        if lo < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == arange(num_classes, device=tensor.device)).long()


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad)//2 dims: pad = (last_left, last_right, 2nd_last_left, ...).
    constant (negative pads crop), reflect, replicate, circular."""
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    if mode == "constant":
        return _pad_constant(input, pad, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    out = input
    for k in range(len(pad) // 2):
        d = input.dim() - 1 - k
        left, right = pad[2 * k], pad[2 * k + 1]
        size = out.size(d)
        idx = np.arange(-left, size + right)
        if mode == "reflect":
            if left >= size or right >= size:
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({left}, {right}) at dimension {d} of input "
                                   f"{list(input.shape)}")
            period = 2 * (size - 1)
            idx = np.abs(idx) % period if period else np.zeros_like(idx)
            idx = np.where(idx >= size, period - idx, idx)
        elif mode == "replicate":
            idx = np.clip(idx, 0, size - 1)
        else:
            if left > size or right > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            idx = idx % size
        out = out.index_select(d, _tensor(idx, dtype=_C.int64, device=out.device))
    return out


def _pad_constant(input, pad, value):
    shape = list(input.shape)
    src = input
    slices = [slice(None)] * input.dim()
    for k in range(len(pad) // 2):
        d = input.dim() - 1 - k
        left, right = pad[2 * k], pad[2 * k + 1]
        # negative pads crop the input first
        lo, hi = max(-left, 0), max(-right, 0)
        if lo or hi:
            length = src.size(d) - lo - hi
            if length < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
            src = src.narrow(d, lo, length)
        shape[d] = src.size(d) + max(left, 0) + max(right, 0)
        slices[d] = slice(max(left, 0), max(left, 0) + src.size(d))
    out = src.new_full(shape, value)
    if out.numel():
        out[tuple(slices)] = src
    return out


# ---- losses ----
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    input, target = _float32(input, target)  # autocast: float32 (so the losses below)
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if not (input.is_floating_point() or target.is_floating_point()):
        raise NotImplementedError(f"\"mse_cpu\" not implemented for '{_C._dtype_short_name(input.dtype)}'")
    loss = (input - target).square()
    return _weighted_reduce(loss, input, weight, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    input, target = _float32(input, target)
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    loss = (input - target).abs()
    return _weighted_reduce(loss, input, weight, reduction)


def _weighted_reduce(loss, input, weight, reduction):
    if weight is None:
        return _apply_reduction(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return _apply_reduction(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    input, target = _float32(input, target)
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0: L1)."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    ad = d.abs()
    if beta == 0.0:
        return _apply_reduction(ad, reduction)
    loss = _C.where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta)
    return _apply_reduction(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    input, target = _float32(input, target)
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    _warn_size(input, target)
    reduction = ("none", "mean", "sum")[_get_enum(reduction)]
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - target
    ad = d.abs()
    loss = _C.where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        loss = loss * weight  # 'mean' is the plain mean here, unlike mse/l1 (PyTorch)
    return _apply_reduction(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-input[n, target[n]] * weight[target[n]], ignoring target == ignore_index;
    'mean' divides by the summed weights of the targets that count."""
    reduction = _reduction(size_average, reduce, reduction)
    return _C._nll_loss(input, target, weight, reduction, ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over the class dim (1, or 0 for unbatched input), then
    class-index targets: nll_loss, blended with the uniform-target loss when
    label_smoothing > 0; class-probability targets (same shape as input):
    -sum(target * log_softmax), 'mean' dividing by the number of samples."""
    input, target, weight = _float32(input, target, weight)  # autocast: float32
    reduction = _reduction(size_average, reduce, reduction)
    class_dim = 0 if input.dim() == 1 else 1
    if tuple(input.shape) == tuple(target.shape):
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{_type_name(target.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_prob(input, target, weight, reduction, label_smoothing, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        return _cross_entropy_smooth(input, target, weight, reduction, ignore_index, label_smoothing, class_dim)
    return _C._nll_loss(_C.log_softmax(input, class_dim), target, weight, reduction, ignore_index)


def _type_name(dtype):
    return {_C.int64: "Long", _C.int32: "Int", _C.bool: "Bool", _C.float32: "Float",
            _C.float64: "Double"}.get(dtype, str(dtype))


def _class_weight(weight, ndim, class_dim):
    shape = [1] * ndim
    shape[class_dim] = weight.size(0)
    return weight.reshape(shape)


def _cross_entropy_prob(input, target, weight, reduction, label_smoothing, class_dim):
    n_classes = input.size(class_dim)
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    logp = _C.log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        target = target * (1 - label_smoothing) + (label_smoothing / n_classes)
    prod = logp * target
    if weight is not None:
        prod = prod * _class_weight(weight, input.dim(), class_dim)
    if reduction == "none":
        return -prod.sum(class_dim)
    total = -prod.sum()
    if reduction == "sum":
        return total
    if input.numel() == 0:
        return total * float("nan")
    return total / (input.numel() // n_classes)


def _cross_entropy_smooth(input, target, weight, reduction, ignore_index, label_smoothing, class_dim):
    n_classes = input.size(class_dim)
    logp = _C.log_softmax(input, class_dim)
    nll = _C._nll_loss(logp, target, weight, reduction, ignore_index)
    ignore_mask = target == ignore_index
    if weight is not None:
        smooth = -(logp * _class_weight(weight, input.dim(), class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignore_mask, 0.0)
    if reduction == "mean":
        if weight is not None:
            ret = smooth.sum() / weight.gather(0, target.masked_select(~ignore_mask).flatten()).sum()
        else:
            ret = smooth.sum() / (~ignore_mask).sum()
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / n_classes)


class _BinaryCrossEntropy(Function):
    """Elementwise -w (t log x + (1 - t) log(1 - x)), each log clamped to >= -100.
    Backward is PyTorch's: g w (x - t) / max(x (1 - x), 1e-12) for x (finite at
    x = 0 or 1, where differentiating the clamped logs would give another value),
    and g w (log(1 - x) - log x), logs clamped, for t."""

    @staticmethod
    def forward(ctx, input, target, weight):
        log_x = input.log().clamp(min=-100)
        log_1mx = (1 - input).log().clamp(min=-100)
        loss = -(target * log_x + (1 - target) * log_1mx)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(input, target, weight)
        return loss

    @staticmethod
    def backward(ctx, grad):
        input, target, weight = ctx.saved_tensors
        if weight is not None:
            grad = grad * weight
        grad_input = grad_target = None
        if ctx.needs_input_grad[0]:
            grad_input = grad * (input - target) / ((1 - input) * input).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            grad_target = grad * ((1 - input).log().clamp(min=-100) - input.log().clamp(min=-100))
        return grad_input, grad_target, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    if _C.is_autocast_enabled("cuda") and input.device.type == "cuda":
        raise RuntimeError(
            "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
            "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
            "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
            "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
            "safe to autocast.")
    input, target, weight = _float32(input, target, weight)  # autocast (CPU): float32
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                         "is deprecated. Please ensure they have the same size.")
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_type_name(target.dtype)} but expected {_type_name(input.dtype)}")
    if input.numel() and not bool(((input >= 0) & (input <= 1)).all()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if target.numel() and not bool(((target >= 0) & (target <= 1)).all()):
        raise RuntimeError("all elements of target should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(_C.broadcast_shapes(target.shape, weight.shape))
    return _apply_reduction(_BinaryCrossEntropy.apply(input, target, weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """(1 - t) x - log_sigmoid(x) * (1 + (pos_weight - 1) t), times weight:
    PyTorch's formula, stable for any x."""
    input, target, weight, pos_weight = _float32(input, target, weight, pos_weight)  # autocast: float32
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    log_sig = logsigmoid(input)
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return _apply_reduction(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise target * (log target - input) (0 where target = 0), or with
    log_target exp(target) * (target - input). 'batchmean' sums and divides by
    input.size(0); 'mean' divides by the element count (and warns, as PyTorch)."""
    input, target = _float32(input, target)  # autocast: float32
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        if reduction != "batchmean":
            _get_enum(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy(t, t): log of 1 where t == 0 keeps the unused branch (and its gradient) finite
        safe = _C.where(target == 0, 1.0, target)
        loss = target * safe.log() - target * input
    if reduction == "batchmean":
        loss = loss.sum()
        return loss / input.size(0) if input.dim() != 0 else loss
    return _apply_reduction(loss, reduction)


# ---- pooling, upsampling, group_norm, dropout2d (nn/_functional_pool.py) ----
from ._functional_pool import *  # noqa: E402,F401,F403
from ._functional_pool import __all__ as _pool_all  # noqa: E402

__all__ += _pool_all

# ---- attention (nn/_attention_functional.py) ----
from ._attention_functional import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402,F401

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]

# ---- hardswish/prelu, distances, pixel shuffle (nn/_functional_extra.py) ----
from ._functional_extra import *  # noqa: E402,F401,F403
from ._functional_extra import __all__ as _extra_all  # noqa: E402

__all__ += _extra_all
