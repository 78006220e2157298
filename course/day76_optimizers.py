"""NumPy optimizers that take exactly the steps keras.optimizers takes, and the 2-D surfaces they walk on.

Why NumPy: a Keras optimizer step on a 2-D toy costs about a millisecond of eager TensorFlow, so a
picture of 4 optimizers x 200 steps took seconds; these take microseconds, which is what makes the
playground answer at once. Why trust them: tests/test_lessons.py checks every class against the
installed keras.optimizers to 1e-12 for hundreds of steps (the 進階 notebook shows the same check).

Keras details reproduced on purpose (they are why a textbook version drifts from Keras):
the learning rate is a float32 variable and Python-float hyper-parameters passed through
`ops.cast` are rounded to float32 (`f32` below); AdaGrad's accumulator starts at 0.1 and eps sits
inside the square root; Adam folds bias correction into the step size; Nadam's momentum schedule
is mu_t = beta_1 (1 - 0.5 * 0.96**t).

Only NumPy here: the lessons import this file from the folder they live in (course/).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["f32", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adadelta", "Adam", "AMSGrad",
           "Nadam", "OPTIMIZERS", "make", "SURFACES", "Surface", "trajectory", "SCHEDULES"]


def f32(value: float) -> float:
    """Round a Python float to float32 and back, as Keras does with the learning rate and some hyper-parameters."""
    return float(np.float32(value))


class SGD:
    """theta <- theta - lr * g"""

    def __init__(self, learning_rate=0.01):
        self.lr = f32(learning_rate)

    def step(self, theta, g):
        return theta - self.lr * g


class Momentum:
    """Keras form: m <- mu m - lr g;  theta <- theta + m   (nesterov: theta <- theta + mu m - lr g, new m)."""

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=False):
        self.lr, self.mu, self.nesterov, self.m = f32(learning_rate), f32(momentum), nesterov, None

    def step(self, theta, g):
        if self.m is None:
            self.m = np.zeros_like(theta)
        self.m = self.m * self.mu - self.lr * g
        if self.nesterov:
            return theta + (self.m * self.mu - self.lr * g)
        return theta + self.m


class Nesterov(Momentum):
    """Momentum with Keras's look-ahead reformulation (Bengio et al., 2012)."""

    def __init__(self, learning_rate=0.01, momentum=0.9):
        super().__init__(learning_rate, momentum, nesterov=True)


class AdaGrad:
    """G <- G + g^2 (G starts at 0.1);  theta <- theta - lr g / sqrt(G + eps)"""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
        self.lr, self.G0, self.eps, self.G = f32(learning_rate), initial_accumulator_value, epsilon, None

    def step(self, theta, g):
        if self.G is None:
            self.G = np.full_like(theta, self.G0)
        self.G = self.G + g * g
        return theta - self.lr * g / np.sqrt(self.G + self.eps)


class RMSprop:
    """v <- rho v + (1 - rho) g^2;  theta <- theta - lr g / sqrt(v + eps)"""

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        self.lr, self.rho, self.eps, self.v = f32(learning_rate), rho, epsilon, None

    def step(self, theta, g):
        if self.v is None:
            self.v = np.zeros_like(theta)
        self.v = self.rho * self.v + (1 - self.rho) * g * g
        return theta - self.lr * g / np.sqrt(self.v + self.eps)


class Adadelta:
    """E[g^2], E[delta^2] running averages; delta = -RMS(delta)/RMS(g) g;  theta <- theta + lr delta"""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7):
        self.lr, self.rho, self.eps, self.Eg2, self.Ed2 = f32(learning_rate), rho, epsilon, None, None

    def step(self, theta, g):
        if self.Eg2 is None:
            self.Eg2, self.Ed2 = np.zeros_like(theta), np.zeros_like(theta)
        self.Eg2 = self.rho * self.Eg2 + (1 - self.rho) * g * g
        delta = -np.sqrt(self.Ed2 + self.eps) / np.sqrt(self.Eg2 + self.eps) * g
        self.Ed2 = self.rho * self.Ed2 + (1 - self.rho) * delta * delta
        return theta + self.lr * delta


class Adam:
    """m, v moving averages; bias correction folded into alpha_t = lr sqrt(1 - b2^t) / (1 - b1^t) (Keras's form).

    amsgrad=True keeps the running maximum of v in the denominator (Reddi et al., 2018), as
    keras.optimizers.Adam(amsgrad=True) does.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
        self.lr, self.beta_1, self.beta_2, self.eps = f32(learning_rate), beta_1, beta_2, epsilon
        self.amsgrad, self.t, self.m, self.v, self.v_max = amsgrad, 0, None, None, None

    def step(self, theta, g):
        if self.m is None:
            self.m, self.v, self.v_max = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        alpha = self.lr * math.sqrt(1 - f32(self.beta_2) ** self.t) / (1 - f32(self.beta_1) ** self.t)
        self.m = self.m + (g - self.m) * (1 - self.beta_1)          # = beta_1 m + (1 - beta_1) g
        self.v = self.v + (g * g - self.v) * (1 - self.beta_2)      # = beta_2 v + (1 - beta_2) g^2
        v = self.v
        if self.amsgrad:
            self.v_max = np.maximum(self.v_max, self.v)
            v = self.v_max
        return theta - alpha * self.m / (np.sqrt(v) + self.eps)


class AMSGrad(Adam):
    """Adam whose denominator never shrinks: v_max <- max(v_max, v)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad=True)


class Nadam:
    """Adam with a Nesterov look-ahead; Keras 3's momentum schedule mu_t = beta_1 (1 - 0.5 * 0.96**t)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.beta_1, self.beta_2, self.eps = f32(learning_rate), beta_1, beta_2, epsilon
        self.t, self.m, self.v, self.mu_product = 0, None, None, 1.0

    def step(self, theta, g):
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        t, b1, b2, decay = self.t, f32(self.beta_1), f32(self.beta_2), f32(0.96)
        self.mu_product *= self.beta_1 * (1 - 0.5 * 0.96 ** t)     # Keras keeps this product with Python floats
        mu_t = b1 * (1 - 0.5 * decay ** t)
        mu_next = b1 * (1 - 0.5 * decay ** (t + 1))
        self.m = self.m + (g - self.m) * (1 - b1)
        self.v = self.v + (g * g - self.v) * (1 - b2)
        m_hat = mu_next * self.m / (1 - self.mu_product * mu_next) + (1 - mu_t) * g / (1 - self.mu_product)
        v_hat = self.v / (1 - b2 ** t)
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


OPTIMIZERS = ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adadelta", "Adam", "AMSGrad", "Nadam"]


def make(name: str, learning_rate: float, momentum: float = 0.9, beta_1: float = 0.9, beta_2: float = 0.999):
    """A NumPy optimizer by name, with the hyper-parameters the playground exposes."""
    if name == "SGD":
        return SGD(learning_rate)
    if name in ("Momentum", "Nesterov"):
        return Momentum(learning_rate, momentum, nesterov=name == "Nesterov")
    if name == "AdaGrad":
        return AdaGrad(learning_rate)
    if name == "RMSprop":
        return RMSprop(learning_rate)
    if name == "Adadelta":
        return Adadelta(learning_rate)
    if name in ("Adam", "AMSGrad"):
        return Adam(learning_rate, beta_1, beta_2, amsgrad=name == "AMSGrad")
    if name == "Nadam":
        return Nadam(learning_rate, beta_1, beta_2)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {OPTIMIZERS}")


# --------------------------------------------------------------------------------------------------
# Surfaces: a loss of two variables with its analytic gradient (checked against TensorFlow in a test).
# --------------------------------------------------------------------------------------------------
class Surface:
    """A 2-D loss f(x, y), its gradient, a start point, the view and the minima."""

    def __init__(self, name, f, grad, start, xlim, ylim, minima, rates, levels="log"):
        self.name, self.f, self.grad, self.start = name, f, grad, np.array(start, dtype=float)
        self.xlim, self.ylim, self.minima, self.rates, self.levels = xlim, ylim, minima, rates, levels
        self.f_min = min(f(*m) for m in minima)

    def loss(self, p):
        return float(self.f(p[0], p[1]))


def _quadratic_grad(p):
    return np.array([p[0], 20.0 * p[1]])


def _rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(p):
    x, y = p
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return np.array([2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
                     2 * a * x + 4 * b * x * y + 6 * c * x * y**2])


def _saddle_grad(p):
    x, y = p
    return np.array([2 * x, -2 * y + y**3])


# Per-surface default learning rates, chosen by hand near the best of a grid search: after 200 steps
# each ends within a factor 10 (in loss above the minimum) of the best rate on the grid 10^(k/4);
# tests/test_lessons.py re-runs the search and checks that. Momentum/Nesterov use mu = 0.9.
SURFACES = {
    "ill-conditioned quadratic": Surface(
        "ill-conditioned quadratic", lambda x, y: 0.5 * (x**2 + 20.0 * y**2), _quadratic_grad, (-4.5, 1.5),
        (-5, 5), (-2, 2), [(0.0, 0.0)],
        dict(SGD=0.09, Momentum=0.05, Nesterov=0.05, AdaGrad=1.0, RMSprop=0.03, Adadelta=10.0, Adam=0.3,
             AMSGrad=0.3, Nadam=0.3)),
    "Rosenbrock": Surface(
        "Rosenbrock", lambda x, y: (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2, _rosenbrock_grad, (-1.5, 2.0),
        (-2, 2), (-1, 3), [(1.0, 1.0)],
        dict(SGD=0.002, Momentum=0.002, Nesterov=0.001, AdaGrad=1.78, RMSprop=0.2, Adadelta=10.0, Adam=1.0,
             AMSGrad=1.0, Nadam=1.0)),
    "Beale": Surface(
        "Beale", _beale, _beale_grad, (1.0, 1.5), (-0.5, 4.5), (-1.5, 2.5), [(3.0, 0.5)],
        dict(SGD=0.03, Momentum=0.003, Nesterov=0.003, AdaGrad=2.0, RMSprop=0.02, Adadelta=10.0, Adam=1.78,
             AMSGrad=0.6, Nadam=0.6)),
    "saddle point": Surface(
        "saddle point", lambda x, y: x**2 - y**2 + 0.25 * y**4, _saddle_grad, (1.5, 1e-3),
        (-2, 2), (-2.5, 2.5), [(0.0, 2**0.5), (0.0, -(2**0.5))],
        dict(SGD=0.1, Momentum=0.06, Nesterov=0.1, AdaGrad=0.3, RMSprop=0.01, Adadelta=10.0, Adam=0.3,
             AMSGrad=0.3, Nadam=0.3), levels="linear"),
}

# Learning-rate schedules: the rate at step t = 0, 1, ... . "1/t decay" is computed in float32 exactly as
# Keras's InverseTimeDecay(lr, decay_steps=20, decay_rate=1) does (a test checks the two agree);
# "cosine decay to 0" has the shape of Keras's CosineDecay(lr, decay_steps=steps).
_F = np.float32
SCHEDULES = {
    "constant": lambda lr, t, steps: f32(lr),
    "1/t decay: lr / (1 + t/20)": lambda lr, t, steps: float(_F(lr) / (_F(1.0) + _F(1.0) * (_F(t) / _F(20.0)))),
    "cosine decay to 0": lambda lr, t, steps: f32(lr * 0.5 * (1.0 + math.cos(math.pi * min(t, steps) / steps))),
}

DIVERGED = 1e3   # |x| or |y| beyond this: the run is called diverged and stops


def trajectory(name, surface, learning_rate, steps, momentum=0.9, beta_1=0.9, beta_2=0.999,
               noise=0.0, schedule="constant", seed=0):
    """The points one optimizer visits on a surface (stops early when it diverges).

    noise > 0 adds Gaussian noise of that standard deviation to every gradient component, the way a
    mini-batch gradient is the true gradient plus sampling noise (real SGD); the same seed gives the
    same noise for every optimizer, so redraws are reproducible and comparisons fair.
    """
    s = SURFACES[surface] if isinstance(surface, str) else surface
    opt = make(name, learning_rate, momentum, beta_1, beta_2)
    rate_at = SCHEDULES[schedule]
    rng = np.random.default_rng(seed) if noise > 0 else None
    path = np.empty((steps + 1, 2))
    path[0] = s.start
    theta = s.start.copy()
    for t in range(steps):
        if schedule != "constant":
            opt.lr = rate_at(learning_rate, t, steps)
        g = s.grad(theta)
        if rng is not None:
            g = g + noise * rng.standard_normal(2)
        theta = opt.step(theta, g)
        path[t + 1] = theta
        if not np.all(np.isfinite(theta)) or np.abs(theta).max() > DIVERGED:
            return path[: t + 2]
    return path


def diverged(path) -> bool:
    end = path[-1]
    return not np.all(np.isfinite(end)) or np.abs(end).max() > DIVERGED
