# %% [markdown]
# # 07 · Weight decay: the full cost, its constants, and what $\lambda$ does
#
# Document 002 quotes the cost that many courses train with: for $m$
# examples,
#
# $$J(W, b) = \underbrace{\frac1m\sum_{i=1}^m \tfrac12\,\big|h_{W,b}(x^{(i)}) - y^{(i)}\big|^2}_{\text{average error}}
#   \;+\; \underbrace{\frac\lambda2\sum_{l}\sum_{i,j}\big(W^{(l)}_{ji}\big)^2}_{\text{weight decay}},$$
#
# and asks three good questions: why the $\tfrac12$, why average instead
# of summing, and why the second term. We answer each with a check, then
# watch $\lambda$ at work on a small network.

# %%
import math
import random

import matplotlib.pyplot as plt
import numpy as np

from autograd import Value, draw, explain
from autograd import sum as vsum
from nn import MLP, SGD, Adam, fit, l2_penalty, mse

# %% [markdown]
# ## 1. Why the $\tfrac12$
#
# Differentiating $e^2$ brings down a 2. With the $\tfrac12$ in front, the
# derivative of $\tfrac12(\hat y - y)^2$ by $\hat y$ is just the error
# $\hat y - y$, with no stray factor: the error *is* the start of every
# backward chain. Nothing else changes: multiplying a cost by a positive
# constant moves neither its minimum nor the direction of its gradient,
# only the gradient's length (and the learning rate absorbs that).

# %%
yhat = Value(0.8)
C = mse(yhat, 0.3)                # 1/2 (yhat - y)^2
C.backward()
assert math.isclose(yhat.grad, 0.8 - 0.3)

ws = np.linspace(-2, 3, 501)
f = (ws - 1.2) ** 2 + 0.5 * np.sin(3 * ws)           # any cost of one weight
assert np.argmin(f) == np.argmin(0.5 * f) == np.argmin(7 * f)

# %% [markdown]
# ## 2. Why the $\frac1m$
#
# The same argument says the $\frac1m$ does not move the minimum of the
# error term either. What it buys is a cost, and a gradient, whose size
# does not depend on how many examples there are: the *average* error.
# With a plain sum, doubling the data set doubles every gradient, and a
# learning rate tuned on one data set is twice too large on the other. We
# check that with a copy of a data set stacked on itself.

# %%
rng = random.Random(0)
X = [[-1 + 2 * i / 11] for i in range(12)]
y = [math.sin(3 * x[0]) + rng.gauss(0, 0.3) for x in X]

def grads_of(model, X, y, reduction):
    model.zero_grad()
    total = vsum([mse(model(x), t) for x, t in zip(X, y)])
    (total * (1 / len(X)) if reduction == "mean" else total).backward()
    return np.array([p.grad for p in model.parameters()])

model = MLP(1, [8, 1], activation="tanh", seed=0)
g_mean, g_mean2 = grads_of(model, X, y, "mean"), grads_of(model, X * 2, y * 2, "mean")
g_sum, g_sum2 = grads_of(model, X, y, "sum"), grads_of(model, X * 2, y * 2, "sum")

# %%
assert np.allclose(g_mean2, g_mean)          # averaged: the same gradient
assert np.allclose(g_sum2, 2 * g_sum)        # summed: twice the gradient

# %% [markdown]
# Where the $\frac1m$ *does* matter is in the balance with the second
# term: $\lambda$ is weighed against the **average** error, so one value
# of $\lambda$ means the same thing for a data set of 100 examples and
# one of a million.
#
# ## 3. Why the second term
#
# The weight-decay term $\frac\lambda2\sum W^2$ charges the network for
# large weights. Many different weight settings fit the training data
# about equally well; among them it prefers the one with small weights,
# which tends to give smoother functions that follow the data's trend
# rather than its noise (overfitting is the opposite). It is a
# preference, not a law: the right $\lambda$ is found by trying. (In
# probabilistic terms: a Gaussian prior belief that weights are small,
# whose negative log is exactly this term.)
#
# Its derivative is simply $\lambda W$, so the gradient of $J$ is
#
# $$\frac{\partial J}{\partial W} = \frac1m\sum_i \frac{\partial J_i}{\partial W} + \lambda\,W,
#   \qquad \frac{\partial J}{\partial b} = \frac1m\sum_i \frac{\partial J_i}{\partial b} ,$$
#
# and the **biases are not decayed**: the sum runs over the weights $W$
# only. `nn.l2_penalty(model, lam)` is this term: it takes
# `model.weights()`, never the biases.

# %%
lam = 0.05
model = MLP(1, [8, 1], activation="tanh", seed=0)
data_grads = grads_of(model, X, y, "mean")

model.zero_grad()
J = vsum([mse(model(x), t) for x, t in zip(X, y)]) * (1 / len(X)) + l2_penalty(model, lam)
J.backward()

for (name, p), g in zip(model.named_parameters(), data_grads):
    decay = 0.0 if name.endswith(".b") else lam * p.data
    assert math.isclose(p.grad, g + decay, rel_tol=1e-9, abs_tol=1e-12)
print("weights:", len(model.weights()), " biases:", len(model.parameters()) - len(model.weights()))

# %% [markdown]
# In the graph, the penalty is a second road from each weight to the
# cost. `explain` lists both kinds of path for one weight of a small
# network (two examples): those through the network (the data term)
# and those through the penalty, whose products add up to $\lambda w$.
# Every road appears twice: each square is a `dot` of a vector with
# itself, so the value reaches it along two edges (the $2$ of
# $\frac{d}{dw}w^2 = 2w$).

# %%
small = MLP(1, [2, 1], activation="tanh", seed=0)
penalty_node = l2_penalty(small, lam)
Js = vsum([mse(small(x), t) for x, t in zip(X[:2], y[:2])]) * 0.5 + penalty_node
Js.label = "J"
Js.backward()
w = small.layers[1].neurons[0].w[0]
e = explain(Js, w)
penalty = [path for path in e.paths if any(n is penalty_node for n in path.nodes)]
for path in e.paths:
    road = "penalty" if path in penalty else "data"
    print(f"{road:8} {path.numbers():52} = {path.product:+.6f}")
print(f"{'total':8} {'':52} = {e.total:+.6f}   (lambda * w = {lam * w.data:+.6f})")

# %%
assert math.isclose(sum(p.product for p in penalty), lam * w.data)
assert math.isclose(e.total, w.grad)

# %%
draw(Js, highlight=w)

# %% [markdown]
# ## 4. Weight decay in the optimizer
#
# Adding $\lambda W$ to the gradient before the step is what optimizers
# call *weight decay*: $W \leftarrow W - \eta\,(\nabla + \lambda W) =
# (1 - \eta\lambda)\,W - \eta\nabla$, a shrink toward zero at every step.
# `nn.SGD(params, lr, weight_decay=lam)` does this to **every parameter
# it is given**, biases included (as PyTorch's does); to match $J$ give
# it only the weights.

# %%
def one_step(use_penalty):
    m_ = MLP(1, [8, 1], activation="tanh", seed=0)
    biases = [p for n, p in m_.named_parameters() if n.endswith(".b")]
    data = vsum([mse(m_(x), t) for x, t in zip(X, y)]) * (1 / len(X))
    if use_penalty:
        (data + l2_penalty(m_, lam)).backward()
        SGD(m_.parameters(), lr=0.1).step()
    else:
        data.backward()
        SGD(m_.weights(), lr=0.1, weight_decay=lam).step()
        SGD(biases, lr=0.1).step()
    return np.array([p.data for p in m_.parameters()])

assert np.allclose(one_step(use_penalty=True), one_step(use_penalty=False))

# %% [markdown]
# ## 5. What $\lambda$ does to a trained network
#
# Twelve noisy samples of a sine, and a network with 16 tanh neurons:
# enough capacity to chase the noise. We train it three times with
# `nn.fit` (whose `l2=` option adds `l2_penalty(model, l2)` to every
# step's cost), changing only $\lambda$.

# %%
lams = [0.0, 0.01, 0.1]
models, norms = {}, {}
for lam_ in lams:
    net = MLP(1, [16, 1], activation="tanh", seed=0)
    fit(net, X, y, loss="mse", optimizer=Adam(net.parameters(), lr=0.05),
        epochs=150, l2=lam_, verbose=False)
    models[lam_] = net
    norms[lam_] = math.sqrt(sum(w.data ** 2 for w in net.weights()))
print({k: round(v, 3) for k, v in norms.items()})

# %%
grid = np.linspace(-1.1, 1.1, 200)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
left.scatter([x[0] for x in X], y, color="black", zorder=3, label="data")
left.plot(grid, np.sin(3 * grid), color="grey", linestyle=":", label="sin(3x), no noise")
for lam_, net in models.items():
    left.plot(grid, [net.forward_floats([g]) for g in grid], label=f"λ = {lam_}")
left.set_title("the learned functions")
left.legend(fontsize=8)
right.bar([str(l) for l in lams], [norms[l] for l in lams], color=["C0", "C1", "C2"])
right.set_xlabel("λ")
right.set_ylabel("|W| (all weights, no biases)")
right.set_title("the size of the learned weights")
fig.tight_layout()
plt.show()

# %%
assert norms[0.0] > norms[0.01] > norms[0.1]   # more decay, smaller weights

# %% [markdown]
# Without decay the network bends toward individual noisy points; with a
# little, the curve is smoother and the weights much smaller; with too
# much, the network can no longer afford the weights the sine needs and
# flattens out (it underfits).
#
# **In PyTorch this is** `torch.optim.SGD(model.parameters(), lr,
# weight_decay=lam)` (which decays biases too unless you pass parameter
# groups), or adding `lam / 2 * sum((w ** 2).sum() for w in weights)` to
# the loss. `torch.optim.AdamW` decays the weights directly instead of
# through the gradient, which is not the same thing for Adam.
#
# **What to remember.** The $\tfrac12$ and the $\frac1m$ are conveniences
# that move no minimum; the $\frac\lambda2|W|^2$ term does move it, toward
# small weights, and adds $\lambda W$ to every weight's gradient. Next:
# [08 · training](08_training.ipynb).
