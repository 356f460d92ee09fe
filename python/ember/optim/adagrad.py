"""Adagrad (torch.optim.Adagrad), dense gradients."""
import ember
from ember import _C

from .optimizer import (Optimizer, _call_fused, _check_differentiable, _get_scalar_dtype, _scalar,
                        _use_grad_for_differentiable)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad; the update is PyTorch's, computed by _C._fused_adagrad.

    state[p]: "step" and "sum", created for every param when the optimizer is built (as in PyTorch)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if isinstance(lr, ember.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        _check_differentiable(differentiable)
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch uses the argument here, not each group's value
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p, initial_accumulator_value):
        state = self.state[p]
        state["step"] = ember.tensor(0.0, dtype=_get_scalar_dtype())
        state["sum"] = ember.full_like(p, initial_accumulator_value)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
        for s in self.state.values():
            if "step" in s and not isinstance(s["step"], ember.Tensor):
                s["step"] = ember.tensor(float(s["step"]), dtype=_get_scalar_dtype())

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """One step for every param with a .grad; returns closure()'s loss if given."""
        loss = None
        if closure is not None:
            with ember.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params, grads, state_sums, state_steps = [], [], [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                params.append(p)
                grads.append(p.grad)
                state = self.state[p]
                if len(state) == 0:  # a group added later; PyTorch takes the optimizer's default here
                    self._init_state(p, self.defaults["initial_accumulator_value"])
                state_sums.append(state["sum"])
                state_steps.append(state["step"])
            if not params:
                continue
            _call_fused(_C._fused_adagrad, params, grads, state_sums, state_steps, lr=_scalar(group["lr"]),
                        lr_decay=group["lr_decay"], weight_decay=group["weight_decay"], eps=group["eps"],
                        maximize=group["maximize"])
        return loss
