# %% [markdown]
# # 06 · Softmax, cross-entropy, and the derivative with respect to the input
#
# Document 001 works through a classifier written with **row vectors**:
#
# $$a = x\,W_1 + b_1, \qquad h = \sigma(a), \qquad \theta = h\,W_2 + b_2, \qquad
#   \hat y = \operatorname{softmax}(\theta), \qquad L = -\sum_k y_k \log \hat y_k ,$$
#
# with $x$ of shape $(1, 5)$, $W_1$ $(5, 3)$, $W_2$ $(3, 5)$, $\sigma$ the
# logistic sigmoid applied entry by entry, and $y$ the one-hot label.
# It asks for $\partial L/\partial x$, and it raises three questions we
# answer here, each with a check:
#
# 1. Why does $\partial L/\partial\theta$ come out as simply $\hat y - y$?
# 2. Why does $W_2$ appear **transposed**, and why is $\sigma'$ multiplied
#    in **entry by entry** ($\circ$, the Hadamard product)?
# 3. The answer's final line, $\big((\hat y - y)W_2^\top\big)\circ
#    \big((h - h\circ h)W_1^\top\big)$, looks plausible. Why can it not be
#    computed at all?

# %%
import math

import numpy as np

from autograd import Value, draw, explain
from autograd import sum as vsum

rng = np.random.default_rng(1)
x = rng.normal(size=5)
W1, b1 = rng.normal(size=(5, 3)), rng.normal(size=3)
W2, b2 = rng.normal(size=(3, 5)), rng.normal(size=5)
label = 2
y = np.eye(5)[label]                      # one-hot

# %% [markdown]
# ## 1. The forward pass, by hand
#
# Softmax turns any five numbers into five positive numbers that add up
# to 1; cross-entropy with a one-hot $y$ is just $-\log$ of the
# probability given to the right class.

# %%
def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def softmax(z):
    e = np.exp(z - z.max())               # shifting by the max changes nothing
    return e / e.sum()

a = x @ W1 + b1
h = sigmoid(a)
theta = h @ W2 + b2
y_hat = softmax(theta)
loss = -np.sum(y * np.log(y_hat))
print("y_hat =", y_hat.round(4), "  L =", round(loss, 5))

# %%
assert np.isclose(y_hat.sum(), 1.0) and (y_hat > 0).all()
assert np.isclose(loss, -np.log(y_hat[label]))

# %% [markdown]
# ## 2. Why $\partial L/\partial\theta = \hat y - y$
#
# With the true class $c$, $L = -\log\hat y_c = -\theta_c +
# \log\sum_k e^{\theta_k}$. The first term depends on $\theta_c$ only and
# contributes $-1$ there, i.e. $-y$. The second is the same for every
# class, and its derivative by $\theta_k$ is $e^{\theta_k}/\sum_j
# e^{\theta_j} = \hat y_k$. Together:
#
# $$\frac{\partial L}{\partial\theta} = \hat y - y .$$
#
# The long way round gives the same: softmax's Jacobian is
# $\partial\hat y_i/\partial\theta_j = \hat y_i(\,[i{=}j] - \hat y_j)$,
# that is $\operatorname{Diag}(\hat y) - \hat y\,\hat y^\top$, and
# $\partial L/\partial\hat y = -y/\hat y$; multiplying the two, the
# $\hat y$'s cancel and $\sum_k y_k = 1$ leaves $\hat y - y$.
#
# In the engine we build softmax and cross-entropy from `exp`, a `sum`
# node, a division and a `log`, exactly as written, and read the
# $\theta$ gradients:

# %%
def softmax_values(logits):
    exps = [t.exp() for t in logits]
    total = vsum(exps)
    return [e / total for e in exps]

T = [Value(t, label=f"θ{k}") for k, t in enumerate(theta)]
Yhat = softmax_values(T)
L = -Yhat[label].log()
L.backward()
print("engine dL/dtheta:", np.round([t.grad for t in T], 5))
print("y_hat - y:       ", (y_hat - y).round(5))

# %%
assert np.allclose([t.grad for t in T], y_hat - y)

# The Jacobian route, checked entry by entry with the engine: one backward pass per output.
jac = np.diag(y_hat) - np.outer(y_hat, y_hat)
for i in range(5):
    T = [Value(t) for t in theta]
    softmax_values(T)[i].backward()
    assert np.allclose([t.grad for t in T], jac[i])
assert np.allclose((-y / y_hat) @ jac, y_hat - y)

# %% [markdown]
# Where do $\hat y$ and $-y$ come from in the graph? Written as
# $L = \log\sum_k e^{\theta_k} - \theta_c$ (the stable form libraries
# use), there are **two paths** from $\theta_c$ to $L$: one through the
# normaliser, whose product is $\hat y_c$, and a direct one with the
# single factor $-1$. For every other class only the first path exists.
# `explain` lists them:

# %%
T = [Value(t, label=f"θ{k}") for k, t in enumerate(theta)]
L2 = vsum([t.exp() for t in T]).log() - T[label]
L2.label = "L"
L2.backward()
e = explain(L2, T[label])
print(e)

# %%
products = sorted(p.product for p in e.paths)
assert len(e.paths) == 2
assert np.isclose(products[0], -1.0) and np.isclose(products[1], y_hat[label])
assert np.isclose(L2.data, loss)

# %% [markdown]
# In the drawing (edges labelled with their symbols), follow the two
# roads out of $\theta_2$: up through `exp`, the sum and `log`, and
# straight across to the final subtraction.

# %%
draw(L2, symbols=True)

# %% [markdown]
# ## 3. Back through the layers: the transpose and the Hadamard product
#
# **Why $W_2^\top$.** $\theta_j = \sum_i h_i\,(W_2)_{ij} + (b_2)_j$, so
# $h_i$ reaches the loss through *every* $\theta_j$, and the chain rule
# sums over them:
# $\partial L/\partial h_i = \sum_j (\hat y - y)_j\,(W_2)_{ij}$. A sum over
# the *second* index of $W_2$ is a product with $W_2^\top$:
# $\partial L/\partial h = (\hat y - y)\,W_2^\top$. Nobody transposes to
# make shapes fit; the chain rule produces the transpose (as in
# notebook 03: going backwards through a layer multiplies by
# $W^\top$).
#
# **Why $\circ$.** $h_i = \sigma(a_i)$ depends on $a_i$ alone. The
# Jacobian of $h$ by $a$ is therefore diagonal, $\operatorname{Diag}(
# \sigma'(a))$, and multiplying a row vector by a diagonal matrix is the
# same as multiplying entry by entry. For the sigmoid,
# $\sigma'(a) = h - h\circ h$.
#
# **Then $W_1^\top$** for the same reason as $W_2^\top$. In full:
#
# $$\frac{\partial L}{\partial x} = \Big[\big((\hat y - y)\,W_2^\top\big)\circ
#   (h - h\circ h)\Big]\;W_1^\top .$$

# %%
g_h = (y_hat - y) @ W2.T                 # dL/dh, shape (3,)
g_a = g_h * (h - h * h)                  # dL/da: entry by entry
g_x = g_a @ W1.T                         # dL/dx, shape (5,)
print("dL/dx by hand:", g_x.round(5))

# %%
assert np.allclose(g_h @ np.diag(h - h * h), g_h * (h - h * h))  # diagonal Jacobian == Hadamard

# %% [markdown]
# The engine builds the whole network out of scalars (`dot` for each
# entry of $xW_1$ and $hW_2$, `sigmoid` for $\sigma$) and gets
# $\partial L/\partial x$ in one backward pass, with no transposes or
# Hadamard products anywhere in its code:

# %%
from autograd import dot

X = [Value(v, label=f"x{i}") for i, v in enumerate(x)]
A_ = [dot(X, list(W1[:, j])) + b1[j] for j in range(3)]
H = [v.sigmoid() for v in A_]
Theta = [dot(H, list(W2[:, k])) + b2[k] for k in range(5)]
L = -softmax_values(Theta)[label].log()
L.backward()
print("dL/dx engine: ", np.round([v.grad for v in X], 5))

# %%
assert np.isclose(L.data, loss)
assert np.allclose([v.grad for v in X], g_x)
assert np.allclose([v.grad for v in A_], g_a)   # dL/da, the hidden layer's delta

# %% [markdown]
# The accepted answer in document 001 works with **column vectors**,
# $a = W_1^\top x + b_1$, and arrives at
# $\partial L/\partial x = W_1\,(H - H^2)\,W_2\,(\hat y - y)$ with
# $H = \operatorname{Diag}(h)$. It is the same vector: transpose our row
# result and remember that a diagonal matrix is its own transpose.

# %%
H_ = np.diag(h)
column_form = W1 @ (H_ - H_ @ H_) @ W2 @ (y_hat - y)
assert np.allclose(column_form, g_x)

# %% [markdown]
# ## 4. Why the answer's last line cannot be formed
#
# Converting back to row vectors, the answer writes
# $\big((\hat y - y)W_2^\top\big)\circ\big((h - h\circ h)W_1^\top\big)$.
# Check the shapes: the left factor lives in the hidden layer, 3 entries;
# the right factor has already been carried back to the input, 5 entries.
# A Hadamard product needs two vectors of the same length, so the
# expression is not just wrong, it is **undefined**. numpy agrees:

# %%
left = (y_hat - y) @ W2.T                # shape (3,)
right = (h - h * h) @ W1.T               # shape (5,)
print("shapes:", left.shape, right.shape)
try:
    left * right
    formed = True
except ValueError as err:
    formed = False
    print("numpy:", err)

# %%
assert left.shape == (3,) and right.shape == (5,)
assert not formed

# %% [markdown]
# The slip is in *where* $\sigma'$ is multiplied in. $\sigma'(a)$ belongs
# to the hidden layer, so the entry-by-entry product must happen there,
# while the vector still has 3 entries, and only then may $W_1^\top$
# carry it to the input: $\big[(\hat y - y)W_2^\top \circ
# (h - h\circ h)\big]\,W_1^\top$. In the column form this is the
# diagonal matrix $H - H^2$ standing between $W_1$ and $W_2$.
#
# When the input and hidden layers happen to have the same size the
# misplaced formula *can* be evaluated, which makes the slip dangerous:
# it then gives a wrong number without complaint.

# %%
V1 = rng.normal(size=(3, 3))              # a 3 -> 3 first layer, so the shapes match
xs = rng.normal(size=3)
hs = sigmoid(xs @ V1 + b1)
ys_hat = softmax(hs @ W2 + b2)
right_place = (((ys_hat - y) @ W2.T) * (hs - hs * hs)) @ V1.T
wrong_place = ((ys_hat - y) @ W2.T) * ((hs - hs * hs) @ V1.T)

Xs = [Value(v) for v in xs]
Hs = [(dot(Xs, list(V1[:, j])) + b1[j]).sigmoid() for j in range(3)]
Ls = -softmax_values([dot(Hs, list(W2[:, k])) + b2[k] for k in range(5)])[label].log()
Ls.backward()
engine = np.array([v.grad for v in Xs])
print("engine:     ", engine.round(5))
print("right place:", right_place.round(5))
print("wrong place:", wrong_place.round(5))

# %%
assert np.allclose(engine, right_place)
assert not np.allclose(engine, wrong_place)

# %% [markdown]
# ## 5. The library's loss
#
# `nn.cross_entropy(logits, target_index)` computes the same loss in the
# stable log-sum-exp form (it does not overflow at logits of 1000), and
# its gradient with respect to the logits is again $\hat y - y$.

# %%
from nn import cross_entropy
from nn import softmax as nn_softmax

T = [Value(t) for t in theta]
Lnn = cross_entropy(T, label)
Lnn.backward()
assert math.isclose(Lnn.data, loss, rel_tol=1e-12)
assert np.allclose([t.grad for t in T], y_hat - y)
assert np.allclose([v.data for v in nn_softmax([Value(t) for t in theta])], y_hat)

big = [Value(1000.0), Value(0.0), Value(-1000.0)]
print("cross_entropy at logits (1000, 0, -1000), class 1:", cross_entropy(big, 1).data)

# %% [markdown]
# **In PyTorch this is** `torch.nn.functional.cross_entropy(logits,
# target)`, which also takes raw logits (softmax inside, log-sum-exp
# form); `logits.grad` after `backward()` is `softmax(logits) -
# one_hot(target)`.
#
# **What to remember.** Softmax followed by cross-entropy has the
# simplest possible gradient, $\hat y - y$. Going back through a linear
# layer multiplies by $W^\top$; going back through an elementwise
# activation multiplies entry by entry by $\sigma'$, *in the layer where
# that activation lives*. Next: [07 · weight decay](07_weight_decay.ipynb).
