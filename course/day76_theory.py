"""Gradient descent, momentum and conjugate gradient on quadratics: the formulas the lessons derive.

Why a module: the 進階 quadratic lab redraws from a slider, the exercises' checks need the same
formulas as the prose, and tests/test_lessons.py checks these closed forms against simulation.

For f(x) = 1/2 x^T A x with A symmetric positive definite and eigenvalues lambda_i, gradient descent
x <- x - lr A x acts on each eigen-direction separately: its coordinate is multiplied by
(1 - lr lambda_i) at every step. Heavy-ball momentum in Keras's form (m <- mu m - lr g; x <- x + m)
multiplies each direction's (x, m) pair by a 2x2 matrix whose eigenvalues solve
z^2 - (1 + mu - lr lambda) z + mu = 0.
"""

from __future__ import annotations

import math

import numpy as np


def gd_rate(lr, eigenvalues) -> float:
    """Per-step contraction of plain gradient descent: max_i |1 - lr lambda_i| (>= 1: no convergence)."""
    return float(max(abs(1 - lr * lam) for lam in eigenvalues))


def momentum_rate(lr, mu, eigenvalues) -> float:
    """Per-step contraction of heavy-ball momentum: the largest |root| of z^2 - (1 + mu - lr lam) z + mu, over lam."""
    worst = 0.0
    for lam in eigenvalues:
        roots = np.roots([1.0, -(1.0 + mu - lr * lam), mu])
        worst = max(worst, float(np.max(np.abs(roots))))
    return worst


def optimal_gd(l_min, l_max) -> tuple[float, float]:
    """(best fixed learning rate 2 / (l_min + l_max), its rate (kappa - 1) / (kappa + 1))."""
    kappa = l_max / l_min
    return 2.0 / (l_min + l_max), (kappa - 1) / (kappa + 1)


def optimal_momentum(l_min, l_max) -> tuple[float, float, float]:
    """(lr, mu, rate) of the best heavy ball: lr = (2 / (sqrt l_min + sqrt l_max))^2,
    mu = ((sqrt kappa - 1) / (sqrt kappa + 1))^2, rate = sqrt(mu) = (sqrt kappa - 1) / (sqrt kappa + 1)."""
    kappa = l_max / l_min
    rate = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    return (2.0 / (math.sqrt(l_min) + math.sqrt(l_max))) ** 2, rate**2, rate


def steps_to_shrink(rate, factor=1e-6) -> int:
    """Steps until the error is multiplied by `factor` at `rate` per step: ceil(ln factor / ln rate)."""
    return math.ceil(math.log(factor) / math.log(rate))


def run_quadratic(eigenvalues, lr, mu, x0, steps) -> np.ndarray:
    """Heavy ball (Keras form) on f = 1/2 sum lambda_i x_i^2; mu = 0 is gradient descent. Rows: steps."""
    lam = np.asarray(eigenvalues, dtype=float)
    x, m = np.array(x0, dtype=float), np.zeros(len(lam))
    path = [x.copy()]
    for _ in range(steps):
        m = mu * m - lr * lam * x
        x = x + m
        path.append(x.copy())
        if not np.all(np.isfinite(x)) or np.abs(x).max() > 1e12:
            break
    return np.array(path)


def measured_steps(eigenvalues, lr, mu, x0, factor=1e-6, max_steps=100_000) -> int:
    """First step at which |x| (distance to the minimum) is below factor * |x0|, by simulation."""
    lam = np.asarray(eigenvalues, dtype=float)
    x, m = np.array(x0, dtype=float), np.zeros(len(lam))
    target = factor * np.linalg.norm(x)
    for t in range(1, max_steps + 1):
        m = mu * m - lr * lam * x
        x = x + m
        if np.linalg.norm(x) < target:
            return t
    return max_steps


# --------------------------------------------------------------------------------------------------
# Conjugate gradient, two ways.
# --------------------------------------------------------------------------------------------------
def cg_residual(A, b, x0, steps):
    """The textbook (residual) form for A x = b: r = b - A x, alpha = r.r / p.A p, beta = r'.r' / r.r."""
    x = np.array(x0, dtype=float)
    r = b - A @ x
    p = r.copy()
    path = [x.copy()]
    for _ in range(steps):
        if np.linalg.norm(r) < 1e-14:
            break
        Ap = A @ p
        alpha = (r @ r) / (p @ Ap)
        x = x + alpha * p
        r_next = r - alpha * Ap
        p = r_next + (r_next @ r_next) / (r @ r) * p
        r = r_next
        path.append(x.copy())
    return np.array(path)


def cg_hessian(grad, hessian, x0, steps, restart=None, beta_rule=None):
    """The course's (Hessian) form, for any smooth f with gradient g and Hessian H:

        d_0 = -g_0
        alpha_k = - g_k.d_k / (d_k.H_k d_k),   x_{k+1} = x_k + alpha_k d_k
        beta_k  = g_{k+1}.H_k d_k / (d_k.H_k d_k),   d_{k+1} = -g_{k+1} + beta_k d_k
        every `restart` steps (n, the number of variables, by default): d = -g again.

    On a quadratic (H = A, g = A x - b = -r) it takes exactly the steps of the residual form.
    `beta_rule(g_next, H, d)` replaces the beta formula (the exercise plugs the student's in).
    """
    x = np.array(x0, dtype=float)
    n = len(x)
    restart = restart or n
    g = grad(x)
    d = -g
    path = [x.copy()]
    for k in range(steps):
        if np.linalg.norm(g) < 1e-14:
            break
        H = hessian(x)
        dHd = d @ H @ d
        alpha = -(g @ d) / dHd
        x = x + alpha * d
        g_next = grad(x)
        if (k + 1) % restart == 0:
            d = -g_next                                 # restart: forget the old directions
        else:
            beta = beta_rule(g_next, H, d) if beta_rule else (g_next @ H @ d) / dHd
            d = -g_next + beta * d
        g = g_next
        path.append(x.copy())
    return np.array(path)


def random_spd(n, eigenvalues, seed=76):
    """A symmetric positive definite matrix with the given eigenvalues and random eigenvectors."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return Q @ np.diag(eigenvalues) @ Q.T
