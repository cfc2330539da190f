# %% [markdown]
# # 02 · The nonlinear chain: p before, q after
#
# Notebook 01 ended with a warning: multiplications in a row collapse into
# one. The cure is to pass every node through a nonlinear function
# $\sigma_i$ (an *activation*). Each node now holds two numbers:
#
# * $p_i$, the value **before** the activation (p for *pre*),
# * $q_i = \sigma_i(p_i)$, the value **after** it (q comes after p).
#
# $$p_0 = x_0,\quad q_0 = \sigma_0(p_0), \qquad
#   p_{i+1} = w_{i,i+1}\,q_i,\quad q_{i+1} = \sigma_{i+1}(p_{i+1}), \qquad
#   C = \tfrac12\,(q_3 - y)^2 .$$
#
# Every node may have its own activation. We will see that the two chains
# survive: the backward chain picks up one factor $\sigma'(p)$ per node,
# and the forward chain becomes the $q$'s. (Section II of document 003.)

# %%
import itertools
import math

from autograd import Value, draw, explain, numerical_grad

# %% [markdown]
# ## 1. The activations, by hand
#
# Four common choices, each with its derivative written as a plain
# function. We will check these against the engine's own table later.

# %%
def sigmoid(p):
    return 1 / (1 + math.exp(-p))

ACTIVATIONS = {   # name: (sigma, sigma')
    "identity": (lambda p: p, lambda p: 1.0),
    "tanh": (math.tanh, lambda p: 1 - math.tanh(p) ** 2),
    "sigmoid": (sigmoid, lambda p: sigmoid(p) * (1 - sigmoid(p))),
    "relu": (lambda p: max(p, 0.0), lambda p: 1.0 if p > 0 else 0.0),
}

# %% [markdown]
# Choose one activation per node, $\sigma_0$ to $\sigma_3$. Change this
# list and rerun the notebook: every check below holds for any choice.

# %%
SIGMAS = ["identity", "tanh", "sigmoid", "tanh"]   # sigma_0 .. sigma_3

x0, y = 0.9, 0.2
w = {"01": 1.3, "12": -0.7, "23": 2.1}

# %%
def forward_by_hand(x0, w, sigmas):
    s = [ACTIVATIONS[name][0] for name in sigmas]
    p = [x0]
    q = [s[0](p[0])]
    for i, key in enumerate(["01", "12", "23"], start=1):
        p.append(w[key] * q[-1])
        q.append(s[i](p[-1]))
    return p, q

p, q = forward_by_hand(x0, w, SIGMAS)
C = 0.5 * (q[3] - y) ** 2
for i in range(4):
    print(f"p{i} = {p[i]:+.4f}   q{i} = {SIGMAS[i]}(p{i}) = {q[i]:+.4f}")
print(f"C = {C:.5f}")

# %% [markdown]
# ### The derivative, written out in full
#
# Differentiating $C = \tfrac12\big(\sigma_3(w_{23}\,\sigma_2(w_{12}\,
# \sigma_1(w_{01}\,\sigma_0(p_0))))-y\big)^2$ by $w_{01}$ with the chain
# rule peels one layer at a time from the outside:
#
# $$\frac{\partial C}{\partial w_{01}} =
#   (q_3-y)\;\sigma_3'(p_3)\;w_{23}\;\sigma_2'(p_2)\;w_{12}\;\sigma_1'(p_1)\;q_0 .$$
#
# Read it from the left: the error, then for each node on the way back
# its activation's slope and the weight that led into it, until we reach
# $w_{01}$, which is missing; after the gap stands the value $w_{01}$
# multiplied, $q_0$. The same shape appears for every weight.

# %%
d = [ACTIVATIONS[name][1] for name in SIGMAS]   # sigma_i'

dC_dw23 = (q[3] - y) * d[3](p[3]) * q[2]
dC_dw12 = (q[3] - y) * d[3](p[3]) * w["23"] * d[2](p[2]) * q[1]
dC_dw01 = (q[3] - y) * d[3](p[3]) * w["23"] * d[2](p[2]) * w["12"] * d[1](p[1]) * q[0]
print(f"dC/dw01 = {dC_dw01:.6f}   dC/dw12 = {dC_dw12:.6f}   dC/dw23 = {dC_dw23:.6f}")

# %% [markdown]
# ### The backward chains
#
# As in the linear chain, the part before the gap is shared and grows one
# step at a time. Numbered from the output end, as in the document:
#
# $$\delta_0 = (q_3-y)\,\sigma_3'(p_3), \qquad
#   \delta_1 = \delta_0\,w_{23}\,\sigma_2'(p_2), \qquad
#   \delta_2 = \delta_1\,w_{12}\,\sigma_1'(p_1),$$
#
# and then
#
# $$\frac{\partial C}{\partial w_{i,i+1}} = \delta_{2-i}\; q_i .$$
#
# Each $\delta$ is exactly $\partial C/\partial p$ at one node:
# $\delta_0 = \partial C/\partial p_3$, $\delta_1 = \partial C/\partial p_2$,
# $\delta_2 = \partial C/\partial p_1$. That is the name to keep: **$\delta$
# is the derivative of the cost with respect to a pre-activation.**

# %%
def deltas_by_hand(p, q, w, sigmas, y):
    d = [ACTIVATIONS[name][1] for name in sigmas]
    d0 = (q[3] - y) * d[3](p[3])
    d1 = d0 * w["23"] * d[2](p[2])
    d2 = d1 * w["12"] * d[1](p[1])
    return [d0, d1, d2]

delta = deltas_by_hand(p, q, w, SIGMAS, y)
chain_form = {key: delta[2 - i] * q[i] for i, key in enumerate(["01", "12", "23"])}
print({k: round(v, 6) for k, v in chain_form.items()})

# %%
assert math.isclose(chain_form["23"], dC_dw23)
assert math.isclose(chain_form["12"], dC_dw12)
assert math.isclose(chain_form["01"], dC_dw01)

# %% [markdown]
# ## 2. The engine
#
# In the engine, an activation is one method call, one node:
# `p.tanh()`, `p.sigmoid()`, `p.relu()`. The identity is no node at all,
# so for it $q_i$ *is* $p_i$.

# %%
def named(v, label):
    v.label = label
    return v

def activate(p, name):
    return p if name == "identity" else getattr(p, name)()

def chain(x0, w, sigmas, y):
    W = {k: Value(v, label=f"w{k}") for k, v in w.items()}
    P = [Value(x0, label="p0")]
    Q = [activate(P[0], sigmas[0])]
    for i, key in enumerate(["01", "12", "23"], start=1):
        P.append(named(W[key] * Q[-1], f"p{i}"))
        Q.append(activate(P[-1], sigmas[i]))
    for i, node in enumerate(Q):
        if node is not P[i]:
            named(node, f"q{i}")
    C = named(0.5 * (Q[3] - y) ** 2, "C")
    return W, P, Q, C

# First, the engine's local derivative of each activation is our sigma'.
for name in ["tanh", "sigmoid", "relu"]:
    for p_ in [-1.5, -0.2, 0.3, 2.0]:
        node = getattr(Value(p_), name)()
        assert math.isclose(node.local_grads[0], ACTIVATIONS[name][1](p_))

W, P, Q, L = chain(x0, w, SIGMAS, y)
L.backward()
print("p grads (the deltas):", [round(n.grad, 6) for n in P[1:]])
print("w grads:            ", {k: round(v.grad, 6) for k, v in W.items()})

# %%
# p3.grad is delta_0, p2.grad is delta_1, p1.grad is delta_2.
assert math.isclose(P[3].grad, delta[0])
assert math.isclose(P[2].grad, delta[1])
assert math.isclose(P[1].grad, delta[2])
for key in w:
    assert math.isclose(W[key].grad, chain_form[key])

# %% [markdown]
# The drawing shows the chain with its local derivatives on the edges;
# `symbols=True` writes them as the table's symbols, so the $\sigma'(p)$
# factors of the backward chain are visible on the activation edges.

# %%
draw(L, symbols=True)

# %% [markdown]
# `explain` reads the single path from $w_{01}$ up to $C$, factor by
# factor, and splits it into $\delta$ (of $p_1$, the node $w_{01}$ feeds)
# times the forward chain $q_0$.

# %%
e = explain(L, W["01"])
print(e)

# %%
assert math.isclose(e.total, W["01"].grad)
assert math.isclose(e.delta, delta[2])   # d C / d p1
assert math.isclose(e.forward, q[0])     # the forward chain q0

# %% [markdown]
# ## 3. Every choice of activations
#
# The claim was "for any choice of $\sigma_i$". There are only
# $4^4 = 256$ choices here, so we check them all: hand-derived chains
# against the engine, for every weight and every $\delta$.

# %%
checked = 0
for sigmas in itertools.product(ACTIVATIONS, repeat=4):
    p, q = forward_by_hand(x0, w, sigmas)
    delta_h = deltas_by_hand(p, q, w, sigmas, y)
    W, P, Q, L = chain(x0, w, sigmas, y)
    L.backward()
    for i, key in enumerate(["01", "12", "23"]):
        assert math.isclose(W[key].grad, delta_h[2 - i] * q[i], rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(P[3 - i].grad, delta_h[i], rel_tol=1e-12, abs_tol=1e-15)
    checked += 1
print(f"{checked} activation choices: engine == backward chain x forward chain")

# %% [markdown]
# ## 4. Sanity checks the formula passes
#
# **With identities everywhere** every $\sigma'$ is 1, $q_i = p_i = x_i$,
# and we are back in notebook 01: $\partial C/\partial w_{01} =
# (x_3-y)\,w_{23}\,w_{12}\,x_0$.

# %%
W, P, Q, L = chain(x0, w, ["identity"] * 4, y)
L.backward()
x3 = w["23"] * w["12"] * w["01"] * x0
assert math.isclose(W["01"].grad, (x3 - y) * w["23"] * w["12"] * x0)

# %% [markdown]
# **When the prediction is right**, $q_3 = y$, every derivative carries the
# factor $(q_3 - y) = 0$: nothing to correct, nothing moves.

# %%
W, P, Q, L = chain(x0, w, SIGMAS, y=0.0)
target = Q[3].data                          # make the target equal the prediction
W, P, Q, L = chain(x0, w, SIGMAS, y=target)
L.backward()
assert all(v.grad == 0.0 for v in W.values())

# %% [markdown]
# **A dead relu cuts the chain.** If a node uses relu and its $p$ is
# negative, $\sigma'(p) = 0$ sits in every backward chain that passes
# through it: the weights before it get no gradient at all, however wrong
# the output. Here $p_2 = w_{12}\,q_1 < 0$, so $w_{01}$ and $w_{12}$ learn
# nothing from this example.

# %%
W, P, Q, L = chain(x0, w, ["identity", "tanh", "relu", "identity"], y)
L.backward()
print(f"p2 = {P[2].data:+.4f}; grads:", {k: v.grad for k, v in W.items()})

# %%
assert P[2].data < 0
assert W["01"].grad == 0.0 and W["12"].grad == 0.0
assert W["23"].grad == 0.0   # q2 = relu(p2) = 0 is also w23's forward chain

# %% [markdown]
# Finally, central differences agree with the engine on our chosen chain
# (one more independent check that the $\sigma'$ factors are right):

# %%
def cost(w01, w12, w23):
    ws = {"01": float(w01), "12": float(w12), "23": float(w23)}
    return chain(x0, ws, SIGMAS, y)[3]

W, P, Q, L = chain(x0, w, SIGMAS, y)
L.backward()
nudged = numerical_grad(cost, [w["01"], w["12"], w["23"]])
for est, key in zip(nudged, ["01", "12", "23"]):
    assert math.isclose(est, W[key].grad, rel_tol=1e-6, abs_tol=1e-9)
print("central differences agree:", [round(g, 6) for g in nudged])

# %% [markdown]
# **In PyTorch this is** `torch.tanh`, `torch.sigmoid`, `torch.relu`
# between the multiplications; autograd multiplies in the same
# $\sigma'(p)$ factors.
#
# **What to remember.** A nonlinear node adds one factor $\sigma'(p_i)$ to
# every backward chain passing through it. The gradient of a weight is
# still $\delta \times q$: $\delta = \partial C/\partial p$ of the node
# the weight feeds, $q$ the activation it multiplies. Next:
# [03 · matrix derivatives](03_matrix_derivatives.ipynb), where every
# node becomes a vector.
