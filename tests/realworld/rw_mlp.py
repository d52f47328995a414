"""Real-world cases: hand-written backprop of whole networks (Nielsen's network.py, micrograd).

Each section below holds one author's NumPy forward and backward, transcribed with their math, their
variable names and their order of operations unchanged (comments and docstrings abridged), then a
thin wrapper in chainrule's calling convention (``vjp(*args, ct)`` or ``grad(*args)``) that runs the
author's forward for its cache and then the author's backward, the forward ``f`` written with
``jax.numpy`` after the author's forward, and the realistic mistakes (mutants) one makes in it.

Dimensions: N = 3 (batch), D = 4 (input), H = 5 (hidden), T = 2 (time steps) unless a section says
otherwise; all float64. Where an author's code differs from the textbook in a way that matters (an
in-place update of an argument, say), the section says so.
"""

# The transcriptions keep the authors' habits: a cache unpacked whole though a step uses part of it,
# tuple concatenation for shapes, zip over a list and its shift.
# ruff: noqa: RUF007

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
from rw_case import Case, Mutant

__all__ = ["CASES"]

N, D, H, T = 3, 4, 5, 2


def _draw(*shapes: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, ...]:
    """Standard-normal example arrays of ``shapes`` (the trials draw their own)."""
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(s) for s in shapes)


# === Michael Nielsen, network.py: backprop for the quadratic cost ==================================
# source: mnielsen/neural-networks-and-deep-learning src/network.py (Network.backprop)
# Sizes [4, 5, 3, 2]: biases (5, 1), (3, 1), (2, 1); weights (5, 4), (3, 5), (2, 3); one example x (4, 1),
# y (2, 1). C_x = ½‖a^L − y‖², whose derivative in a^L is cost_derivative = a^L − y.

SIZES = (4, 5, 3, 2)


def nielsen_sigmoid(z):
    """The sigmoid function."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    return nielsen_sigmoid(z) * (1 - nielsen_sigmoid(z))


class Network:
    """A sigmoid MLP; biases[l] (sizes[l+1], 1), weights[l] (sizes[l+1], sizes[l])."""

    def __init__(self, sizes):
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.biases = [np.random.randn(y, 1) for y in sizes[1:]]
        self.weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:], strict=False)]

    def backprop(self, x, y):
        """(nabla_b, nabla_w), the gradient of C_x, layer by layer like self.biases and self.weights."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        # feedforward
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights, strict=False):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = nielsen_sigmoid(z)
            activations.append(activation)
        # backward pass
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):  # noqa: E741 (the author's name for the layer index)
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        """∂C_x/∂a for the output activations."""
        return output_activations - y


class NetworkCrossEntropyDelta(Network):
    """Mutant: the output delta without σ'(z^L), the cross-entropy cost's delta used with the quadratic cost."""

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights, strict=False):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = nielsen_sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y)
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):  # noqa: E741
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)


class NetworkPrimeOfActivation(Network):
    """Mutant: σ' evaluated at the layer's activation a = σ(z) instead of at z in the hidden layers."""

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights, strict=False):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = nielsen_sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):  # noqa: E741
            sp = sigmoid_prime(activations[-l])
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)


def network_cost_f(biases, weights, x, y):
    """C_x = ½‖a^L − y‖² with a^{l+1} = σ(w^l a^l + b^l), in JAX; biases and weights are tuples of layers."""
    a = x
    for b, w in zip(biases, weights, strict=True):
        a = jax.nn.sigmoid(w @ a + b)
    return 0.5 * jnp.sum((a - y) ** 2)


def _network_grad(network_class):
    def grad(biases, weights, x, y):
        net = network_class.__new__(network_class)  # the author's __init__ draws random layers; set them
        net.num_layers, net.sizes = len(SIZES), list(SIZES)
        net.biases, net.weights = list(biases), list(weights)
        nabla_b, nabla_w = net.backprop(x, y)
        return tuple(nabla_b), tuple(nabla_w)

    grad.__name__ = grad.__qualname__ = f"grad_{network_class.__name__}"
    return grad


def _network_example() -> tuple:
    rng = np.random.default_rng(0)
    biases = tuple(rng.standard_normal((m, 1)) for m in SIZES[1:])
    weights = tuple(rng.standard_normal((m, n)) for n, m in itertools.pairwise(SIZES))
    return biases, weights, rng.standard_normal((SIZES[0], 1)), rng.standard_normal((SIZES[-1], 1))


NIELSEN_BACKPROP = Case(
    name="nielsen_network_backprop",
    source="mnielsen/neural-networks-and-deep-learning src/network.py (Network.backprop)",
    kind="gradient",
    f=network_cost_f,
    candidate=_network_grad(Network),
    example=_network_example,
    argnums=(0, 1),
    mutants=(
        Mutant("output delta without sigma'(z) (the cross-entropy delta)", _network_grad(NetworkCrossEntropyDelta)),
        Mutant("sigma' taken at the activation, not at z", _network_grad(NetworkPrimeOfActivation)),
    ),
)


# === karpathy/micrograd: the Value engine ==========================================================
# source: karpathy/micrograd micrograd/engine.py (Value); the expression is micrograd's own
# test/test_engine.py (test_more_ops) with a, b taken from x = (a, b). One adaptation: the operations
# build their results with type(self) instead of Value, so that a mutant (a subclass that changes one
# operation) is used throughout the expression; for Value itself that is the same thing.


class Value:
    """A scalar and its gradient."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, int | float), "only supporting int/float powers for now"
        out = type(self)(self.data ** other, (self,), f"**{other}")

        def _backward():
            self.grad += (other * self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = type(self)(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1


class ValueMulAssigns(Value):
    """Mutant: `__mul__`'s backward assigns (=) instead of accumulating (+=), wrong for a reused node."""

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad
        out._backward = _backward
        return out


class ValuePowWithoutExponent(Value):
    """Mutant: `__pow__`'s backward drops the exponent factor: d(xⁿ) = x^(n−1) instead of n x^(n−1)."""

    def __pow__(self, other):
        out = type(self)(self.data ** other, (self,), f"**{other}")

        def _backward():
            self.grad += (self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out


def more_ops(a, b):
    """test_more_ops's expression of a and b (Values, or JAX scalars for the reference)."""
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    if isinstance(a, Value):
        d += d * 2 + (b + a).relu()
        d += 3 * d + (b - a).relu()
    else:  # micrograd's relu: 0 below 0 (JAX's derivative at 0 is 0, as micrograd's (out.data > 0))
        d += d * 2 + jnp.where(b + a > 0, b + a, 0.0)
        d += 3 * d + jnp.where(b - a > 0, b - a, 0.0)
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    return g


def micrograd_f(x):
    """test_more_ops's g as a function of x = (a, b), in JAX."""
    return more_ops(x[0], x[1])


def _micrograd_grad(value_class):
    def grad(x):
        a, b = value_class(float(x[0])), value_class(float(x[1]))
        g = more_ops(a, b)
        g.backward()
        return np.array([a.grad, b.grad], dtype=np.float64)

    grad.__name__ = grad.__qualname__ = f"grad_{value_class.__name__}"
    return grad


MICROGRAD = Case(
    name="micrograd_value_backward",
    source="karpathy/micrograd micrograd/engine.py (Value.backward)",
    kind="gradient",
    f=micrograd_f,
    candidate=_micrograd_grad(Value),
    example=lambda: (np.array([-4.0, 2.0]),),  # test_more_ops's a = -4, b = 2
    mutants=(
        Mutant("__mul__ backward assigns instead of accumulating", _micrograd_grad(ValueMulAssigns)),
        Mutant("__pow__ backward without the exponent factor", _micrograd_grad(ValuePowWithoutExponent)),
    ),
)


CASES: list[Case] = [
    NIELSEN_BACKPROP, MICROGRAD,
]
