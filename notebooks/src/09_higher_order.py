# %% [markdown]
# # 09 · Higher order: derivatives of derivatives, and forward mode
#
# Everything so far asked one question: how does the cost change when a
# weight moves, $\partial C/\partial w$. This notebook asks three more.
#
# * How does the **slope** change? That is the second derivative. Newton's
#   method uses it to jump to a minimum, and the Hessian of a loss (all its
#   second derivatives) measures how curved the loss is.
# * What does the engine compute when it runs the chain rule **forwards**,
#   from one weight towards the output? Exactly document 003's forward
#   chains.
# * Which direction is cheaper, and by how much? We count operations.
#
# The engine gets second derivatives without a second table of rules: each
# local-derivative rule ($\tanh' = 1 - q^2$, ...) is ordinary arithmetic, so
# evaluated on `Value`s it builds a graph that can be differentiated again.
# The last section looks at that graph.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from autograd import (
    Value,
    draw,
    grad,
    gradients,
    hessian,
    hvp,
    jvp,
    numerical_grad,
    topo_order,
    trace_text,
)
from nn import MLP, mse

# %% [markdown]
# ## 1. Newton's method with `grad(grad(f))`
#
# Take a function of one variable with two valleys and a hill between them:
#
# $$f(x) = x^4 - 3x^2 + x .$$
#
# By hand, its first three derivatives are
#
# $$f'(x) = 4x^3 - 6x + 1, \qquad f''(x) = 12x^2 - 6, \qquad f'''(x) = 24x .$$

# %%
def f(x):
    return x**4 - 3 * x**2 + x

def df_by_hand(x):
    return 4 * x**3 - 6 * x + 1

def d2f_by_hand(x):
    return 12 * x**2 - 6

def d3f_by_hand(x):
    return 24 * x

# %% [markdown]
# In the engine, `grad(f)` is again a function of a number, so it can be
# handed to `grad` once more. Nothing is special about the second time.

# %%
df, d2f, d3f = grad(f), grad(grad(f)), grad(grad(grad(f)))

for x in [-2.0, -0.5, 0.0, 0.7, 1.5]:
    print(f"x = {x:+.1f}   f' = {df(x):+8.3f}   f'' = {d2f(x):+8.3f}   f''' = {d3f(x):+7.2f}")

# %%
for x in [-2.0, -0.5, 0.0, 0.7, 1.5]:
    assert math.isclose(df(x), df_by_hand(x), rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(d2f(x), d2f_by_hand(x), rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(d3f(x), d3f_by_hand(x), rel_tol=1e-12, abs_tol=1e-12)

# %% [markdown]
# A minimum is where $f' = 0$. Newton's method finds a zero of $f'$ by
# replacing $f'$ with its tangent line at the current point and jumping to
# where that line crosses zero:
#
# $$x^{(t+1)} = x^{(t)} - \frac{f'(x^{(t)})}{f''(x^{(t)})} .$$
#
# Compare gradient descent, $x^{(t+1)} = x^{(t)} - \eta\, f'(x^{(t)})$: Newton
# replaces the hand-picked learning rate $\eta$ by $1/f''$, the inverse of
# the curvature. Where the valley is sharp it steps carefully, where it is
# flat it steps far.
#
# The exact minimum to measure the error against: $f'$ is a cubic, and numpy
# finds its three roots. The right-hand valley is the largest root.

# %%
critical = np.sort(np.roots([4, 0, -6, 1]).real)   # the zeros of f' = 4x^3 - 6x + 1
x_star = float(critical[-1])
print("f' = 0 at", np.round(critical, 6), "  minimum we aim for:", round(x_star, 12))

def newton(x, steps):
    xs = [x]
    for _ in range(steps):
        x = x - df(x) / d2f(x)
        xs.append(x)
    return xs

def gradient_descent(x, steps, lr=0.02):
    xs = [x]
    for _ in range(steps):
        x = x - lr * df(x)
        xs.append(x)
    return xs

newton_xs = newton(2.0, 7)
errors = [abs(x - x_star) for x in newton_xs]
for k, (x, e) in enumerate(zip(newton_xs, errors)):
    print(f"step {k}:  x = {x:.15f}   error = {e:.2e}")

# %% [markdown]
# The error does not shrink by a constant factor per step, as in gradient
# descent: it is roughly **squared** each step (0.1, 0.01, 0.0003, 1e-7,
# 1e-14), so the number of correct digits doubles. This is *quadratic
# convergence*. Taylor's theorem even predicts the constant: near $x^*$,
#
# $$e_{t+1} \approx \frac{f'''(x^*)}{2 f''(x^*)}\; e_t^2 ,$$
#
# and that takes a third derivative, which the engine gives as easily.

# %%
predicted = d3f(x_star) / (2 * d2f(x_star))
ratios = [errors[k + 1] / errors[k] ** 2 for k in range(5)]
print("e_(t+1) / e_t^2 :", [round(r, 3) for r in ratios], "  predicted:", round(predicted, 3))

# %%
assert errors[-1] < 1e-12                        # converged to the root numpy found
for k in range(5):                                # every step within 10% of the prediction
    assert errors[k + 1] <= 1.1 * predicted * errors[k] ** 2
assert math.isclose(ratios[4], predicted, rel_tol=0.01)   # and close to it near the end

gd_errors = [abs(x - x_star) for x in gradient_descent(2.0, 30)]
assert gd_errors[30] > 1e-4                         # 30 steps of gradient descent: not there yet

# %%
grid = np.linspace(-1.9, 2.1, 300)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
left.plot(grid, f(grid), color="grey")
left.plot(newton_xs, [f(x) for x in newton_xs], "o-", color="C0", label="Newton")
left.set_title("f(x) = x⁴ - 3x² + x, Newton from x = 2")
left.legend()
right.semilogy(errors[:7], "o-", label="Newton")
right.semilogy(gd_errors, ".-", label="gradient descent, η = 0.02")
right.set_xlabel("step")
right.set_ylabel("|x - x*|")
right.set_title("the error per step")
right.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Newton only looks for $f' = 0$; it does not know a minimum from a maximum.
# Started at $x = 0.1$ it runs up to the hill top between the valleys. The
# sign of the second derivative tells them apart: $f'' < 0$ there.

# %%
x_hill = newton(0.1, 6)[-1]
print(f"Newton from 0.1 ends at x = {x_hill:.6f}, where f'' = {d2f(x_hill):.3f}")
assert math.isclose(x_hill, critical[1], rel_tol=1e-9) and d2f(x_hill) < 0

# %% [markdown]
# **In JAX this is** `jax.grad(jax.grad(f))`, the same composition. **In
# PyTorch this is** `g, = torch.autograd.grad(y, x, create_graph=True)`
# and then `torch.autograd.grad(g, x)`, or `torch.func.grad(torch.func.grad(f))`.
# chaingrad has the PyTorch form too: `gradients(y, x, create_graph=True)` (section 5).
#
# ## 2. The Hessian of a tiny network's loss
#
# With many weights, the second derivatives form a matrix, the **Hessian**
# $H_{ij} = \partial^2 C / \partial w_i\, \partial w_j$. Take a 2-3-1 network
# with tanh hidden units and the mean squared error on four points: 13
# parameters, so $H$ is $13 \times 13$.

# %%
X = [[0.5, -1.0], [-0.2, 0.8], [1.0, 0.3], [-0.7, -0.4]]
Y = [0.3, -0.4, 0.8, -0.1]

model = MLP(2, [3, 1], activation="tanh", seed=0)
params = model.parameters()
for name, p in model.named_parameters():
    print(f"{name:24s} {p.data:+.4f}")

def model_loss():
    return mse([model(x) for x in X], Y, reduction="mean")

# %% [markdown]
# For the functional form (as in JAX) we write the same network as a
# function of one flat list of parameters, in `model.parameters()` order:
# each hidden neuron's two weights and its bias, then the output neuron's
# three weights and bias. Written out by hand, it must give the model's loss.

# %%
def loss_of(theta):
    hidden = [theta[3 * j : 3 * j + 3] for j in range(3)]   # (w0, w1, b) per hidden neuron
    out_w, out_b = theta[9:12], theta[12]
    total = 0.0
    for (a, b), target in zip(X, Y):
        q = [(w0 * a + w1 * b + bias).tanh() for w0, w1, bias in hidden]
        out = out_w[0] * q[0] + out_w[1] * q[1] + out_w[2] * q[2] + out_b
        total = total + (out - target) ** 2
    return total / (2 * len(X))          # mse's mean: 1/2 of the mean of the squares

theta = [p.data for p in params]
n = len(theta)
print("model:", model_loss().data, "  by hand:", loss_of([Value(t) for t in theta]).data)
assert math.isclose(model_loss().data, loss_of([Value(t) for t in theta]).data, rel_tol=1e-12)

# %% [markdown]
# Two ways to the Hessian:
#
# * functional: `hessian(loss_of)(theta)`; a list argument counts as one
#   input per item;
# * on the model's own parameters, as in PyTorch: the gradient as Values
#   (`create_graph=True`), then the gradient of each of its entries.

# %%
H = np.array(hessian(loss_of)(theta))

g = gradients(model_loss(), params, create_graph=True)   # 13 Values, each a graph
H_model = np.array([gradients(g_i, params) for g_i in g])
print(np.round(H[:5, :5], 4))

# %% [markdown]
# The independent check: central differences of the (first-order) gradient.
# Column $j$ of $H$ is how the gradient moves when $w_j$ is nudged:
#
# $$H_{:,j} \approx \frac{\nabla C(w + \varepsilon e_j) - \nabla C(w - \varepsilon e_j)}
#   {2\varepsilon} .$$

# %%
grad_of = grad(loss_of)
eps = 1e-5
H_fd = np.empty((n, n))
for j in range(n):
    up, down = list(theta), list(theta)
    up[j] += eps
    down[j] -= eps
    H_fd[:, j] = (np.array(grad_of(up)) - np.array(grad_of(down))) / (2 * eps)

print("largest |H - finite differences| :", f"{np.abs(H - H_fd).max():.1e}")
print("largest |H - H_model|            :", f"{np.abs(H - H_model).max():.1e}")
print("largest |H - H transposed|       :", f"{np.abs(H - H.T).max():.1e}")

# %%
assert np.allclose(H, H_fd, rtol=1e-6, atol=1e-8)
assert np.allclose(H, H_model, rtol=1e-12, atol=1e-14)
assert np.allclose(H, H.T, rtol=0, atol=1e-14)     # symmetric: d²C/dw_i dw_j = d²C/dw_j dw_i

# %% [markdown]
# $H$ is symmetric because the order of two partial derivatives does not
# matter (the engine computes $H_{ij}$ and $H_{ji}$ along different paths,
# and they agree to rounding).
#
# Being symmetric, $H$ has real eigenvalues. Each one is the **curvature**
# of the loss along its eigenvector: walking a distance $t$ that way changes
# the loss by about $\tfrac12 \lambda t^2$ beyond the slope's share.

# %%
lam, vecs = np.linalg.eigh(H)
print("eigenvalues:", " ".join(f"{x:+.3f}" for x in lam))
v = vecs[:, -1]                         # the most curved direction

def loss_at(point):
    return loss_of([Value(float(t)) for t in point]).data

t = 1e-3
along = (loss_at(theta + t * v) - 2 * loss_at(theta) + loss_at(theta - t * v)) / t**2
Hv = hvp(lambda *w: loss_of(list(w)), theta, list(v))    # H times v, without building H
print(f"largest eigenvalue {lam[-1]:.5f};  curvature measured along its vector {along:.5f}")

# %%
assert math.isclose(along, lam[-1], rel_tol=1e-4)
assert np.allclose(Hv, lam[-1] * v, atol=1e-10)         # v is an eigenvector: H v = λ v
assert lam[0] < 0 < lam[-1]                             # curving up one way, down another

# %% [markdown]
# The largest eigenvalue limits gradient descent: along that direction a
# learning rate above $2/\lambda_{\max}$ overshoots further on every step.
# Negative eigenvalues (here there are some, since a fresh network is not
# at a minimum) mean directions in which the loss curves **down**: this
# point is a saddle, and Newton's method would happily walk towards it.
#
# `hvp` computed $Hv$ by running forward mode over the reverse-mode
# gradient, at the cost of a few gradients and without the $13 \times 13$
# matrix. That is how large models use curvature.
#
# **In JAX this is** `jax.hessian(loss)(theta)` and `jax.jvp(jax.grad(loss),
# (theta,), (v,))` for $Hv$. **In PyTorch this is**
# `torch.autograd.functional.hessian` or `torch.func.hessian`.
#
# ## 3. Forward mode is document 003's forward chains
#
# Back to document 003's chain with activations (section II, notebook 02):
#
# $$p_0 = x_0,\; q_0 = \sigma_0(p_0), \qquad p_{i+1} = w_{i,i+1}\, q_i,\;
#   q_{i+1} = \sigma_{i+1}(p_{i+1}), \qquad C = \tfrac12 (q_3 - y)^2 ,$$
#
# with $\sigma_0$ the identity, $\sigma_1 = \tanh$, $\sigma_2$ the sigmoid and
# $\sigma_3 = \tanh$.

# %%
def sigmoid(p):
    return 1 / (1 + math.exp(-p))

x0, y = 0.9, 0.2
w01, w12, w23 = 1.3, -0.7, 2.1

p0 = x0
q0 = p0
p1 = w01 * q0
q1 = math.tanh(p1)
p2 = w12 * q1
q2 = sigmoid(p2)
p3 = w23 * q2
q3 = math.tanh(p3)
C = 0.5 * (q3 - y) ** 2

# the slopes of the activations at their p
ds1, ds2, ds3 = 1 - q1**2, q2 * (1 - q2), 1 - q3**2

# %% [markdown]
# ### By hand: push $\partial/\partial w_{01}$ forwards
#
# Ask how every node downstream of $w_{01}$ moves when $w_{01}$ moves, and
# write $\dot p = \partial p / \partial w_{01}$. The first node is easy, and
# each next one follows from the previous by one local derivative:
#
# $$\dot p_1 = q_0, \quad \dot q_1 = \sigma_1'(p_1)\,\dot p_1, \quad
#   \dot p_2 = w_{12}\,\dot q_1, \quad \dot q_2 = \sigma_2'(p_2)\,\dot p_2, \quad
#   \dot p_3 = w_{23}\,\dot q_2, \quad \dot q_3 = \sigma_3'(p_3)\,\dot p_3, \quad
#   \dot C = (q_3 - y)\,\dot q_3 .$$
#
# The seed $\dot p_1 = q_0$ is the document's **forward chain**: the value
# that arrives at the weight from the input side.

# %%
dots = [q0]                      # p1' = q0
dots.append(ds1 * dots[-1])      # q1'
dots.append(w12 * dots[-1])      # p2'
dots.append(ds2 * dots[-1])      # q2'
dots.append(w23 * dots[-1])      # p3'
dots.append(ds3 * dots[-1])      # q3'
dots.append((q3 - y) * dots[-1])  # C'
names = ["p1", "q1", "p2", "q2", "p3", "q3", "C"]

# %% [markdown]
# ### The engine: one `jvp` seeded on the weight
#
# `jvp(f, primals, tangents)` runs `f` once, carrying beside every value a
# *tangent*: the tangent of a node is the sum over its parents of
# (local derivative × the parent's tangent), the same local derivatives the
# reverse pass uses. Seeding the tangent 1 on $w_{01}$ and 0 on the other
# weights makes every tangent $\partial(\text{node})/\partial w_{01}$. To see
# all of them, `f` returns every node of the chain.

# %%
def chain(w01, w12, w23):
    p1 = w01 * q0
    q1 = p1.tanh()
    p2 = w12 * q1
    q2 = p2.sigmoid()
    p3 = w23 * q2
    q3 = p3.tanh()
    return [p1, q1, p2, q2, p3, q3, 0.5 * (q3 - y) ** 2]

weights = (w01, w12, w23)
values, along_w01 = jvp(chain, weights, (1.0, 0.0, 0.0))
_, along_w12 = jvp(chain, weights, (0.0, 1.0, 0.0))
_, along_w23 = jvp(chain, weights, (0.0, 0.0, 1.0))

print(f"{'node':5s} {'value':>9s} {'d/dw01':>9s} {'d/dw12':>9s} {'d/dw23':>9s}")
for row in zip(names, values, along_w01, along_w12, along_w23):
    print(f"{row[0]:5s}" + "".join(f" {x:+9.5f}" for x in row[1:]))

# %%
for by_hand, engine in zip(dots, along_w01):
    assert math.isclose(by_hand, engine, rel_tol=1e-12)
assert along_w12[:2] == [0.0, 0.0] and along_w23[:4] == [0.0] * 4   # upstream: no change

# %% [markdown]
# The column for $w_{12}$ starts at $p_2$, with $\dot p_2 = q_1$, and is 0
# above it; the one for $w_{23}$ starts at $p_3$ with $q_2$. Each seed is the
# forward chain arriving at that weight.
#
# ### Backward chain × forward chain, at any node
#
# Document 003 writes every derivative as a backward chain times a forward
# chain: $\partial C/\partial w_{01} = \delta_2\, q_0$, with
# $\delta_2 = (q_3 - y)\,\sigma_3'(p_3)\,w_{23}\,\sigma_2'(p_2)\,w_{12}\,\sigma_1'(p_1)$
# the backward chain from the cost down to $p_1$, and $q_0$ the forward
# chain up to the weight. The full product is
#
# $$\frac{\partial C}{\partial w_{01}} = \underbrace{(q_3 - y)\,\sigma_3'(p_3)\,
#   w_{23}\,\sigma_2'(p_2)\,w_{12}\,\sigma_1'(p_1)}_{\text{reverse mode multiplies from this end}}\;
#   \underbrace{q_0}_{\text{forward mode starts here}} .$$
#
# Both modes compute this same product; they only bracket it differently.
# Reverse mode multiplies from the cost's end and hands out a $\delta$ at
# every node; forward mode multiplies from the weight's end and hands out a
# $\dot p$ at every node. Cut the chain at **any** node $k$ and the two
# halves multiply back to the same number:
#
# $$\frac{\partial C}{\partial w_{01}} = \frac{\partial C}{\partial k} \cdot
#   \frac{\partial k}{\partial w_{01}} .$$
#
# The reverse pass gives the first factor at every node (`gradients`), the
# jvp the second.

# %%
W01, W12, W23 = Value(w01, label="w01"), Value(w12, label="w12"), Value(w23, label="w23")
nodes = chain(W01, W12, W23)
backward_chains = gradients(nodes[-1], nodes)          # dC/d(node), one reverse pass
dC_dw01 = gradients(nodes[-1], W01)

delta2 = (q3 - y) * ds3 * w23 * ds2 * w12 * ds1       # document 003's delta_2, by hand
print(f"dC/dw01: reverse pass {dC_dw01:.10f}   forward chain {along_w01[-1]:.10f}   "
      f"delta2 * q0 {delta2 * q0:.10f}")
for name, back, fwd in zip(names, backward_chains, along_w01):
    print(f"cut at {name:2s}: dC/d{name:2s} * d{name}/dw01 = {back:+.5f} * {fwd:+.5f} "
          f"= {back * fwd:+.8f}")

# %%
assert math.isclose(dC_dw01, delta2 * q0, rel_tol=1e-12)
assert math.isclose(along_w01[-1], dC_dw01, rel_tol=1e-12)
for back, fwd in zip(backward_chains, along_w01):
    assert math.isclose(back * fwd, dC_dw01, rel_tol=1e-12)

# %% [markdown]
# So one forward-mode pass gives $\partial(\text{every node})/\partial w$ for
# **one** weight, and one reverse pass gives $\partial C/\partial(\text{every
# node})$ for **one** output. A loss has one output and many weights; that
# is why training uses reverse mode. The next section counts the difference.
#
# **In JAX this is** `jax.jvp(f, primals, tangents)`. **In PyTorch this
# is** `torch.func.jvp`, or dual numbers with `torch.autograd.forward_ad`.
#
# ## 4. What each way costs, counted
#
# Take the loss of one neuron with $N$ weights,
# $C(w) = \tfrac12\big(\tanh(\textstyle\sum_i w_i a_i) - y\big)^2$, and
# compute all $N$ partial derivatives three ways:
#
# * **finite differences** (document 003's "2N forward propagation
#   passes"): two evaluations of $C$ per weight;
# * **forward mode**: one `jvp` per weight, each seeded on that weight;
# * **reverse mode**: one `grad`.
#
# We count instead of timing. A wrapper counts how often each method calls
# the function. To count the chain-rule work, here are the two sweeps
# written out by hand over a recorded graph, counting one multiplication per
# edge; they use only what every node records, its `.parents` and
# `.local_grads`.

# %%
class Counted:
    """f, counting its calls."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, *args):
        self.calls += 1
        return self.f(*args)

def forward_sweep(out, seeds):
    """d out / d seed-direction: tangents pushed from the inputs towards out."""
    tangent, products = dict(seeds), 0
    for node in reversed(topo_order(out)):            # inputs first
        if node.parents:
            tangent[node] = sum(local * tangent[p] for p, local in
                                zip(node.parents, node.local_grads))
            products += len(node.parents)
    return tangent[out], products

def reverse_sweep(out, inputs):
    """d out / d input for every input: adjoints pulled from out towards the inputs."""
    adjoint, products = {out: 1.0}, 0
    for node in topo_order(out):                      # output first
        for p, local in zip(node.parents, node.local_grads):
            adjoint[p] = adjoint.get(p, 0.0) + local * adjoint[node]
            products += 1
    return [adjoint.get(w, 0.0) for w in inputs], products

# %%
def neuron_loss_for(N, seed=0):
    rng = np.random.default_rng(seed)
    a = [float(v) for v in rng.uniform(-1, 1, N)]
    w = [float(v) for v in rng.normal(0, 1 / math.sqrt(N), N)]

    def loss(*ws):
        p = ws[0] * a[0]
        for w_i, a_i in zip(ws[1:], a[1:]):
            p = p + w_i * a_i
        return 0.5 * (p.tanh() - 0.3) ** 2

    return loss, w

rows = []
for N in [1, 10, 100]:
    loss, w = neuron_loss_for(N)
    leaves = [Value(v) for v in w]
    out = loss(*leaves)
    size = len(topo_order(out))                              # nodes of one evaluation

    fd = Counted(loss)
    g_fd = numerical_grad(fd, w)                              # 2 evaluations per weight
    fwd = Counted(loss)
    g_fwd = [jvp(fwd, w, [float(i == j) for i in range(N)])[1] for j in range(N)]
    rev = Counted(loss)
    g_rev = grad(rev, argnums=tuple(range(N)))(*w)

    # the same derivatives by the hand-written sweeps, counting products
    by_hand_fwd = [forward_sweep(out, {x: float(x is leaves[j]) for x in leaves})
                   for j in range(N)]
    by_hand_rev, rev_products = reverse_sweep(out, leaves)
    fwd_products = sum(products for _, products in by_hand_fwd)

    assert np.allclose(g_fwd, g_rev, rtol=1e-12, atol=1e-15)
    assert np.allclose([d for d, _ in by_hand_fwd], g_rev, rtol=1e-12, atol=1e-15)
    assert np.allclose(by_hand_rev, g_rev, rtol=1e-12, atol=1e-15)
    assert np.allclose(g_fd, g_rev, rtol=1e-5, atol=1e-9)     # only approximately
    rows.append((N, size, fd.calls, fwd.calls, rev.calls, fwd_products, rev_products))

print(f"{'':12} {'calls of C':^28} {'chain-rule products':^20}")
print(f"{'N':>4} {'nodes':>6}   {'fin. diff':>9} {'forward':>8} {'reverse':>8}   "
      f"{'forward':>8} {'reverse':>8}")
for N, size, c_fd, c_fwd, c_rev, p_fwd, p_rev in rows:
    print(f"{N:>4} {size:>6}   {c_fd:>9} {c_fwd:>8} {c_rev:>8}   {p_fwd:>8} {p_rev:>8}")

# %%
for N, size, c_fd, c_fwd, c_rev, p_fwd, p_rev in rows:
    assert (c_fd, c_fwd, c_rev) == (2 * N, N, 1)   # 2N evaluations, N passes, one pass
    assert p_fwd == N * p_rev                      # each forward sweep does one reverse's work
    assert p_rev <= 2 * size                       # a reverse sweep: <= 2 products per node
    assert size <= 4 * N + 2                       # and the graph grows like N

# %% [markdown]
# One evaluation of $C$ costs about as many operations as it has nodes
# ($\approx 3N$ here), and so does one sweep over its graph. So for all $N$
# derivatives:
#
# | method | evaluations of $C$ | sweeps | total work |
# |---|---|---|---|
# | finite differences | $2N$ | 0 | $\propto N^2$, and only approximate |
# | forward mode | $N$ | $N$ | $\propto N^2$ |
# | reverse mode | 1 | 1 | $\propto N$ |
#
# With $N = 100$ reverse mode already does a hundredth of the chain-rule work
# of forward mode; a network with a million weights makes that a millionth.
# The roles swap for a function of **one** input with many outputs: one
# forward sweep gives every output's derivative, and reverse mode would
# need one sweep per output. That is why JAX has both `jax.jacfwd` and
# `jax.jacrev` (chaingrad's `jacobian` runs one reverse pass per output).
#
# ## 5. The graph of the gradient
#
# How can `grad` be applied to `grad(f)`? Because with `create_graph=True`
# the reverse pass does its arithmetic on `Value`s: each local derivative is
# evaluated from its table rule as a small graph (for tanh, $1 - q\cdot q$),
# and each step of the chain rule is one more `*` or `+` node. The
# derivative is an ordinary graph, built by the same rules as any other.
#
# Take $y = \tanh(x^2)$, with $dy/dx = (1 - y^2)\cdot 2x$.

# %%
x = Value(0.5, label="x")
u = x * x
u.label = "u"
y_node = u.tanh()
y_node.label = "y"

dy_dx = gradients(y_node, x, create_graph=True)     # a Value with a graph of its own
print(trace_text(dy_dx, reverse=False, grads=False))

# %% [markdown]
# Read it top down: the forward pass of $y$ (`u`, `y`), then the reverse
# pass written as nodes. `1 - y * y` is tanh's rule $1 - q^2$ evaluated on the
# node `y` itself; the reverse pass multiplies it by 1 (the seed, skipped)
# and then by the local derivatives of `u = x * x`, which are `x` and `x`,
# one per edge: that is why `x * (1 - y·y)` appears twice and is then added.

# %%
draw(dy_dx)

# %% [markdown]
# Differentiating this graph gives the second derivative,
# $\frac{d^2 y}{dx^2} = 2(1 - y^2) - 8x^2\,y\,(1 - y^2)$.

# %%
d2y = gradients(dy_dx, x)
yv = math.tanh(0.25)
print(f"dy/dx = {dy_dx.data:.10f}   d2y/dx2 = {d2y:.10f}")
assert math.isclose(dy_dx.data, (1 - yv**2) * 2 * 0.5, rel_tol=1e-12)
assert math.isclose(d2y, 2 * (1 - yv**2) - 8 * 0.25 * yv * (1 - yv**2), rel_tol=1e-12)
d2y_by_grad = grad(grad(lambda t: (t * t).tanh()))(0.5)
print(f"the same by grad(grad(...)): {d2y_by_grad:.10f};  x.grad is still {x.grad}")
assert math.isclose(d2y, d2y_by_grad, rel_tol=1e-12) and x.grad == 0.0

# %% [markdown]
# `gradients` touched no `.grad`: the derivatives come back as results, so
# a derivative taken in the middle of some other computation disturbs
# nothing. And `grad(grad(f))` is the same thing behind a function: the
# inner `grad` builds this graph, the outer one runs an ordinary reverse
# pass over it.
#
# **In JAX this is** `jax.make_jaxpr(jax.grad(f))(0.5)`, which prints the
# gradient's own program, much like `trace_text` above. **In PyTorch this
# is** `torch.autograd.grad(y, x, create_graph=True)`, whose result has a
# `grad_fn` of its own.
#
# **What to remember.** A derivative rule is arithmetic, so a derivative is
# a graph and can be differentiated again: `grad(grad(f))` for Newton's
# method, `hessian` for curvature, `hvp` for $Hv$ without $H$. Forward mode
# carries $\partial(\text{node})/\partial w$ from one weight towards the
# output (the forward chains), reverse mode carries
# $\partial C/\partial(\text{node})$ from the cost back (the backward
# chains); both multiply the same factors. With one loss and $N$ weights,
# reverse mode needs one sweep where forward mode needs $N$ and finite
# differences $2N$ evaluations.
