# %% [markdown]
# # 03 · Matrix derivatives: whole layers at once
#
# Real networks have many nodes per layer. Each layer is now a vector and
# each set of weights a matrix: $W_{ij}$ takes layer $i$ to layer $j$,
#
# $$x_1 = W_{01}\,x_0, \qquad x_2 = W_{12}\,x_1, \qquad x_3 = W_{23}\,x_2, \qquad
#   C = \tfrac12\,(x_3-y)^\top(x_3-y) = \tfrac12\sum_k (x_{3,k}-y_k)^2 .$$
#
# We still need one derivative per weight, but writing them entry by entry
# drowns in indices. Instead we collect them in a matrix of the same
# shape as the weights,
#
# $$\Big[\frac{\partial C}{\partial W}\Big]_{ab} = \frac{\partial C}{\partial w_{ab}},
#   \qquad\text{so that}\qquad W \leftarrow W - \eta\,\frac{\partial C}{\partial W}$$
#
# updates a whole layer in one line. This notebook derives the few rules
# such matrix derivatives follow, checks each one against the engine
# (which knows nothing about matrices: it differentiates every scalar
# separately), and then finds the backward chains again, now as
# vectors. (Section III of document 003; no activations yet.)

# %%
import numpy as np

from autograd import Value, dot, draw, explain
from autograd import sum as vsum

rng = np.random.default_rng(3)

# %% [markdown]
# The engine works with scalars, so a matrix is a list of rows of
# `Value`s and a matrix–vector product is one `dot` node per row. Three
# small helpers translate between numpy arrays and Values.

# %%
def values(a, name):
    # A numpy vector or matrix as (lists of) labelled Values.
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        return [Value(v, label=f"{name}{i}") for i, v in enumerate(a)]
    return [[Value(v, label=f"{name}{i}{j}") for j, v in enumerate(row)]
            for i, row in enumerate(a)]

def matvec(A, v):
    # A v: one dot node per row of A.
    return [dot(row, v) for row in A]

def grads(A):
    # The .grad of every Value, as a numpy array of the same shape.
    if isinstance(A[0], list):
        return np.array([[v.grad for v in row] for row in A])
    return np.array([v.grad for v in A])

# %% [markdown]
# ## 1. A cost linear in the matrix: $C = y^\top A\,x$
#
# Take $x$ with $n$ entries, $y$ with $m$, and $A$ of shape $(m, n)$; $C$ is
# a single number. Before computing anything, ask what the answer *can*
# be. $\partial C/\partial A$ must have $A$'s shape $(m, n)$; $C$ is linear
# in $A$, so its derivative cannot contain $A$; and it must be linear in
# both $x$ and $y$. The only $(m, n)$ matrix built from one $y$ and one
# $x$ is $y\,x^\top$ (up to a constant factor).
#
# Writing the product out settles the factor. With indices,
# $C = \sum_{i,j} y_i\,a_{ij}\,x_j$, and only one term contains $a_{kl}$,
# namely $y_k\,a_{kl}\,x_l$. Hence $\partial C/\partial a_{kl} = y_k x_l$,
# the $(k,l)$ entry of $y\,x^\top$:
#
# $$C = y^\top A\,x \quad\Longrightarrow\quad \frac{\partial C}{\partial A} = y\,x^\top .$$

# %%
m, n = 3, 4
x, y, A = rng.normal(size=n), rng.normal(size=m), rng.normal(size=(m, n))

# The index form and the matrix form are the same number.
assert np.isclose(np.einsum("i,ij,j->", y, A, x), y @ A @ x)

Av = values(A, "a")
C = dot(y, matvec(Av, x))      # y^T (A x), with x and y plain numbers
C.backward()
print("engine:\n", grads(Av).round(4))
print("y x^T:\n", np.outer(y, x).round(4))

# %%
assert np.isclose(C.data, y @ A @ x)
assert np.allclose(grads(Av), np.outer(y, x))

# %% [markdown]
# ## 2. Two matrices in a row: $C = y^\top A\,B\,x$
#
# Differentiating by $A$, everything else is a constant: call $x' = Bx$
# and section 1 gives $y\,x'^\top = y\,(Bx)^\top = y\,x^\top B^\top$.
# Differentiating by $B$, group the left part instead:
# $y^\top A = (A^\top y)^\top$, so with $y' = A^\top y$ the answer is
# $y'\,x^\top = A^\top y\,x^\top$.
#
# $$C = y^\top A\,B\,x \quad\Longrightarrow\quad
#   \frac{\partial C}{\partial A} = y\,x^\top B^\top, \qquad
#   \frac{\partial C}{\partial B} = A^\top y\,x^\top .$$
#
# A rule of thumb falls out: **the matrix derivative lets every constant
# pass through, transposed**: what stood on the left of the matrix comes
# out transposed on the left, what stood on the right comes out transposed
# on the right. ($(y^\top A)^\top = A^\top y$, not $y A^\top$: transposing
# a product reverses its order.)

# %%
k = 5
A, B = rng.normal(size=(m, k)), rng.normal(size=(k, n))
Av, Bv = values(A, "a"), values(B, "b")
C = dot(y, matvec(Av, matvec(Bv, x)))
C.backward()

# %%
assert np.allclose(grads(Av), np.outer(y, x) @ B.T)
assert np.allclose(grads(Bv), A.T @ np.outer(y, x))

# %% [markdown]
# ## 3. A cost quadratic in the matrix: $C = \tfrac12\,x^\top A^\top A\,x$
#
# This is $\tfrac12\,|Ax|^2$. Its derivative must be linear in $A$, of
# shape $(m, n)$, and quadratic in $x$: $A\,x\,x^\top$ fits. With indices,
# $C = \tfrac12\sum_j(\sum_i a_{ji}x_i)^2$; differentiating by $a_{cd}$
# gives $(Ax)_c\,x_d$ (the two copies of $A$ each contribute half, and the
# $\tfrac12$ absorbs the 2, as it did for the squared error):
#
# $$C = \tfrac12\,x^\top A^\top A\,x \quad\Longrightarrow\quad
#   \frac{\partial C}{\partial A} = A\,x\,x^\top .$$

# %%
A = rng.normal(size=(m, n))
Av = values(A, "a")
Ax = matvec(Av, x)
C = 0.5 * dot(Ax, Ax)
C.backward()

# %%
assert np.isclose(C.data, 0.5 * x @ A.T @ A @ x)
assert np.allclose(grads(Av), A @ np.outer(x, x))

# %% [markdown]
# ## 4. Quadratic with two matrices: $C = \tfrac12\,x^\top B^\top A^\top A\,B\,x$
#
# By $A$: replace $x$ by $Bx$ in section 3, giving $A\,(Bx)(Bx)^\top =
# A\,B\,x\,x^\top B^\top$. By $B$: with $D = A^\top A$ (symmetric) the
# index computation of section 3 goes through with $D$ in the middle and
# gives $D\,B\,x\,x^\top$. This is the shape we will need: a layer buried
# between the input and another layer.
#
# $$\frac{\partial C}{\partial A} = A\,B\,x\,x^\top B^\top, \qquad
#   \frac{\partial C}{\partial B} = A^\top A\,B\,x\,x^\top .$$

# %%
A, B = rng.normal(size=(m, k)), rng.normal(size=(k, n))
Av, Bv = values(A, "a"), values(B, "b")
ABx = matvec(Av, matvec(Bv, x))
C = 0.5 * dot(ABx, ABx)
C.backward()

# %%
assert np.allclose(grads(Av), A @ B @ np.outer(x, x) @ B.T)
assert np.allclose(grads(Bv), A.T @ A @ B @ np.outer(x, x))

# %% [markdown]
# ## 5. The three layer gradients
#
# Back to the network. Expanding the cost,
# $C = \tfrac12\,x_3^\top x_3 - y^\top x_3 + \tfrac12\,y^\top y$. The last
# term does not depend on any weight, so it never appears in a gradient;
# the first is of the quadratic kind, the second of the linear kind. For
# $W_{01}$, set $D = W_{23}W_{12}$: the cost is
# $\tfrac12\,x_0^\top W_{01}^\top D^\top D\,W_{01}\,x_0 - y^\top D\,W_{01}\,x_0$,
# and sections 2 and 4 give $D^\top D\,W_{01}\,x_0 x_0^\top - D^\top y\,x_0^\top
# = D^\top(x_3 - y)\,x_0^\top$, because $D\,W_{01}\,x_0$ is just $x_3$. The
# other two layers go the same way:
#
# $$\frac{\partial C}{\partial W_{23}} = (x_3-y)\,x_2^\top, \qquad
#   \frac{\partial C}{\partial W_{12}} = W_{23}^\top(x_3-y)\,x_1^\top, \qquad
#   \frac{\partial C}{\partial W_{01}} = W_{12}^\top W_{23}^\top(x_3-y)\,x_0^\top .$$
#
# First with numpy, by the formulas:

# %%
sizes = [3, 4, 3, 2]                       # x0, x1, x2, x3
W01 = rng.normal(size=(sizes[1], sizes[0]))
W12 = rng.normal(size=(sizes[2], sizes[1]))
W23 = rng.normal(size=(sizes[3], sizes[2]))
x0, y = rng.normal(size=sizes[0]), rng.normal(size=sizes[3])

x1 = W01 @ x0
x2 = W12 @ x1
x3 = W23 @ x2

dW23 = np.outer(x3 - y, x2)
dW12 = W23.T @ np.outer(x3 - y, x1)
dW01 = W12.T @ W23.T @ np.outer(x3 - y, x0)
print("shapes:", dW01.shape, dW12.shape, dW23.shape)

# %% [markdown]
# Then the engine, which never heard of a transpose:

# %%
def network(W01, W12, W23, x0, y, *, drop_constant=False):
    Ws = values(W01, "w01_"), values(W12, "w12_"), values(W23, "w23_")
    X0 = values(x0, "x0_")
    X1 = matvec(Ws[0], X0)
    X2 = matvec(Ws[1], X1)
    X3 = matvec(Ws[2], X2)
    for name, layer in (("x1_", X1), ("x2_", X2), ("x3_", X3)):
        for i, v in enumerate(layer):
            v.label = f"{name}{i}"
    if drop_constant:   # 1/2 x3.x3 - y.x3: the cost without 1/2 y.y
        C = 0.5 * dot(X3, X3) - dot(y, X3)
    else:
        C = 0.5 * vsum([(v - t) ** 2 for v, t in zip(X3, y)])
    C.label = "C"
    return Ws, (X0, X1, X2, X3), C

Ws, Xs, C = network(W01, W12, W23, x0, y)
C.backward()

# %%
assert np.allclose(grads(Ws[2]), dW23)
assert np.allclose(grads(Ws[1]), dW12)
assert np.allclose(grads(Ws[0]), dW01)

# %% [markdown]
# Dropping the constant $\tfrac12\,y^\top y$, as the derivation did, gives a
# different cost but the same gradients:

# %%
Ws2, _, C2 = network(W01, W12, W23, x0, y, drop_constant=True)
C2.backward()
assert np.isclose(C.data - C2.data, 0.5 * y @ y)
for a, b in zip(Ws, Ws2):
    assert np.allclose(grads(a), grads(b))

# %% [markdown]
# ## 6. The backward chains are back, as vectors
#
# Read the three results from the left. They share a growing prefix:
#
# $$\Delta_0 = x_3 - y, \qquad \Delta_1 = W_{23}^\top\,\Delta_0, \qquad
#   \Delta_2 = W_{12}^\top\,\Delta_1 ,$$
#
# and each gradient is that backward chain times the forward chain
# (transposed):
#
# $$\frac{\partial C}{\partial W_{i,i+1}} = \Delta_{2-i}\;x_i^\top .$$
#
# Exactly the pattern of notebook 01, with each number replaced by a
# vector and each product of two vectors by an outer product. The weights
# enter the backward chain *transposed*: going backwards through a layer
# means summing over the nodes it fed, and that sum is a multiplication
# by $W^\top$. As before, $\Delta$ is the derivative of the cost with
# respect to a layer's values: in the engine, $\Delta_0$, $\Delta_1$,
# $\Delta_2$ are the grads of the nodes $x_3$, $x_2$, $x_1$.

# %%
D0 = x3 - y
D1 = W23.T @ D0
D2 = W12.T @ D1
X0, X1, X2, X3 = Xs
print("Delta_1 by hand: ", D1.round(5))
print("grads of x2 nodes:", grads(X2).round(5))

# %%
assert np.allclose(grads(X3), D0)
assert np.allclose(grads(X2), D1)
assert np.allclose(grads(X1), D2)
for Wv, D, xi in zip(Ws, [D2, D1, D0], [x0, x1, x2]):
    assert np.allclose(grads(Wv), np.outer(D, xi))

# %% [markdown]
# ## 7. One weight in the picture
#
# A small copy of the network (two nodes per layer) fits in a drawing.
# Highlighting one weight, $w^{(12)}_{01}$ (row 0, column 1 of
# $W_{12}$), shows its forward chain (the node $x_{1,1}$ it multiplies)
# and its backward chain. Unlike the single chain of notebook 01 there
# are now **several paths** from the weight to the cost, one through each
# output node. Added up, they give $\Delta_{1,0}$ (entry 0 of the
# backward chain, at the node the weight feeds) times $x_{1,1}$ (the
# forward chain).

# %%
small = [2, 2, 2, 2]
sW01, sW12, sW23 = (rng.normal(size=(small[i + 1], small[i])).round(2) for i in range(3))
sx0, sy = np.array([0.5, -1.0]), np.array([0.3, 0.1])
sWs, sXs, sC = network(sW01, sW12, sW23, sx0, sy)
sC.backward()
w = sWs[1][0][1]
draw(sC, highlight=w)

# %%
e = explain(sC, w)
print(e)

# %%
sx1, sx2 = sW01 @ sx0, sW12 @ (sW01 @ sx0)
sD1 = sW23.T @ (sW23 @ sx2 - sy)
assert len(e.paths) == small[3]                  # one path through each output node
assert np.isclose(sum(p.product for p in e.paths), w.grad)
assert np.isclose(e.delta, sD1[0])               # backward chain: Delta_1, entry 0
assert np.isclose(e.forward, sx1[1])             # forward chain: x1, entry 1

# %% [markdown]
# **In PyTorch this is** `x1 = W01 @ x0` with `W01.requires_grad_()`;
# after `C.backward()`, `W01.grad` is the matrix
# $W_{12}^\top W_{23}^\top (x_3-y)\,x_0^\top$ we derived.
# (`torch.nn.Linear` stores its weight with the same $(\text{out},
# \text{in})$ shape as our $W_{ij}$.)
#
# **What to remember.** $\partial C/\partial W_{i,i+1} = \Delta\,x_i^\top$:
# backward chain times forward chain, as an outer product. Going
# backwards through a layer multiplies by $W^\top$. Next:
# [04 · full backpropagation](04_full_backprop.ipynb), where activations
# join the layers.
