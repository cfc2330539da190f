# %% [markdown]
# # 11 · Compiled graphs: backprop written out as Python
#
# A hand derivation of backpropagation is a list of assignments: the forward
# pass computes every $p$ and $q$, then the backward pass computes every
# $\delta$ and every $\partial C/\partial w$, one line after another. The
# engine builds the same thing as a graph of `Value`s, again on every call.
#
# `autograd.compile(f)` runs `f` once, on traced inputs, and writes the graph it
# built as a Python function: **one line per node** for the forward pass, then
# **one line per edge** for the reverse pass, each line the chain rule for one
# edge, $\bar{x} \mathrel{+}= \frac{\partial y}{\partial x}\,\bar{y}$. Later
# calls run that function on plain floats. It returns exactly what
# `value_and_grad(f)` returns, and it is faster, since no graph is built.
#
# We compile document 003's network of Section II and read the code it writes
# next to the document's derivation, line for line.

# %%
import math

from autograd import Value, compile, draw, value_and_grad
from nn import MLP, fit, moons

# %% [markdown]
# ## 1. Document 003's chain, as a function
#
# Section II: an input $x_0$, three weights, an activation at every node and
# the cost $C = \tfrac12 (q_3 - y)^2$:
#
# $$p_0 = x_0,\quad q_0 = \sigma_0(p_0),\qquad p_{i+1} = w_{i,i+1}\,q_i,\quad
#   q_{i+1} = \sigma_{i+1}(p_{i+1}).$$
#
# Here every $\sigma_i$ is $\tanh$. The function takes the weights and the data
# as numbers; the labels name the nodes as the document does.

# %%
def cost(w01, w12, w23, x0, y):
    p0 = Value(x0, label="p0")
    q0 = p0.tanh()
    p1 = w01 * q0
    q1 = p1.tanh()
    p2 = w12 * q1
    q2 = p2.tanh()
    p3 = w23 * q2
    q3 = p3.tanh()
    e = q3 - y
    e2 = e**2
    C = 0.5 * e2
    for node, name in [(q0, "q0"), (p1, "p1"), (q1, "q1"), (p2, "p2"), (q2, "q2"),
                       (p3, "p3"), (q3, "q3"), (e, "e"), (e2, "e2"), (C, "C")]:
        node.label = name
    return C

step = compile(cost, argnums=(0, 1, 2))   # derivatives with respect to the three weights
w, x0, y = {"01": 1.3, "12": -0.7, "23": 2.1}, 0.9, 0.2
C, (dw01, dw12, dw23) = step(w["01"], w["12"], w["23"], x0, y)
print(f"C = {C:.6f}   dC/dw01 = {dw01:.6f}   dC/dw12 = {dw12:.6f}   dC/dw23 = {dw23:.6f}")

# %% [markdown]
# The first call traced `cost` and wrote this function. It is plain Python:
# `tanh` is `math.tanh`, and `g_n` holds $\partial C/\partial n$ for the node
# named `n`. (The input checks at the top and the one check at the bottom make
# a call that does not fit the trace, or a number the engine would refuse, run
# the engine instead, which then raises its own error.)

# %%
print(step.source)

# %% [markdown]
# ## 2. Line for line with the document
#
# Each line of the code, beside the line of document 003 that it computes.
# Read the backward half from the top: `g_p3` is $\delta_0$, `g_p2` is
# $\delta_1$, `g_p1` is $\delta_2$, and each weight's gradient is a $\delta$
# times the $q$ that the weight multiplies, $\partial C/\partial w_{i,i+1} =
# \delta_{2-i}\, q_i$. The lines for $\partial C/\partial q$ are the
# document's green factors $\delta\, w$ before $\sigma'$ is applied.

# %%
DOCUMENT = [
    ("p0 = x0", "p₀ = x₀  (input)"),
    ("q0 = tanh(p0)", "q₀ = σ₀(p₀)"),
    ("p1 = w01 * q0", "p₁ = w₀₁ q₀"),
    ("q1 = tanh(p1)", "q₁ = σ₁(p₁)"),
    ("p2 = w12 * q1", "p₂ = w₁₂ q₁"),
    ("q2 = tanh(p2)", "q₂ = σ₂(p₂)"),
    ("p3 = w23 * q2", "p₃ = w₂₃ q₂"),
    ("q3 = tanh(p3)", "q₃ = σ₃(p₃)  (output)"),
    ("e = q3 - y", "q₃ − y"),
    ("e2 = pow(e, 2.0)", "(q₃ − y)²"),
    ("C = 0.5 * e2", "C = (q₃ − y)²/2"),
    ("g_C = 1.0", "∂C/∂C = 1"),
    ("g_e2 = 0.5 * g_C", "∂C/∂(q₃ − y)² = 1/2"),
    ("g_e = (2.0 * e) * g_e2", "∂C/∂(q₃ − y) = q₃ − y  (the ½ cancels the 2)"),
    ("g_q3 = g_e", "∂C/∂q₃ = q₃ − y"),
    ("g_p3 = (1.0 - q3 * q3) * g_q3", "δ₀ = (q₃ − y) σ₃′(p₃)"),
    ("g_w23 = q2 * g_p3", "∂C/∂w₂₃ = δ₀ q₂"),
    ("g_q2 = w23 * g_p3", "∂C/∂q₂ = δ₀ w₂₃"),
    ("g_p2 = (1.0 - q2 * q2) * g_q2", "δ₁ = δ₀ w₂₃ σ₂′(p₂)"),
    ("g_w12 = q1 * g_p2", "∂C/∂w₁₂ = δ₁ q₁"),
    ("g_q1 = w12 * g_p2", "∂C/∂q₁ = δ₁ w₁₂"),
    ("g_p1 = (1.0 - q1 * q1) * g_q1", "δ₂ = δ₁ w₁₂ σ₁′(p₁)"),
    ("g_w01 = q0 * g_p1", "∂C/∂w₀₁ = δ₂ q₀"),
    ("g_q0 = w01 * g_p1", "∂C/∂q₀ = δ₂ w₀₁"),
    ("g_p0 = (1.0 - q0 * q0) * g_q0", "δ₃ = δ₂ w₀₁ σ₀′(p₀)"),
]
code_lines = [line.strip() for line in step.source.splitlines()]
width = max(len(code) for code, _ in DOCUMENT)
print(f"{'the compiled code':<{width}}   document 003, section II")
for code, document in DOCUMENT:
    assert any(line == code or line.startswith(code + "   #") for line in code_lines), code
    print(f"{code:<{width}}   {document}")

# %% [markdown]
# The backward half has one line per edge of the graph, and no more. Its last
# two lines go past the first weight to the input: `g_p0` is the document's
# $\delta_3 = \delta_2\, w_{01}\, \sigma_0'(p_0)$, the cost's slope with
# respect to the input itself. No weight needs it, but the engine computes it
# (and refuses a gradient that overflows anywhere), so the code does too.
#
# The graph itself, each edge labelled with its local derivative, is the one
# the code walks:

# %%
draw(cost(Value(w["01"], label="w01"), Value(w["12"], label="w12"),
          Value(w["23"], label="w23"), x0, y), symbols=True)

# %% [markdown]
# ## 3. The same numbers as the engine and as the document's formulas
#
# The compiled function returns what `value_and_grad` returns, to the last bit,
# and what the $\delta$ recursion gives by hand.

# %%
p = [x0]
q = [math.tanh(x0)]
for key in ["01", "12", "23"]:
    p.append(w[key] * q[-1])
    q.append(math.tanh(p[-1]))
sigma_prime = [1 - qi**2 for qi in q]
d0 = (q[3] - y) * sigma_prime[3]
d1 = d0 * w["23"] * sigma_prime[2]
d2 = d1 * w["12"] * sigma_prime[1]
by_hand = (d2 * q[0], d1 * q[1], d0 * q[2])

eager = value_and_grad(cost, argnums=(0, 1, 2))(w["01"], w["12"], w["23"], x0, y)
assert step(w["01"], w["12"], w["23"], x0, y) == eager
assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(eager[1], by_hand))
print("compiled == value_and_grad:", step(w["01"], w["12"], w["23"], x0, y) == eager)
print("by hand:   ", [round(g, 12) for g in by_hand])
print("compiled:  ", [round(g, 12) for g in eager[1]])

# %% [markdown]
# New data, new weights: the numbers change, the code does not. `cost` is
# not run again (`traces` counts the times it was).

# %%
for x0_new, y_new in [(0.3, -0.5), (-1.2, 0.8), (2.0, 0.0)]:
    args = (0.4, 1.1, -0.6, x0_new, y_new)
    assert step(*args) == value_and_grad(cost, argnums=(0, 1, 2))(*args)
print("traces:", step.traces)

# %% [markdown]
# ## 4. A branch in Python is checked on every call
#
# `relu` branches inside the compiled code: its lines test `p > 0.0` on every
# call. A branch written in Python, on a number of the data, is different:
# the trace saw one side only. `compile` records the comparison and writes it
# as a check; a call that goes the other way is traced again, and both graphs
# are kept. Nothing is ever computed on the wrong branch.

# %%
def branchy(w, x):
    p = w * x
    if p.data > 0:           # a Python branch on a number
        return p.tanh()
    return p.relu() - p * 0.5

f = compile(branchy)
for x in [1.0, 2.0, -1.0, -3.0]:
    assert f(0.5, x) == value_and_grad(branchy)(0.5, x)
print("traces:", f.traces)
print(f.source)

# %% [markdown]
# ## 5. Training with compiled code
#
# `fit(..., compile=True)` compiles one sample's graph (the network, then the
# loss) and runs it for every sample of every step. The training is the same:
# the same weights after every step, to about 1e-16.

# %%
X, labels = moons(60, seed=0)
eager_model, compiled_model = MLP(2, [8, 8, 1], seed=1), MLP(2, [8, 8, 1], seed=1)
kw = dict(loss="hinge", optimizer="sgd", lr=0.05, epochs=20, verbose=False)
h_eager = fit(eager_model, X, labels, **kw)
h_compiled = fit(compiled_model, X, labels, compile=True, **kw)
worst = max(abs(a.data - b.data) for a, b in
            zip(eager_model.parameters(), compiled_model.parameters()))
assert worst < 1e-12
print(f"largest difference between the weights after 20 steps: {worst:.1e}")
print(f"loss {h_eager['loss'][-1]:.6f} (eager)   {h_compiled['loss'][-1]:.6f} (compiled)")

# %% [markdown]
# On W1 of the benchmarks (an MLP 2-16-16-1 on 100 points), the compiled step
# runs as fast as a tight backprop written by hand on floats, and some 300
# times faster than micrograd: `python benchmarks/compiled.py` measures it.
