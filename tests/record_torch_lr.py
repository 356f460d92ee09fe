#!/usr/bin/env python3
"""Record PyTorch's learning-rate schedules into tests/data/torch_lr.json.

Run with a Python that has torch (2.13.0+cpu was used):

    /root/tvenv/bin/python tests/record_torch_lr.py [--out tests/data/torch_lr.json]

Each case builds an optimizer with two param groups (lr 0.1 and 0.05) and a
scheduler from an expression that tests/test_lr_scheduler.py evaluates the
same way with `lr_scheduler` and `opt` bound to ember's, then takes STEPS
steps (optimizer.step(), then scheduler.step(), or scheduler.step(metric) for
ReduceLROnPlateau) and records get_last_lr() (and each group's momentum or
beta1) after construction and after every step.

Format: {"meta": {...}, "cases": [case, ...]}, case = {"id", "optimizer",
"expr", "metrics" (or null), "lrs": [[lr per group] per step],
"momentum": [[momentum or beta1 per group] per step]}.

tests/test_lr_scheduler.py imports CASES and run_case from here (torch is
imported only when this script runs).
"""
import argparse
import json
import os

STEPS = 25
METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92, 0.93,
           0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.01, 1.02]

# (id, optimizer, scheduler expression with `lr_scheduler` and `opt` in scope)
CASES = [
    ("step", "SGD", "lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)"),
    ("step_default_gamma", "SGD", "lr_scheduler.StepLR(opt, step_size=4)"),
    ("multistep", "SGD", "lr_scheduler.MultiStepLR(opt, milestones=[2, 5, 5, 11], gamma=0.3)"),
    ("exponential", "SGD", "lr_scheduler.ExponentialLR(opt, gamma=0.93)"),
    ("cosine", "SGD", "lr_scheduler.CosineAnnealingLR(opt, T_max=10)"),
    ("cosine_eta_min", "SGD", "lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.01)"),
    ("lambda", "SGD", "lr_scheduler.LambdaLR(opt, lambda e: 0.95 ** e)"),
    ("lambda_per_group", "SGD", "lr_scheduler.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: e // 3 + 1])"),
    ("multiplicative", "SGD", "lr_scheduler.MultiplicativeLR(opt, lambda e: 0.9)"),
    ("linear", "SGD", "lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=6)"),
    ("linear_down", "SGD", "lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=10)"),
    ("constant", "SGD", "lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=4)"),
    ("polynomial", "SGD", "lr_scheduler.PolynomialLR(opt, total_iters=8, power=2.0)"),
    ("onecycle", "SGD", "lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=25)"),
    ("onecycle_linear_three_phase", "SGD",
     "lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=26, anneal_strategy='linear', three_phase=True)"),
    ("onecycle_adam", "Adam", "lr_scheduler.OneCycleLR(opt, max_lr=0.01, epochs=5, steps_per_epoch=5)"),
    ("cyclic", "SGD", "lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4)"),
    ("cyclic_triangular2", "SGD",
     "lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5, mode='triangular2')"),
    ("cyclic_exp_range", "Adam",
     "lr_scheduler.CyclicLR(opt, base_lr=0.001, max_lr=0.01, step_size_up=5, mode='exp_range', gamma=0.95)"),
    ("warm_restarts", "SGD", "lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.001)"),
    ("plateau", "SGD", "lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5)"),
    ("plateau_max_abs_cooldown", "SGD",
     "lr_scheduler.ReduceLROnPlateau(opt, mode='max', threshold=0.01, threshold_mode='abs', patience=1, "
     "cooldown=2, min_lr=[0.02, 0.0])"),
    ("sequential", "SGD",
     "lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=4), "
     "lr_scheduler.CosineAnnealingLR(opt, T_max=12)], milestones=[5])"),
    ("sequential_three", "SGD",
     "lr_scheduler.SequentialLR(opt, [lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=3), "
     "lr_scheduler.ExponentialLR(opt, gamma=0.9), lr_scheduler.StepLR(opt, step_size=2)], milestones=[4, 10])"),
    ("chained", "SGD",
     "lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(opt, factor=0.1, total_iters=2), "
     "lr_scheduler.ExponentialLR(opt, gamma=0.9)])"),
]


def make_optimizer(lib, name):
    p1 = lib.zeros(2, requires_grad=True)
    p2 = lib.zeros(3, requires_grad=True)
    groups = [{"params": [p1]}, {"params": [p2], "lr": 0.05}]
    if name == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def run_case(lib, lr_scheduler_module, optimizer, expr, steps=STEPS):
    """(lrs, momenta) after construction and after each step; shared with the ember test."""
    opt = make_optimizer(lib, optimizer)
    sched = eval(expr, {"lr_scheduler": lr_scheduler_module, "opt": opt})  # noqa: S307 - our own table
    plateau = isinstance(sched, lr_scheduler_module.ReduceLROnPlateau)
    lrs, moms = [list(sched.get_last_lr())], [momenta(opt)]
    for t in range(steps):
        opt.step()
        if plateau:
            sched.step(METRICS[t])
        else:
            sched.step()
        lrs.append(list(sched.get_last_lr()))
        moms.append(momenta(opt))
    return lrs, moms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "data", "torch_lr.json"))
    args = ap.parse_args()
    import torch
    from torch.optim import lr_scheduler
    cases = []
    for cid, optimizer, expr in CASES:
        lrs, moms = run_case(torch, lr_scheduler, optimizer, expr)
        cases.append({"id": cid, "optimizer": optimizer, "expr": expr,
                      "metrics": METRICS if "Plateau" in expr else None, "lrs": lrs, "momentum": moms})
    meta = {"torch": torch.__version__, "steps": STEPS}
    with open(args.out, "w") as f:  # one case per line
        f.write('{"meta": ' + json.dumps(meta) + ', "cases": [\n' + ",\n".join(json.dumps(c) for c in cases)
                + "\n]}\n")
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
