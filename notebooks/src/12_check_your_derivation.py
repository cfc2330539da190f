# %% [markdown]
# # 12 · Check your derivation: the first wrong step, and the mistake that made it
#
# Comparing your final number with the engine's tells you *that* you are
# wrong. `check_derivation` tells you *where* and *why*: you give it the
# numbers you derived by hand (d C / d node for the nodes you worked out,
# by their labels), it walks the graph in the reverse pass's order, stops
# at the **first** wrong number whose consumers you got right (the place
# the mistake was made, not every place it spread to), and tries the
# mistakes learners make on the edges into it:
#
# | code | the mistake |
# | --- | --- |
# | `wrong_local` | a local derivative taken wrongly: tanh' as $1 - p^2$, σ' as σ, the weight for $\partial(wq)/\partial w$ ... (each op's entry in the table lists its own) |
# | `missed_path` | a node used twice got the share of one use only: `=` where backward has `+=` |
# | `no_chain` | the local derivative alone, not multiplied by the consumer's δ |
# | `sign` | the negative of the right number |
# | `factor` | off by 2, ½, $m$ or $1/m$: the ½ of a squared error, the mean of a batch |
# | `unknown` | none of these; the check still names the node and both numbers |
#
# The exercises below are the documents' own derivations. In each, the
# cell marked **your numbers** holds a hand derivation; change a number
# and run the cell again to see what the check says. Nothing here reads or
# writes any `.grad`.

# %%
import numpy as np

from autograd import Value, assert_derivation, check_derivation, explain, topo_order
from autograd import sum as vsum

# %% [markdown]
# ## Exercise 1 · Document 003's chain
#
# One node per layer, tanh at every node:
# $p_0 = x$, $q_i = \tanh(p_i)$, $p_{i+1} = w_{i,i+1}\,q_i$,
# $C = \tfrac12 (q_3 - y)^2$. The document's backward chains are
#
# $$\delta_0 = (q_3 - y)\,\sigma'(p_3),\quad \delta_1 = \delta_0\, w_{23}\,\sigma'(p_2),
#   \quad \delta_2 = \delta_1\, w_{12}\,\sigma'(p_1),$$
#
# with $\sigma'(p) = 1 - q^2$ for tanh, and
# $\partial C/\partial w_{i,i+1} = \delta_{2-i}\, q_i$.

# %%
def chain_003(x=0.8, ws=(0.9, -1.1, 0.7), y=0.3):
    w = [Value(v, label=f"w{i}{i + 1}") for i, v in enumerate(ws)]
    p, q = [Value(x, label="p0")], []
    for i in range(4):
        q.append(p[i].tanh())
        q[i].label = f"q{i}"
        if i < 3:
            p.append(w[i] * q[i])
            p[i + 1].label = f"p{i + 1}"
    C = (q[3] - y) ** 2 / 2
    C.label = "C"
    return C, w, p, q

C, w, p, q = chain_003()
y = 0.3
Q = [n.data for n in q]          # the forward chain, read off the nodes
W = [n.data for n in w]

# %% [markdown]
# **Your numbers** (hand-worked first, then checked):

# %%
d0 = (Q[3] - y) * (1 - Q[3] ** 2)
d1 = d0 * W[2] * (1 - Q[2] ** 2)
d2 = d1 * W[1] * (1 - Q[1] ** 2)
mine = {"q3": Q[3] - y, "p3": d0, "p2": d1, "p1": d2,
        "w23": d0 * Q[2], "w12": d1 * Q[1], "w01": d2 * Q[0]}
report = check_derivation(C, mine)
print(report)

# %%
assert report.ok and report.checked == 7

# %% [markdown]
# The same chain drawn by the engine (a fresh copy, so the graph above keeps
# its `.grad` untouched), $w_{23}$ highlighted: its gradient is the backward
# chain $\delta_0$ (green) times the forward chain $q_2$ (blue), the product
# the numbers above were checked against.

# %%
from autograd import draw  # noqa: E402

C_drawn, w_drawn, _, _ = chain_003()
C_drawn.backward()
draw(C_drawn, highlight=w_drawn[2])

# %% [markdown]
# ### Each classic mistake, once
#
# The same derivation with one mistake each, as learners make them. The
# check finds the first wrong step and names the mistake; the mistakes
# after it (every number below a wrong δ is wrong too) are not reported,
# because they are not where the mistake was made.

# %%
P = [n.data for n in p]
dp = 1 - P[3] ** 2                            # tanh' read off the input: 1 − p²
classics = {
    "tanh' as 1 - p²": {"p3": (Q[3] - y) * dp, "p2": (Q[3] - y) * dp * W[2] * (1 - Q[2] ** 2)},
    "the weight, not q": {"p3": d0, "w23": d0 * W[2]},
    "no chain": {"p3": 1 - Q[3] ** 2},
    "a sign": {"q3": y - Q[3]},
    "the ½ forgotten": {"q3": 2 * (Q[3] - y)},
    "tanh' as tanh, unwritten": {"w23": d0 * Q[2], "w12": d0 * W[2] * Q[2] * Q[1]},
}
found = {}
for name, hand in classics.items():
    r = check_derivation(C, hand)
    found[name] = (r.name, r.mistake)
    print(f"--- {name}\n{r}\n")

# %%
assert found == {
    "tanh' as 1 - p²": ("p3", "wrong_local"),
    "the weight, not q": ("w23", "wrong_local"),
    "no chain": ("p3", "no_chain"),
    "a sign": ("q3", "sign"),
    "the ½ forgotten": ("q3", "factor"),
    "tanh' as tanh, unwritten": ("w12", "wrong_local"),
}

# %% [markdown]
# The last one is worth a second look: only the weights were given, and
# the mistake sits in a step that was never written down (δ for $p_2$,
# with tanh' taken as tanh itself). The check tries the known mistakes in
# every unwritten step between the given numbers, and says which one
# gives the learner's number, and by what factor it reached $w_{12}$.
#
# ## Exercise 2 · Document 001's softmax and cross-entropy
#
# $L = -\log \operatorname{softmax}(\theta)_t = \operatorname{logsumexp}(\theta) - \theta_t$.
# The document quotes the result: $\partial L/\partial\theta = \hat y - y$,
# with $y$ one-hot. A learner who differentiates $-\log \hat y_t$ and
# forgets that $\theta_t$ also appears outside the logsumexp writes
# $\hat y_t$ for the target: one path of two.

# %%
from nn import cross_entropy  # noqa: E402

theta = [Value(v, label=f"θ{i}") for i, v in enumerate((1.2, -0.3, 0.5, 2.0))]
t = 2
L = cross_entropy(theta, t)
e = np.exp([v.data for v in theta])
y_hat = e / e.sum()

# %% [markdown]
# **Your numbers**:

# %%
mine = {f"θ{i}": y_hat[i] - (i == t) for i in range(4)}
print(check_derivation(L, mine))
forgot = {**mine, "θ2": y_hat[2]}
r = check_derivation(L, forgot)
print(r)

# %%
assert check_derivation(L, mine).ok
assert (r.name, r.mistake) == ("θ2", "missed_path")

# %% [markdown]
# Through the hidden layer of document 001 ($h = \sigma(a)$, $a = x w_1$):
# $\partial L/\partial a = \partial L/\partial h \cdot h(1-h)$. Writing
# $\sigma(a)$ for $\sigma'(a)$ is the table's first mistake for σ.

# %%
x1, w1 = Value(0.7, label="x"), Value(-0.4, label="w1")
a = x1 * w1
a.label = "a"
h = a.sigmoid()
h.label = "h"
w2 = [Value(v, label=f"v{i}") for i, v in enumerate((0.3, -1.0, 0.8))]
logits = [h * v for v in w2]
L2 = cross_entropy(logits, 0)
e = np.exp([z.data for z in logits])
dz = e / e.sum() - np.eye(3)[0]
dh = float(dz @ [v.data for v in w2])           # (ŷ − y) W₂ᵀ
r = check_derivation(L2, {"h": dh, "a": dh * h.data})    # σ(a), not σ(a)(1 − σ(a))
print(r)

# %%
assert check_derivation(L2, {"h": dh, "a": dh * h.data * (1 - h.data)}).ok
assert (r.name, r.mistake, r.says) == ("a", "wrong_local", "σ(p): that is σ itself; σ'(p) = σ(p)(1 - σ(p))")

# %% [markdown]
# ## Exercise 3 · Document 002's cost with weight decay
#
# $J = \frac1m\sum_i \tfrac12(\hat y_i - y_i)^2 + \frac\lambda2 w^2$ for a
# one-weight model $\hat y_i = w x_i$. By hand:
# $\partial J/\partial w = \frac1m\sum_i (\hat y_i - y_i)\,x_i + \lambda w$.
# Two classic slips: the $\lambda w$ forgotten ($w$ is used by the data
# term *and* the penalty: a missed path), and the $\frac1m$ forgotten (a
# factor $m$ when the penalty is not there).

# %%
xs, ys, lam = [0.5, -1.0, 2.0, 1.5], [1.0, -1.5, 2.5, 2.0], 0.1
wd = Value(0.8, label="w")
data_term = vsum([(wd * xi - yi) ** 2 * 0.5 for xi, yi in zip(xs, ys)]) * (1 / len(xs))
data_term.label = "data"
J = data_term + wd ** 2 * (lam / 2)
J.label = "J"
m = len(xs)
grad_data = sum((0.8 * xi - yi) * xi for xi, yi in zip(xs, ys)) / m

# %% [markdown]
# **Your numbers**:

# %%
mine = {"w": grad_data + lam * 0.8}
no_decay = {"w": grad_data}
r = check_derivation(J, no_decay)
print(check_derivation(J, mine), r, sep="\n")
data_only = data_term * 1.0                # the data term alone: the 1/m forgotten
r_m = check_derivation(data_only, {"w": grad_data * m})
print(r_m)

# %%
assert check_derivation(J, mine).ok
assert (r.mistake, r_m.mistake) == ("missed_path", "factor") and "m = 4" in r_m.diagnosis

# %% [markdown]
# ## The bug zoo
#
# The classic wrong backward passes, written out as small functions over
# the same graph, side by side with the right one. Each returns its
# gradients as a dict (none of them touches `.grad`), and
# `check_derivation` says where each one first leaves the truth.
#
# The graph uses nodes more than once, as real ones do: $p = w x + b$,
# $q = \tanh p$, $C_1 = q\cdot q + p$, and a second loss $C_2 = 3q$ that
# shares $q$ and $p$.

# %%
def graph():
    x, wv, b = Value(0.8, label="x"), Value(-1.3, label="w"), Value(0.4, label="b")
    wx = wv * x
    wx.label = "wx"
    p = wx + b
    p.label = "p"
    q = p.tanh()
    q.label = "q"
    qq = q * q
    qq.label = "qq"
    C1 = qq + p
    C1.label = "C1"
    C2 = q * 3.0
    C2.label = "C2"
    return C1, C2

def edges(node):
    return zip(node.parents, node.local_grads)

def right(root, g=None):
    """Topological order, += : every node is whole before it sends anything on."""
    g = {} if g is None else g
    g[root] = 1.0
    for node in topo_order(root):
        for parent, local in edges(node):
            g[parent] = g.get(parent, 0.0) + local * g[node]
    return g

def recursion_without_order(root):
    """Each node sends the gradient it holds so far and recurses at once (a node's
    `_backward()`, then its parents', depth first): a node reached twice sends twice,
    the second time its whole gradient, so its inputs count the first share twice."""
    g = {root: 1.0}
    def send(node):
        for parent, local in edges(node):
            g[parent] = g.get(parent, 0.0) + local * g[node]
        for parent in node.parents:
            send(parent)
    send(root)
    return g

def assign_not_add(root):
    """`=` for `+=`: the last use of a node overwrites the shares of the others."""
    g = {root: 1.0}
    for node in topo_order(root):
        for parent, local in edges(node):
            g[parent] = local * g[node]
    return g

def zero_leaves_only(root):
    """Two steps of training; between them only the leaves (the parameters) are
    zeroed: the intermediate nodes start the second pass with the first's gradients."""
    g = right(root)
    for node in topo_order(root):
        if not node.parents:
            g[node] = 0.0
    return right(root, g)

def repeated_backward(root, other):
    """backward() of a second loss on a shared graph, without zeroing in between."""
    return right(root, right(other))

C1, C2 = graph()
bugs = {"recursion, no order": recursion_without_order(C1), "= for +=": assign_not_add(C1),
        "zeroing only the leaves": zero_leaves_only(C1),
        "repeated backward (C2 then C1)": repeated_backward(C1, C2)}
truth = right(C1)
nodes = [n for n in topo_order(C1)]
print(f"{'node':>5} {'right':>9} " + " ".join(f"{k[:14]:>15}" for k in bugs))
for n in nodes:
    print(f"{n.label:>5} {truth[n]:9.4f} " + " ".join(f"{g.get(n, 0.0):15.4f}" for g in bugs.values()))

# %%
zoo = {}
for name, g in bugs.items():
    r = check_derivation(C1, {n: g.get(n, 0.0) for n in nodes})
    zoo[name] = (r.name, r.mistake)
    print(f"--- {name}: first leaves the truth at {r.name}\n{r}\n")

# %%
assert check_derivation(C1, {n: truth[n] for n in nodes}).ok
assert zoo["= for +="] == ("q", "missed_path")
assert zoo["recursion, no order"] == ("p", "unknown")
assert zoo["zeroing only the leaves"][0] == "qq"      # the first node below the seed
assert zoo["repeated backward (C2 then C1)"] == ("q", "unknown")  # C2's share left over

# %% [markdown]
# Read the table column by column: every bug is right at the seed and
# wrong from one node on, and that node says which bug it is. `=` for
# `+=` first fails at $q$, the first node used twice (a missed path); the
# recursion without an order is right at $q$ by luck of the order it
# walks in and fails at $p$, which it reaches twice before it is whole (a
# share counted twice: no code of its own, so `unknown`, and the
# diagnosis says which share); zeroing only the leaves fails straight
# below the seed, twice the right number (every intermediate node carries
# the first pass's gradient); and a second loss's backward fails at $q$,
# where the two losses share a node, off by the share $C_2$ left there.
#
# ## Why is this gradient zero?
#
# A zero (or vanishing) gradient is not always a mistake in the
# derivation. `explain(C, w).why_zero` says which edge kills it.

# %%
wz = Value(0.5, label="w")
xz = Value(-2.0, label="x")
pz = wz * xz
pz.label = "p"
hz = pz.relu()
hz.label = "h"
print(explain(hz, wz).why_zero)
ws = Value(3.0, label="w")
ps = ws * 4.0
ps.label = "p"
qs = ps.tanh()
qs.label = "q"
print(explain(qs, ws).why_zero)

# %%
assert "relu h is off" in explain(hz, wz).why_zero
assert "tanh q is saturated" in explain(qs, ws).why_zero

# %% [markdown]
# ## In a course
#
# `assert_derivation(root, numbers)` raises an `AssertionError` with the
# same report, so a pytest file of exercises grades itself: see
# `docs/teaching.md` and its example, `docs/examples/test_exercises.py`.

# %%
try:
    assert_derivation(C, {"p3": (Q[3] - y) * dp})
except AssertionError as err:
    print(err)
