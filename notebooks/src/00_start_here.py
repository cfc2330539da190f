# %% [markdown]
# # 00 · Start here
#
# **chaingrad** is a small automatic-differentiation engine (`autograd`)
# with a neural-network library on top (`nn`), made to show
# backpropagation rather than hide it. Every number is a `Value`; every
# operation on Values makes one node that remembers its inputs and its
# **local derivative** with respect to each of them. Calling
# `backward()` then does nothing but multiply and add those local
# derivatives, from the output back to the inputs. That is the chain
# rule, and it is all of backpropagation.
#
# Because the engine keeps every number, it can show you any gradient
# as the documents derive it by hand: a **backward chain** (how the cost
# changes with a node) times a **forward chain** (what the weight
# multiplied on the way in). These notebooks follow those derivations
# one at a time, check every claim with an `assert`, and draw the
# graphs.
#
# This notebook is a five-minute tour; the map of the others is at the
# end.

# %%
import math

from autograd import Value, draw, explain, grad, gradcheck, trace_text

# %% [markdown]
# ## A neuron with one input
#
# $p = w\,x + b$ (the *pre-activation*), $q = \tanh(p)$ (the
# *activation*). Each operator builds one node; the node records its
# parents and the local derivatives at the current values.

# %%
x = Value(0.5, label="x")
w = Value(-1.5, label="w")
b = Value(0.25, label="b")
wx = w * x
p = wx + b
q = p.tanh()
p.label, q.label = "p", "q"

print(wx.op, [v.label for v in wx.parents], wx.local_grads)   # d(wx)/dw = x, d(wx)/dx = w
print(q.op, [round(g, 6) for g in q.local_grads])              # tanh'(p) = 1 - q^2

# %%
assert wx.local_grads == (0.5, -1.5)
assert math.isclose(q.local_grads[0], 1 - q.data ** 2)

# %% [markdown]
# ## Backward
#
# `q.backward()` fills `.grad` on every node $q$ depends on. By the chain
# rule, $\partial q/\partial w = \tanh'(p)\cdot x$ and
# $\partial q/\partial b = \tanh'(p)$:

# %%
q.backward()
print(f"dq/dw = {w.grad:.6f}   dq/db = {b.grad:.6f}   dq/dx = {x.grad:.6f}")

# %%
slope = 1 - math.tanh(-1.5 * 0.5 + 0.25) ** 2
assert math.isclose(w.grad, slope * 0.5)
assert math.isclose(b.grad, slope)
assert math.isclose(x.grad, slope * -1.5)

# %% [markdown]
# ## Watch it happen
#
# `step_through` turns the same computation into a page you can play.
# Click inside it, then press **→** (or *Next ▶*) to run the forward
# pass one node at a time and then the reverse pass, **←** to step back,
# or *Play*. Each reverse step shows its arithmetic: local derivative ×
# the consumer's grad = what flows back. Click a node for its gradient
# as a sum over paths, hover an edge for its local derivative, and press
# *Symbols* to switch the edge labels between symbols and numbers.
# `highlight=w` colours the chains that meet at $w$.

# %%
from autograd import reverse_steps, step_through

page = step_through(q, highlight=w)
page

# %% [markdown]
# *The page runs in a live Jupyter only: a code host's viewer (GitHub,
# nbviewer) drops its script. Elsewhere, `page.save("neuron.html")` and
# open the file in a browser. A still of it, at the reverse step that
# completes $w$'s gradient:*

# %%
k = [s.node for s in reverse_steps(q)].index(w) + 1
draw(q, highlight=w, step=k)

# %% [markdown]
# ## Three ways to look at it
#
# **As text**: the forward pass as a list of assignments, then the
# reverse pass, one line per edge of the graph.

# %%
print(trace_text(q))

# %% [markdown]
# **As a drawing**: each box is a value (its data and its grad), each
# small circle an operation, each edge labelled with its local derivative
# and, after backward, what it carried back (local derivative × grad of
# the consumer).

# %%
draw(q)

# %% [markdown]
# **As a sum over paths**: the derivative of $q$ with respect to $w$ is
# the product of the local derivatives along the path from $w$ to $q$,
# written as the backward chain ($\delta$ of $p$, the node $w$ feeds)
# times the forward chain ($x$, the value $w$ multiplies).

# %%
e = explain(q, w)
e

# %%
assert math.isclose(e.total, w.grad)
assert math.isclose(e.delta * e.forward, w.grad)
assert math.isclose(e.forward, x.data)

# %% [markdown]
# ## Functions of plain numbers, and checking
#
# `grad(f)` differentiates a Python function of floats (as in JAX);
# `gradcheck` compares the engine with central differences and raises a
# readable error if they disagree.

# %%
def f(w):
    return (w * 0.5 + 0.25).tanh()

print(grad(f)(-1.5))
assert math.isclose(grad(f)(-1.5), w.grad)
assert gradcheck(f, [-1.5])

# %% [markdown]
# ## A network in three lines
#
# `nn.MLP` stacks layers of such neurons; `nn.fit` trains it with a
# progress bar. (Notebook 08 does this properly.)

# %%
from nn import MLP, fit, xor

X, y = xor(60, seed=0)
net = MLP(2, [8, 1], activation="tanh", seed=0)
history = fit(net, X, y, loss="hinge", epochs=25, lr=0.05, verbose=False)
print(f"loss {history['loss'][0]:.3f} -> {history['loss'][-1]:.3f}")
assert history["loss"][-1] < history["loss"][0]

# %% [markdown]
# ## Coming from micrograd
#
# micrograd's lecture builds one neuron, $o = \tanh(x_1 w_1 + x_2 w_2 + b)$,
# and runs backpropagation by hand: it sets `o.grad = 1.0`, then calls
# each node's `_backward()`, from the output down. chaingrad's Values
# answer to micrograd's names: `_prev` (the parents, as a set), `_op`
# (the op's name) and `_backward()` (this node's one chain-rule step:
# for each parent, `parent.grad += local * node.grad`). First by hand:

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1, x2w2 = x1 * w1, x2 * w2
x1w1.label, x2w2.label = "x1*w1", "x2*w2"
x1w1x2w2 = x1w1 + x2w2
x1w1x2w2.label = "x1*w1 + x2*w2"
n = x1w1x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
print(o._op, sorted(v.label for v in o._prev), n._op, sorted(v.label for v in n._prev))

# %% [markdown]
# Each call sends one node's gradient one step back. The order matters:
# a node must have all of its gradient before it sends it on, so the
# output goes first and every node goes before its parents.

# %%
o.grad = 1.0
o._backward()           # n.grad = (1 - o²) · o.grad = 0.5
n._backward()           # b and x1*w1 + x2*w2 get n.grad (d(u+v)/du = 1)
x1w1x2w2._backward()    # x1*w1 and x2*w2 get it too
x2w2._backward()        # x2.grad = w2 · 0.5, w2.grad = x2 · 0.5 = 0
x1w1._backward()        # x1.grad = w1 · 0.5, w1.grad = x1 · 0.5
by_hand = {v.label: v.grad for v in (x1, x2, w1, w2, b, n)}
print(by_hand)

# %% [markdown]
# `backward()` does the same steps in that order (`topo_order(o)`), on
# the whole graph at once. Reset the gradients and let it:

# %%
from autograd import topo_order

for v in topo_order(o):
    v.grad = 0.0
o.backward()
print({v.label: v.grad for v in (x1, x2, w1, w2, b, n)})

# %% [markdown]
# And the page, where each reverse step is one `_backward()`, with its
# arithmetic shown:

# %%
neuron_page = step_through(o, highlight=w1)
neuron_page

# %%
assert by_hand == {v.label: v.grad for v in (x1, x2, w1, w2, b, n)}
assert math.isclose(n.grad, 1 - math.tanh(n.data) ** 2) and math.isclose(n.grad, 0.5)
assert math.isclose(w1.grad, x1.data * n.grad) and math.isclose(x1.grad, w1.data * n.grad)
assert w2.grad == 0.0 and o._prev == {n} and o._op == "tanh"
assert [s.node for s in reverse_steps(o)] == topo_order(o)  # the page's reverse steps: backward's order

# %% [markdown]
# ## The map
#
# Each notebook follows one derivation from the project's source
# documents (numbered 000 to 003): by hand first (numpy or plain
# arithmetic), then with the engine, then with checks.
#
# | notebook | what it teaches |
# |---|---|
# | [01 · linear chain](01_linear_chain.ipynb) | $x_0 \to x_1 \to x_2 \to x_3$: each derivative is a backward chain $\delta$ times a forward chain $x$; the reverse pass step by step |
# | [02 · nonlinear chain](02_nonlinear_chain.ipynb) | $p$ before and $q$ after an activation; each node adds a $\sigma'(p)$ to the backward chain; any mix of activations |
# | [03 · matrix derivatives](03_matrix_derivatives.ipynb) | derivatives with respect to a whole matrix; $yx^\top$ and friends; the three layer gradients and the backward chains $\Delta_i$ |
# | [04 · full backprop](04_full_backprop.ipynb) | layers with activations: $\delta_i = (W_{i+1}^\top\delta_{i+1})\odot\sigma_i'(p_i)$; `MLP.trace` and $p_i$.grad $= \delta_i$ |
# | [05 · minibatch update](05_minibatch_update.ipynb) | why the update is $\frac\eta m\sum_x \delta^x a^{x\top}$ (outer product) and not a Hadamard product |
# | [06 · softmax and cross-entropy](06_softmax_cross_entropy.ipynb) | $\partial L/\partial\theta = \hat y - y$; $\partial L/\partial x$ through a sigmoid layer; a formula that cannot be formed |
# | [07 · weight decay](07_weight_decay.ipynb) | the $\tfrac12$, the $\frac1m$ and the $\frac\lambda2\lVert W\rVert^2$ of the cost; what $\lambda$ does to learned weights |
# | [08 · training](08_training.ipynb) | training on moons and a spiral with a progress bar; loss, accuracy, decision boundaries; a gradient check |
