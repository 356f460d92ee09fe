"""RNN, LSTM and GRU (multi-layer, bidirectional) and their one-step cells.

Built from ember ops, step by step, the way PyTorch's CPU kernels compute
them: each layer projects the whole input sequence at once (x W_ih^T + b_ih),
then every step adds h W_hh^T + b_hh and applies the gate functions. The
parameters have PyTorch's names, shapes and order, and are initialized as
PyTorch does (every one from U(-1/sqrt(hidden), 1/sqrt(hidden)), in
registration order), so a seeded model starts from the same values; dropout
between layers draws as F.dropout does.
"""
import math
import numbers

from ... import _C
from ..._creation import empty, zeros
from .. import functional as F, init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---- one step of each cell: x_proj is x W_ih^T + b_ih (already computed), h the previous state
def _rnn_step(x_proj, h, w_hh, b_hh, relu):
    pre = F.linear(h, w_hh, b_hh) + x_proj
    return pre.relu() if relu else pre.tanh()


def _lstm_step(x_proj, state, w_hh, b_hh):
    h, c = state
    gates = F.linear(h, w_hh, b_hh) + x_proj
    i, f, g, o = gates.chunk(4, -1)
    c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c_next.tanh(), c_next


def _gru_step(x_proj, h, w_hh, b_hh):
    x_r, x_z, x_n = x_proj.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    reset = (h_r + x_r).sigmoid()
    update = (h_z + x_z).sigmoid()
    new = (x_n + h_n * reset).tanh()
    return (h - new) * update + new  # (1 - z) * n + z * h, in PyTorch's order of operations


def _init_uniform(module):
    """PyTorch's init for recurrent weights: every parameter from U(-1/sqrt(hidden), 1/sqrt(hidden)), in order."""
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters per layer and direction, the sequence loop."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size:
            raise NotImplementedError("ember: LSTM with proj_size > 0 is not supported yet")
        if dropout > 0 and num_layers == 1:
            import warnings
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
                shapes = [(gate_size, layer_input), (gate_size, hidden_size)]
                if bias:
                    names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
                    shapes += [(gate_size,), (gate_size,)]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(empty(shape, **kw)))
                self._flat_weights_names.extend(names)
        self.reset_parameters()

    def reset_parameters(self):
        _init_uniform(self)

    def flatten_parameters(self):
        """PyTorch packs cuDNN's weight buffer here; ember keeps separate tensors, so nothing to do."""

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        per = 4 if self.bias else 2
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ---- the forward pass shared by the three modes
    def _layer_params(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        get = lambda n: getattr(self, f"{n}{suffix}") if self.bias or n.startswith("weight") else None  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _step(self, x_proj, state, w_hh, b_hh):
        if self.mode == "LSTM":
            return _lstm_step(x_proj, state, w_hh, b_hh)
        if self.mode == "GRU":
            return _gru_step(x_proj, state, w_hh, b_hh)
        return _rnn_step(x_proj, state, w_hh, b_hh, self.mode == "RNN_RELU")

    def _check_input(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")

    def _initial_state(self, hx, batch, like, batched):
        """The (layers * directions, N, H) starting state(s): hx, or zeros."""
        directions = 2 if self.bidirectional else 1
        shape = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            return [zeros(shape, dtype=like.dtype, device=like.device) for _ in range(2 if self.mode == "LSTM" else 1)]
        if self.mode == "LSTM" and (not isinstance(hx, tuple) or len(hx) != 2):
            raise RuntimeError("LSTM expects hx as a tuple (h_0, c_0)")
        out = []
        for k, s in enumerate(hx if self.mode == "LSTM" else (hx,)):
            label = f"hidden[{k}]" if self.mode == "LSTM" else "hidden"
            want = 3 if batched else 2
            if s.dim() != want:
                raise RuntimeError(f"For {'batched' if batched else 'unbatched'} {want}-D input, hx should also be "
                                   f"{want}-D but got {s.dim()}-D tensor")
            s = s if batched else s.unsqueeze(1)
            if tuple(s.shape) != shape:
                raise RuntimeError(f"Expected {label} size {shape}, got {list(s.shape)}")
            out.append(s)
        return out

    def forward(self, input, hx=None):
        if isinstance(input, tuple) or type(input).__name__ == "PackedSequence":
            raise NotImplementedError("ember: PackedSequence inputs are not supported yet")
        self._check_input(input)
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)  # (L, N, H_in)
        states = self._initial_state(hx, x.shape[1], x, batched)
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh = self._layer_params(layer, direction)
                k = layer * directions + direction
                state = tuple(s[k] for s in states) if self.mode == "LSTM" else states[0][k]
                # every step's input projection at once; unbind (not x_proj[t]) so that backward
                # stacks the steps' gradients once instead of summing a full-size one per step
                x_proj = F.linear(x, w_ih, b_ih).unbind(0)
                steps = range(x.shape[0] - 1, -1, -1) if direction else range(x.shape[0])
                seq = [None] * x.shape[0]
                for t in steps:
                    state = self._step(x_proj[t], state, w_hh, b_hh)
                    seq[t] = state[0] if self.mode == "LSTM" else state
                for slot, s in zip(finals, state if self.mode == "LSTM" else (state,)):
                    slot.append(s)
                outputs.append(_C.stack(seq, 0))
            x = outputs[0] if directions == 1 else _C.cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h = [_C.stack(f, 0) for f in finals]
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if not batched:
            x = x.squeeze(1)
            h = [s.squeeze(1) for s in h]
        return (x, (h[0], h[1])) if self.mode == "LSTM" else (x, h[0])


class RNN(RNNBase):
    """Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, *args, nonlinearity="tanh", **kwargs):
        if len(args) > 3:  # RNN(input, hidden, layers, nonlinearity, ...) positionally, as PyTorch allows
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory; returns (output, (h_n, c_n))."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit; returns (output, h_n)."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


# ---- cells: one step, (N, H_in) or (H_in,) input
class RNNCellBase(Module):
    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _init_uniform(self)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _prepare(self, input, hx, count):
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            hx = tuple(zeros((x.shape[0], self.hidden_size), dtype=x.dtype, device=x.device) for _ in range(count))
        else:
            hx = hx if isinstance(hx, tuple) else (hx,)
            if any(h.dim() != input.dim() for h in hx):
                raise RuntimeError(f"{name}: Expected hidden to be {input.dim()}D, got {hx[0].dim()}D instead")
            hx = hx if batched else tuple(h.unsqueeze(0) for h in hx)
        return x, hx, batched


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        out = _rnn_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh,
                        self.nonlinearity == "relu")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        x, state, batched = self._prepare(input, hx, 2)
        h, c = _lstm_step(F.linear(x, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        out = _gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)
