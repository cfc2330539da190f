# %% [markdown]
# # 01 · The linear chain: one number, three weights
#
# This is the smallest network that still has layers: a single number $x_0$
# is multiplied by three weights in a row,
#
# $$x_1 = w_{01}\,x_0, \qquad x_2 = w_{12}\,x_1, \qquad x_3 = w_{23}\,x_2 ,$$
#
# and the output $x_3$ (the prediction $\hat y$) is compared with a target
# $y$ by the squared-error cost
#
# $$C = \tfrac12\,(x_3 - y)^2 .$$
#
# Gradient descent needs $\partial C/\partial w$ for every weight. We work
# them out by hand first, notice that each one is a **backward chain
# times a forward chain**, and then watch the engine produce exactly
# those numbers, one step of the reverse pass at a time.
# (This follows section I of document 003.)

# %%
import math

from autograd import Value, backward_steps, draw, explain, numerical_grad, trace_text
from nn.tour import LINEAR_CHAIN

# %% [markdown]
# ## 1. By hand, with plain numbers
#
# Pick some numbers. Nothing about them is special; they are the ones
# `chaingrad tour` and `chaingrad demo` use too, kept in one place
# (`nn.tour.LINEAR_CHAIN`), so every picture of this chain shows the same values.

# %%
x0, (w01, w12, w23), y = LINEAR_CHAIN
print(f"x0 = {x0}   w01 = {w01}   w12 = {w12}   w23 = {w23}   y = {y}")

x1 = w01 * x0
x2 = w12 * x1
x3 = w23 * x2
C = 0.5 * (x3 - y) ** 2
print(f"x1 = {x1:.4g}   x2 = {x2:.4g}   x3 = {x3:.4g}   C = {C:.4g}")

# %% [markdown]
# Substituting the chain into the cost gives one expression,
# $C = \tfrac12\,(w_{23}\,w_{12}\,w_{01}\,x_0 - y)^2$, and ordinary calculus
# does the rest. The $\tfrac12$ is there so that the 2 brought down by the
# square cancels:
#
# $$\frac{\partial C}{\partial w_{23}} = (x_3 - y)\,w_{12}\,w_{01}\,x_0, \qquad
#   \frac{\partial C}{\partial w_{12}} = (x_3 - y)\,w_{23}\,w_{01}\,x_0, \qquad
#   \frac{\partial C}{\partial w_{01}} = (x_3 - y)\,w_{23}\,w_{12}\,x_0 .$$

# %%
dC_dw23 = (x3 - y) * w12 * w01 * x0
dC_dw12 = (x3 - y) * w23 * w01 * x0
dC_dw01 = (x3 - y) * w23 * w12 * x0
print(f"dC/dw01 = {dC_dw01:.4g}   dC/dw12 = {dC_dw12:.4g}   dC/dw23 = {dC_dw23:.4g}")

# %% [markdown]
# ### Two chains in every derivative
#
# Write each product in the order of the network, output on the left, and
# notice which weight is *missing*: it is always the weight we
# differentiate by. Everything to the right of the gap is a product you
# meet walking **forwards** from the input, and everything to the left is
# a product you meet walking **backwards** from the error:
#
# | | backward part | missing | forward part |
# |---|---|---|---|
# | $\partial C/\partial w_{23}$ | $(x_3-y)$ | $w_{23}$ | $w_{12}w_{01}x_0 = x_2$ |
# | $\partial C/\partial w_{12}$ | $(x_3-y)\,w_{23}$ | $w_{12}$ | $w_{01}x_0 = x_1$ |
# | $\partial C/\partial w_{01}$ | $(x_3-y)\,w_{23}\,w_{12}$ | $w_{01}$ | $x_0$ |
#
# The forward parts are just the values the forward pass already
# computed. The backward parts get their own name, $\delta$, numbered (as
# in the document) from the output end:
#
# $$\delta_0 = x_3 - y, \qquad \delta_1 = w_{23}\,\delta_0, \qquad \delta_2 = w_{12}\,\delta_1 .$$
#
# Each one is the previous one times one more weight, so they too cost one
# multiplication each. Then every derivative has the same shape:
#
# $$\frac{\partial C}{\partial w_{i,i+1}} = \delta_{2-i}\; x_i .$$

# %%
delta = [x3 - y]                 # delta_0
delta.append(w23 * delta[0])     # delta_1
delta.append(w12 * delta[1])     # delta_2
forward = [x0, x1, x2]

for i, name in enumerate(["w01", "w12", "w23"]):
    d, q = delta[2 - i], forward[i]
    print(f"dC/d{name} = delta_{2 - i} * x{i} = {d:+.4f} * {q:+.4f} = {d * q:+.4f}")

# %%
# The chain form agrees with the expanded derivatives.
assert math.isclose(delta[0] * x2, dC_dw23)
assert math.isclose(delta[1] * x1, dC_dw12)
assert math.isclose(delta[2] * x0, dC_dw01)

# %% [markdown]
# ### Why not just nudge each weight?
#
# A derivative can also be estimated by nudging: $\big(C(w+\varepsilon) -
# C(w-\varepsilon)\big)/2\varepsilon$. That costs **two forward passes per
# weight** and is only approximate. The chains above gave all three
# derivatives from one forward pass and one backward pass, exactly. With a
# million weights, that difference is the whole story.

# %%
def cost(w01, w12, w23):
    return 0.5 * (w23 * w12 * w01 * x0 - y) ** 2

nudged = numerical_grad(cost, [w01, w12, w23])   # central differences
print([f"{g:.6f}" for g in nudged])

# %%
for est, exact in zip(nudged, [dC_dw01, dC_dw12, dC_dw23]):
    assert math.isclose(est, exact, rel_tol=1e-6)

# %% [markdown]
# ## 2. The same chain in the engine
#
# Now we build the chain out of `Value`s. Each `*` makes one node that
# records its two parents and its two **local derivatives**: for
# $x_2 = w_{12}\,x_1$, the derivative with respect to $w_{12}$ is $x_1$
# and the one with respect to $x_1$ is $w_{12}$. Labels only make the
# printouts readable.

# %%
def named(v, label):
    v.label = label
    return v

X0 = Value(x0, label="x0")
W01, W12, W23 = Value(w01, label="w01"), Value(w12, label="w12"), Value(w23, label="w23")

X1 = named(W01 * X0, "x1")
X2 = named(W12 * X1, "x2")
X3 = named(W23 * X2, "x3")
E = named(X3 - y, "e")        # the cost in three nodes, as the tour builds it
E2 = named(E ** 2, "e2")
L = named(E2 / 2, "C")

print("parents of x2:     ", [p.label for p in X2.parents])
print("local derivatives: ", [round(g, 6) for g in X2.local_grads], " (= x1, w12)")

# %%
assert X2.local_grads == (x1, w12)
assert math.isclose(L.data, C)

# %% [markdown]
# `trace_text` prints the graph as a list of assignments, inputs first, and
# then the reverse pass written the same way: one line per edge, each
# line adding *local derivative × gradient of the consumer* to a parent.
# That single line is the whole chain rule.

# %%
print(trace_text(L))

# %% [markdown]
# ## 3. The reverse pass, one step at a time
#
# `backward_steps` walks the graph from the cost down, one node per step.
# When a node's turn comes, every consumer has already sent it its share,
# so its gradient is complete. Here is the graph after four steps: the
# nodes still waiting for their gradient are drawn as pending.

# %%
steps = list(backward_steps(L))   # runs the whole pass, keeping each step
for s in steps:
    print(s)

# %%
draw(L, step=4)

# %% [markdown]
# Three more moments of the same pass: right after the seed, when the
# gradient reaches $x_1$, and at the end, when the last weight has its
# share.

# %%
from IPython.display import display

for k in (1, 6, len(steps)):
    display(draw(L, step=k))

# %% [markdown]
# The numbers the pass leaves on the chain's nodes are the backward chains:
# the gradient of $x_3$ is $\delta_0$, that of $x_2$ is $\delta_1$ and that
# of $x_1$ is $\delta_2$. The weights' gradients are the hand-derived ones.

# %%
assert math.isclose(X3.grad, delta[0])
assert math.isclose(X2.grad, delta[1])
assert math.isclose(X1.grad, delta[2])
assert math.isclose(W23.grad, dC_dw23)
assert math.isclose(W12.grad, dC_dw12)
assert math.isclose(W01.grad, dC_dw01)

# %% [markdown]
# ### Step through it yourself
#
# The stills above are moments of one page. `step_through` plays the
# whole computation: the forward pass node by node, then the reverse
# pass. Click inside the page, then press **→** (or *Next ▶*) to take
# one step and **←** to go back; each reverse step shows its arithmetic,
# local derivative × the consumer's grad, and the running sum. Click a
# node for its gradient as a sum over paths (try $x_2$: its gradient is
# $\delta_1$), hover an edge for its local derivative, and press
# *Symbols* to read the edge labels as $w_{23}$, $x_1$, … instead of
# numbers. `highlight=W12` colours the two chains that meet at $w_{12}$
# (section 4 takes them apart).

# %%
from autograd import step_through

page = step_through(L, highlight=W12)
page

# %% [markdown]
# *The page runs in a live Jupyter only: a code host's viewer (GitHub,
# nbviewer) drops its script. Elsewhere, `page.save("chain.html")` and
# open the file in a browser. A still of it, at the reverse step that
# completes $w_{12}$'s gradient, $\delta_1\,x_1$:*

# %%
k = [s.node for s in steps].index(W12) + 1
draw(L, highlight=W12, step=k)

# %% [markdown]
# ## 4. One derivative, taken apart
#
# `explain(C, w)` lists every path from $w$ up to $C$ with the local
# derivative on each edge, output first, the document's order. In a chain
# there is exactly one path. It also splits the answer into the
# **backward chain** (the gradient $\delta$ of the node $w$ feeds) times
# the **forward chain** (the value $w$ multiplies).

# %%
e = explain(L, W12)
e

# %%
print(e)

# %%
assert len(e.paths) == 1
assert math.isclose(e.total, W12.grad)
assert math.isclose(e.paths[0].product, dC_dw12)
assert math.isclose(e.delta, delta[1])   # backward chain: d C / d x2
assert math.isclose(e.forward, x1)       # forward chain: the value w12 multiplies

# %% [markdown]
# The same split for every weight: the backward chain is the gradient of
# the node the weight feeds, the forward chain is the value it
# multiplies.

# %%
for W, d, q in ((W01, delta[2], x0), (W12, delta[1], x1), (W23, delta[0], x2)):
    split = explain(L, W).split[0]
    print(f"dC/d{W.label}: {split}")
    assert math.isclose(split.delta, d) and math.isclose(split.forward, q)
    assert math.isclose(split.product, W.grad)

# %% [markdown]
# The drawing can show the same split: `highlight=W12` colours the forward
# chain that flows into $w_{12}$'s node and the backward chain from $C$
# down to it.

# %%
draw(L, highlight=W12)

# %% [markdown]
# ## 5. A warning the linear chain gives us
#
# Three weights in a row do no more than one:
# $x_3 = (w_{23}\,w_{12}\,w_{01})\,x_0$. A chain (or a stack of layers)
# with nothing between the multiplications collapses into a single
# multiplication. That is why the next notebook puts a nonlinear function
# at every node.

# %%
w_combined = w23 * w12 * w01
assert math.isclose(X3.data, w_combined * x0)

# %% [markdown]
# **In PyTorch this is** `w = torch.tensor(0.8, requires_grad=True)` for
# each weight, the same three multiplications, `C.backward()`, and
# `w.grad`: the numbers are identical. What PyTorch does not show you is
# the middle of the computation; `backward_steps`, `explain` and `draw`
# are here for that.
#
# **What to remember.** $\partial C/\partial w_{i,i+1} = \delta_{2-i}\,x_i$:
# the backward chain arriving at the node the weight feeds, times the
# forward chain arriving at the weight. One forward pass computes all the
# $x_i$, one backward pass all the $\delta$. Next:
# [02 · the nonlinear chain](02_nonlinear_chain.ipynb).
