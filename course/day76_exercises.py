"""Checks for the lessons' exercises: each says what is right or, specifically, what is wrong.

Every check prints one line starting with "✔" (correct) or "✘" (with the reason and a hint) and
returns a Verdict (true or false), so a student can run it as often as they like and the answer cells can assert
it. None of them raise on a wrong answer: a wrong answer is a normal state of an exercise.
"""

from __future__ import annotations

import math

import numpy as np

import day76_optimizers as opt
import day76_theory as th


class Verdict:
    """A check's result: true or false like a bool, but shows nothing when it ends a cell (the printed line
    already said it), so a student's check cell shows one message, not the message and then True/False."""

    def __init__(self, ok: bool):
        self.ok = bool(ok)

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"Verdict({self.ok})"

    def _ipython_display_(self):
        pass


def _report(ok: bool, message: str) -> Verdict:
    print(("✔ " if ok else "✘ ") + message)
    return Verdict(ok)


def _unanswered(value, what: str) -> bool:
    if value is None or value is Ellipsis:
        print(f"✘ not answered yet: set {what} in the exercise cell above, run it, then run this check again.")
        return True
    return False


NOT_ANSWERED = Verdict(False)


# --------------------------------------------------------------------------------------------------
# Example lesson
# --------------------------------------------------------------------------------------------------
DIAGNOSES = ("too small", "good", "oscillating", "diverging")


def check_diagnosis(answer: dict, truth: dict) -> bool:
    """answer: {"A": "too small", ...}; truth comes from the cell that drew the curves."""
    if _unanswered(answer, "diagnosis = {'A': ..., 'B': ..., 'C': ..., 'D': ...}"):
        return NOT_ANSWERED
    if not isinstance(answer, dict) or sorted(answer) != sorted(truth):
        return _report(False, f"give one diagnosis for each curve {sorted(truth)}; got keys {sorted(answer) if isinstance(answer, dict) else type(answer).__name__}.")
    unknown = {k: v for k, v in answer.items() if v not in DIAGNOSES}
    if unknown:
        return _report(False, f"use only the words {DIAGNOSES}; these are not among them: {unknown}.")
    wrong = [k for k in truth if answer[k] != truth[k]]
    if wrong:
        hints = {"too small": "a loss that falls steadily but is still far from the bottom at the end",
                 "good": "a fast fall that then flattens low",
                 "oscillating": "a loss that goes down overall but jumps up and down from step to step",
                 "diverging": "a loss that grows (or becomes nan)"}
        k = wrong[0]
        return _report(False, f"{len(wrong)} of {len(truth)} wrong, e.g. curve {k} is not '{answer[k]}'. "
                              f"Look for: {hints[truth[k]]}.")
    return _report(True, "all four learning rates diagnosed correctly.")


def check_divergence_rate(lr, curvature=20.0) -> bool:
    """The smallest learning rate at which SGD on a direction with this curvature stops converging: 2 / curvature."""
    if _unanswered(lr, "sgd_diverges_from = <a number>"):
        return NOT_ANSWERED
    limit = 2.0 / curvature
    if abs(lr - limit) <= 0.02 * limit:
        return _report(True, f"{lr:g}: at lr = 2/{curvature:g} = {limit:g} the factor |1 - lr*{curvature:g}| per step reaches 1.")
    factor = abs(1 - lr * curvature)
    if lr < limit:
        return _report(False, f"at lr = {lr:g} the y-coordinate is multiplied by |1 - {lr:g}*{curvature:g}| = {factor:.3g} < 1 "
                              "each step: SGD still converges. Try larger.")
    return _report(False, f"at lr = {lr:g} the factor is {factor:.3g} > 1, it diverges, but it already diverged at smaller rates. "
                          "Find where the factor |1 - lr*20| first reaches 1.")


def check_momentum_choice(lr, mu, l_min=1.0, l_max=20.0) -> bool:
    """Fastest heavy ball for eigenvalues in [l_min, l_max]: pass if within 3% of the optimal rate."""
    if _unanswered(lr, "lr_k20 and mu_k20") or _unanswered(mu, "mu_k20"):
        return NOT_ANSWERED
    best_lr, best_mu, best = th.optimal_momentum(l_min, l_max)
    rate = th.momentum_rate(lr, mu, [l_min, l_max])
    if rate >= 1:
        return _report(False, f"lr={lr:g}, mu={mu:g} does not converge (rate {rate:.3f} >= 1 per step): lr is too large for the "
                              f"steep direction (lambda={l_max:g}).")
    if rate <= best * 1.03:
        return _report(True, f"rate {rate:.4f} per step (the best possible is {best:.4f}): about "
                             f"{th.steps_to_shrink(rate)} steps to shrink the error a million times.")
    slow = th.momentum_rate(lr, mu, [l_min])
    steep = th.momentum_rate(lr, mu, [l_max])
    which = (f"the flat direction (lambda={l_min:g}) is the slow one ({slow:.3f}/step): raise lr or mu" if slow >= steep
             else f"the steep direction (lambda={l_max:g}) is the slow one ({steep:.3f}/step): it oscillates; lower lr or raise mu")
    return _report(False, f"rate {rate:.4f} per step, the best is {best:.4f}: {which}.")


def check_amsgrad(cls, steps=100) -> bool:
    """The student's AMSGrad class against keras.optimizers.Adam(amsgrad=True) on Beale gradients."""
    if _unanswered(cls, "class MyAMSGrad"):
        return NOT_ANSWERED
    import keras
    import tensorflow as tf

    grad = opt.SURFACES["Beale"].grad
    theta = np.array([1.0, 1.5])
    variable = keras.Variable(theta.copy(), dtype="float64")
    reference = keras.optimizers.Adam(learning_rate=0.05, amsgrad=True)
    try:
        mine = cls(learning_rate=0.05)
    except TypeError as exc:
        return _report(False, f"MyAMSGrad(learning_rate=0.05) failed: {exc}. Keep the constructor's signature.")
    for t in range(1, steps + 1):
        g = grad(theta)
        try:
            theta = np.asarray(mine.step(theta, g), dtype=float)
        except Exception as exc:   # a student's bug: report it, do not crash the check
            return _report(False, f"step {t} raised {type(exc).__name__}: {exc}.")
        reference.apply_gradients([(tf.constant(g), variable)])
        if t == 1 and np.array_equal(theta, np.array([1.0, 1.5])):
            return _report(False, "step() returned theta unchanged: it must compute m, v, v_max and return the moved theta.")
        diff = float(np.max(np.abs(theta - variable.numpy())))
        if not diff <= 1e-10:
            hint = ("it still behaves like plain Adam: keep v_max = max(v_max, v) and divide by sqrt(v_max)"
                    if t > 1 else "the very first step already differs: check the bias-correction factor alpha_t")
            return _report(False, f"differs from Keras by {diff:.2e} at step {t}; {hint}.")
    return _report(True, f"matches keras.optimizers.Adam(amsgrad=True) to 1e-10 for {steps} steps.")


# --------------------------------------------------------------------------------------------------
# 進階
# --------------------------------------------------------------------------------------------------
def check_rmsprop_first_step(ratio, rho=0.99) -> bool:
    if _unanswered(ratio, "first_step_ratio"):
        return NOT_ANSWERED
    o = opt.RMSprop(learning_rate=1.0, rho=rho)
    truth = -float(o.step(np.array([0.0]), np.array([1.0]))[0])   # first step / lr for a gradient of 1
    if abs(ratio - truth) <= 1e-3 * truth:
        return _report(True, f"{ratio:g}: v_1 = (1 - rho) g^2, so the step is lr / sqrt(1 - rho) = {truth:.4g} lr.")
    return _report(False, f"{ratio:g} is not it: after one step v = (1 - rho) * g^2 = {1 - rho:g} (no bias correction), "
                          "and the step is lr * g / sqrt(v).")


def check_momentum_limit(lr_limit, lam=20.0, mu=0.9) -> bool:
    """Heavy ball is stable for lr < 2 (1 + mu) / lambda."""
    if _unanswered(lr_limit, "momentum_lr_limit"):
        return NOT_ANSWERED
    truth = 2 * (1 + mu) / lam
    if abs(lr_limit - truth) <= 0.01 * truth:
        return _report(True, f"{lr_limit:g}: at lr = 2(1 + mu)/lambda = {truth:g} a root of z^2 - (1 + mu - lr lambda) z + mu reaches -1.")
    r = th.momentum_rate(lr_limit, mu, [lam])
    side = "still converges there (rate %.3f): go higher" % r if r < 1 else "already diverges there (rate %.3f): go lower" % r
    return _report(False, f"{lr_limit:g}: momentum {side}. Put z = -1 into the characteristic polynomial.")


def check_gd_steps(steps, kappa=100.0, factor=1e-6) -> bool:
    if _unanswered(steps, "gd_steps_kappa_100"):
        return NOT_ANSWERED
    lr, rate = th.optimal_gd(1.0, kappa)
    truth = th.measured_steps([1.0, kappa], lr, 0.0, [1.0, 1.0], factor)
    if abs(steps - truth) <= max(2, 0.02 * truth):
        return _report(True, f"{steps}: simulation needs {truth} steps (rate {rate:.4f} = (kappa-1)/(kappa+1) per step).")
    return _report(False, f"{steps} is off: the simulation needs {truth}. The slowest direction shrinks by "
                          "(kappa - 1)/(kappa + 1) per step at the best fixed rate; solve rate**t = 1e-6.")


def check_cg_beta(beta_rule) -> bool:
    """Plug the student's beta into Hessian-form CG: on a 5-D quadratic it must reach the minimum in 5 steps."""
    if _unanswered(beta_rule, "def my_beta(g_next, H, d)"):
        return NOT_ANSWERED
    try:
        probe = beta_rule(np.ones(2), np.eye(2), np.ones(2))
    except Exception as exc:
        return _report(False, f"my_beta raised {type(exc).__name__}: {exc}.")
    if _unanswered(probe, "the body of my_beta (it returns None)"):
        return NOT_ANSWERED
    A = th.random_spd(5, [1.0, 2.0, 5.0, 20.0, 50.0])
    b = np.arange(1.0, 6.0)
    x_star = np.linalg.solve(A, b)
    try:
        path = th.cg_hessian(lambda x: A @ x - b, lambda x: A, np.zeros(5), 5, restart=100, beta_rule=beta_rule)
    except Exception as exc:
        return _report(False, f"my_beta raised {type(exc).__name__}: {exc}.")
    error = float(np.linalg.norm(path[-1] - x_star) / np.linalg.norm(x_star))
    if error < 1e-8:
        return _report(True, f"CG with your beta reaches the minimum of a 5-D quadratic in 5 steps (relative error {error:.1e}).")
    return _report(False, f"after 5 steps the relative error is {error:.2e}, not ~1e-12: the new direction is not A-conjugate "
                          "to the old one. Choose beta so that d_new . H d = 0 with d_new = -g_next + beta d.")
