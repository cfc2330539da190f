# %% [markdown]
# # 05 · The minibatch update: outer product, not Hadamard
#
# Gradient descent rarely uses one example at a time. With a batch of
# $m$ examples the cost is the average of their costs, and the update of
# layer $l$'s weights reads
#
# $$W^l \;\leftarrow\; W^l - \frac{\eta}{m}\sum_x \delta^{x,l}\,\big(a^{x,l-1}\big)^\top ,$$
#
# where, for example $x$, $\delta^{x,l}$ is the layer's $\delta$
# ($\partial C_x/\partial p$, one entry per neuron of layer $l$) and
# $a^{x,l-1}$ is the previous layer's activation (our $q_{l-1}$).
# Document 000 asks whether the product inside the sum should be a
# Hadamard product $\delta\odot a$ instead, since the per-weight formula
#
# $$\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k\,\delta^l_j$$
#
# looks like "multiply matching entries". It should not, and the shapes
# say why.

# %%
import numpy as np

from autograd import draw, explain
from autograd import sum as vsum
from nn import MLP, SGD, mse

rng = np.random.default_rng(5)

# %% [markdown]
# ## 1. Shapes decide
#
# Let layer $l$ have $j$ neurons and layer $l-1$ have $k$. Then $W^l$ is a
# $(j, k)$ matrix, $\delta$ has $j$ entries and $a$ has $k$. The update
# must have $W^l$'s shape. The formula $\partial C/\partial w_{jk} =
# \delta_j\,a_k$ fills a $(j, k)$ table with every product of one entry
# of $\delta$ and one entry of $a$: that table **is** the outer product
# $\delta\,a^\top$. A Hadamard product pairs entry $i$ with entry $i$; it
# needs $j = k$ and returns a vector.

# %%
j, k = 2, 3
delta, a = rng.normal(size=j), rng.normal(size=k)
outer = np.outer(delta, a)                   # delta a^T
print("delta a^T has shape", outer.shape)

try:
    delta * a
    hadamard_ok = True
except ValueError:
    hadamard_ok = False

# %%
assert outer.shape == (j, k)
assert all(outer[r, c] == delta[r] * a[c] for r in range(j) for c in range(k))
assert not hadamard_ok                       # 2 entries against 3: undefined

# %% [markdown]
# When the two layers happen to have the same size the Hadamard product
# *can* be computed, and that makes it a trap: it gives exactly the
# **diagonal** of the outer product, the derivatives for the weights
# $w_{11}, w_{22}, \dots$ and nothing for all the others.

# %%
d3, a3 = rng.normal(size=3), rng.normal(size=3)
assert np.allclose(d3 * a3, np.diag(np.outer(d3, a3)))

# %% [markdown]
# ## 2. Summing over the batch
#
# For each example we get one $(j, k)$ matrix $\delta^x (a^x)^\top$, and
# the update adds them up. Stack the batch as rows, $\Delta$ of shape
# $(m, j)$ and $A$ of shape $(m, k)$: the sum is one matrix product,
# $\Delta^\top A$. Entry $(j, k)$ of it pairs $\delta_j$ with $a_k$
# **example by example** and sums over the examples. So there *is* an
# entry-by-entry product in the update, but it runs over the batch
# index $x$, not over the neurons. (That is the sense of "a Hadamard
# product, then sum the rows" in the answer to document 000.)

# %%
m = 4
Delta = rng.normal(size=(m, j))    # row x: delta of example x
Acts = rng.normal(size=(m, k))     # row x: activation of example x

sum_of_outers = sum(np.outer(Delta[x], Acts[x]) for x in range(m))
as_matmul = Delta.T @ Acts
as_einsum = np.einsum("xj,xk->jk", Delta, Acts)   # multiply along x, then sum over x

# %%
assert np.allclose(sum_of_outers, as_matmul)
assert np.allclose(sum_of_outers, as_einsum)

# %% [markdown]
# ## 3. The engine: a weight shared by a batch
#
# In the engine nothing special happens for a batch. The same weight
# `Value` is used by every example's forward pass, so it has one
# consumer per example, and the backward pass adds what each consumer
# sends back (a node used several times gets the sum over all its
# paths). Two examples and a one-neuron layer keep the picture small:
# the highlighted weight feeds two `dot` nodes, one per example.

# %%
tiny = MLP(2, [1], seed=0)                   # one linear neuron: p = w . x + b
batch = [[1.0, -2.0], [0.5, 0.5]]
targets = [1.0, -1.0]
outs = [tiny(xb) for xb in batch]
C = vsum([mse(o, t) for o, t in zip(outs, targets)]) * (1 / len(batch))
C.label = "C"
C.backward()
w = tiny.layers[0].neurons[0].w[0]
draw(C, highlight=w)

# %% [markdown]
# `explain` splits the weight's gradient into one term per consumer,
# that is one $\delta^x\,a^x$ per example; the total is their sum:

# %%
e = explain(C, w)
for s in e.split:
    print(s)
print("total:", e.total)

# %%
assert len(e.split) == len(batch)
assert np.isclose(sum(s.product for s in e.split), w.grad)
# each term: (1/m) (yhat_x - y_x) times input 0 of example x
by_hand = [(o.data - t) / len(batch) * xb[0] for o, t, xb in zip(outs, targets, batch)]
assert np.allclose(sorted(s.product for s in e.split), sorted(by_hand))

# %% [markdown]
# ## 4. One SGD step equals $\frac{\eta}{m}\sum_x \delta^x a^{x\top}$
#
# Now a real layer inside an MLP. We run a batch of $m = 5$ examples
# through `MLP(3, [4, 2])`, average their costs, take one step of
# `nn.SGD`, and compare the new weights of the first layer with the
# formula, computed from each example's own $\delta$ and activation
# (read off its trace).

# %%
model = MLP(3, [4, 2], activation="tanh", seed=2)
X = rng.normal(size=(5, 3))
Y = rng.normal(size=(5, 2))
eta, m = 0.1, len(X)

traces = [model.trace(list(x)) for x in X]
C = vsum([mse(t.output, list(yx)) for t, yx in zip(traces, Y)]) * (1 / m)
model.zero_grad()
C.backward()

# each example's delta for layer 1 and its input activation q_0, both scaled back from 1/m
deltas = np.array([[v.grad * m for v in t.p[1]] for t in traces])    # (m, 4)
acts = np.array([[v.data for v in t.q[0]] for t in traces])          # (m, 3)
W_before = np.array([[v.data for v in n.w] for n in model.layers[0].neurons])
expected = W_before - eta / m * deltas.T @ acts

SGD(model.parameters(), lr=eta).step()
W_after = np.array([[v.data for v in n.w] for n in model.layers[0].neurons])
print("largest weight change:", np.abs(W_after - W_before).max().round(5))

# %%
assert np.allclose(W_after, expected)

# %% [markdown]
# The per-example $\delta$'s were read off separate traces, so the check
# is not circular: each example's backward chain times its forward chain,
# summed over the batch, is the step the optimizer took.
#
# **In PyTorch this is** `loss = F.mse_loss(...)` averaged over the batch
# (the `reduction="mean"` default); `nn.Linear`'s weight gradient is
# computed in one matrix product, `grad_output.T @ input`, which is our
# $\Delta^\top A$ (the $\frac1m$ already inside `grad_output`).
#
# **What to remember.** The update is an outer product per example,
# summed over the batch: $\frac{\eta}{m}\,\Delta^\top A$. The only
# entry-by-entry pairing is across examples. Next:
# [06 · softmax and cross-entropy](06_softmax_cross_entropy.ipynb).
