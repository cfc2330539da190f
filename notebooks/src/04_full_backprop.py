# %% [markdown]
# # 04 · Full backpropagation: layers, activations, and an MLP
#
# Section IV of document 003 puts everything together (several nodes per
# layer **and** an activation at every node) and stops halfway. Here we
# finish it. The forward pass, with every quantity a vector:
#
# $$p_0 = x, \quad q_0 = \sigma_0(p_0), \qquad
#   p_i = W_i\,q_{i-1} + b_i, \quad q_i = \sigma_i(p_i) \quad (i = 1, \dots, L), \qquad
#   C = \tfrac12\,|q_L - y|^2 .$$
#
# $W_i$ (the document's $W_{i-1,i}$) always takes a $q$ to a $p$, and
# $\sigma_i$ always takes $p_i$ to $q_i$ entry by entry; a product like
# $W_i\,p_{i-1}$ is a sign of a mistake. We add a bias $b_i$ to each
# layer, as every real network does.
#
# **A change of numbering.** With many layers, counting the backward
# chains from the output gets confusing, so from now on we name them by
# layer:
#
# $$\delta_i = \frac{\partial C}{\partial p_i}\qquad\text{(a vector with one entry per node of layer } i\text{)}.$$
#
# The document's $\Delta_0$ (the chain at the output) is our $\delta_L$.

# %%
import numpy as np

from autograd import Value, dot, draw, explain, topo_order
from autograd import sum as vsum
from nn import MLP, mse

rng = np.random.default_rng(4)

# %% [markdown]
# ## 1. The matrix rule with an activation inside
#
# The document's aside starts with $C = y^\top\sigma(A\,x)$. Only row $k$
# of $A$ feeds entry $k$ of $Ax$, so
# $\partial C/\partial a_{kl} = y_k\,\sigma'\big((Ax)_k\big)\,x_l$: the
# activation's slope multiplies *entry by entry* ($\odot$) before the
# outer product with $x$:
#
# $$C = y^\top\sigma(Ax) \quad\Longrightarrow\quad
#   \frac{\partial C}{\partial A} = \big[y\odot\sigma'(Ax)\big]\,x^\top .$$
#
# With two layers, $C = y^\top\sigma_2(A\,\sigma_1(B\,x))$, the rule of
# notebook 03 ("constants pass through, transposed") needs one more
# detail the document discovers: a matrix passing through must land **on
# the left** of what has been built so far, or the shapes do not fit.
# The result:
#
# $$\frac{\partial C}{\partial B} =
#   \Big\{A^\top\big[y\odot\sigma_2'(A\,\sigma_1(Bx))\big]\odot\sigma_1'(Bx)\Big\}\,x^\top .$$

# %%
def tanh_prime(z):
    return 1 - np.tanh(z) ** 2

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))

k_, m_, n_ = 2, 3, 4
A, B = rng.normal(size=(k_, m_)), rng.normal(size=(m_, n_))
x, y = rng.normal(size=n_), rng.normal(size=k_)

# sigma_1 = tanh, sigma_2 = sigmoid, by the formula:
inner = B @ x
outer = A @ np.tanh(inner)
dB = np.outer(A.T @ (y * sigmoid_prime(outer)) * tanh_prime(inner), x)
dA = np.outer(y * sigmoid_prime(outer), np.tanh(inner))

# %%
Av = [[Value(v) for v in row] for row in A]
Bv = [[Value(v) for v in row] for row in B]
h = [dot(row, list(x)).tanh() for row in Bv]
C = dot(list(y), [dot(row, h).sigmoid() for row in Av])
C.backward()
assert np.allclose([[v.grad for v in row] for row in Bv], dB)
assert np.allclose([[v.grad for v in row] for row in Av], dA)

# %% [markdown]
# Putting $A^\top$ on the *right* instead, as a first guess might, asks
# numpy to multiply a $(k)$-vector by an $(m, k)$ matrix:

# %%
try:
    (y * sigmoid_prime(outer)) @ A.T
    fits = True
except ValueError as err:
    fits = False
    print("numpy:", err)
assert not fits

# %% [markdown]
# ## 2. The backpropagation equations
#
# Apply the rule layer by layer, from the output down, and the whole
# computation fits in one line of formulas:
#
# $$\delta_L = (q_L - y)\odot\sigma_L'(p_L), \qquad
#   \delta_i = \big(W_{i+1}^\top\,\delta_{i+1}\big)\odot\sigma_i'(p_i), \qquad
#   \frac{\partial C}{\partial W_i} = \delta_i\,q_{i-1}^\top, \quad
#   \frac{\partial C}{\partial b_i} = \delta_i .$$
#
# Read the middle one aloud: to go down one layer, carry $\delta$ back
# through the weights (transposed, because a node's value went to every
# node of the next layer and the chain rule sums over them), then
# multiply by the local slope of this layer's activation. The last two
# are the backward chain times the forward chain once more; a bias is a
# weight whose input is always 1.
#
# In numpy, for any list of activations:

# %%
NP_ACT = {   # name: (sigma, sigma')
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "tanh": (np.tanh, tanh_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
}

def backprop(Ws, bs, sigmas, x, y):
    # sigmas[0] is sigma_0 (on the input), sigmas[i] belongs to layer i.
    p, q = [np.asarray(x, float)], [NP_ACT[sigmas[0]][0](np.asarray(x, float))]
    for i, (W, b) in enumerate(zip(Ws, bs), start=1):
        p.append(W @ q[-1] + b)
        q.append(NP_ACT[sigmas[i]][0](p[-1]))
    L = len(Ws)
    delta = [None] * (L + 1)
    delta[L] = (q[L] - y) * NP_ACT[sigmas[L]][1](p[L])
    for i in range(L - 1, -1, -1):
        delta[i] = (Ws[i].T @ delta[i + 1]) * NP_ACT[sigmas[i]][1](p[i])
    dW = [np.outer(delta[i], q[i - 1]) for i in range(1, L + 1)]
    return p, q, delta, dW

# %% [markdown]
# ## 3. The same network as an `nn.MLP`
#
# `nn.MLP` builds exactly this network out of `Value`s: each neuron's
# $p = w \cdot q + b$ is one `dot` node with its bias in it, followed by
# its activation (that is $q$). `MLP.trace(x)` runs the forward pass and hands back every
# $p_i$ and $q_i$ in the document's indexing, so after `backward()` the
# grads of `p[i]` are the $\delta_i$.

# %%
sigmas = ["identity", "tanh", "sigmoid", "identity"]     # sigma_0 .. sigma_3
model = MLP(3, [4, 3, 2], activation=sigmas[1:], input_activation=sigmas[0], seed=0)
x = [0.5, -1.0, 2.0]
y = np.array([0.2, -0.4])

t = model.trace(x)
C = mse(t.output, list(y))      # 1/2 sum (q_L - y)^2
C.backward()
print(model)
print("layer sizes:", [len(layer) for layer in t.p])

# %% [markdown]
# The weights sit in the neurons: row $j$ of $W_i$ is `model.layers[i-1]
# .neurons[j].w`. We copy them into numpy and run the hand-written
# equations.

# %%
Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
bs = [np.array([n.b.data for n in layer.neurons]) for layer in model.layers]
p, q, delta, dW = backprop(Ws, bs, sigmas, x, y)
for i in range(1, 4):
    print(f"delta_{i} by hand: {delta[i].round(5)}")
    print(f"p[{i}] grads:      {np.round([v.grad for v in t.p[i]], 5)}")

# %%
for i in range(1, 4):
    assert np.allclose([v.data for v in t.p[i]], p[i])
    assert np.allclose([v.grad for v in t.p[i]], delta[i])         # p_i.grad is delta_i
    layer = model.layers[i - 1]
    assert np.allclose([[w.grad for w in n.w] for n in layer.neurons], dW[i - 1])
    assert np.allclose([n.b.grad for n in layer.neurons], delta[i])  # dC/db_i = delta_i
assert np.allclose([v.grad for v in t.p[0]], delta[0])              # even dC/dx

# %% [markdown]
# The agreement does not depend on the activations; with identities
# everywhere this is notebook 03's linear network (plus biases):

# %%
for acts in (["tanh", "relu", "sigmoid", "tanh"], ["identity"] * 4, ["relu"] * 4):
    m2 = MLP(3, [4, 3, 2], activation=acts[1:], input_activation=acts[0], seed=1)
    t2 = m2.trace(x)
    mse(t2.output, list(y)).backward()
    W2 = [np.array([[w.data for w in n.w] for n in l.neurons]) for l in m2.layers]
    b2 = [np.array([n.b.data for n in l.neurons]) for l in m2.layers]
    _, _, d2, _ = backprop(W2, b2, acts, x, y)
    for i in range(4):
        assert np.allclose(t2.deltas()[i], d2[i])

# %% [markdown]
# ## 4. Seeing it
#
# An MLP's graph has many nodes, even with one `dot` per neuron (the
# count for this small one is printed below). Drawn whole it would be a wall of boxes, so
# `draw` collapses it into one box per neuron, grouped by layer; each box
# shows the neuron's activation, output and $\delta$. (We write the cost
# out as a plain sum of squares here, so that the drawing shows it as
# the cost and not as a neuron.)

# %%
t = model.trace(x)
C = 0.5 * vsum([(o - target) ** 2 for o, target in zip(t.output, y)])
C.label = "C"
model.zero_grad()   # grads accumulate across passes, as in PyTorch: clear the first pass's
C.backward()
assert np.isclose(C.data, mse([v.data for v in t.output], list(y)).data)
print(len(topo_order(C)), "nodes")
draw(C, collapse=True)

# %% [markdown]
# The graph behind a single neuron is small enough to show in full: the
# `dot` node $p = w \cdot q + b$ of its weights with the previous layer's
# $q$'s and its bias (its local derivatives with respect to the weights
# are those $q$'s, the forward chain; with respect to the bias, 1), and
# the activation giving $q$.
# Here is neuron 0 of layer 1, with the gradients the pass left on it.

# %%
draw(t.q[1][0])

# %% [markdown]
# And one layer expanded inside the collapsed picture:

# %%
draw(C, collapse=True, expand=[2])

# %% [markdown]
# ## 5. One weight, taken apart
#
# Take the weight from input 1 to neuron 2 of layer 1. `explain` counts
# the paths from it to the cost (one through each neuron of each later
# layer) and gives the split $\partial C/\partial w = \delta \times q$:
# $\delta$ of the neuron it feeds, times the $q$ it multiplies.

# %%
w = model.layers[0].neurons[2].w[1]
e = explain(C, w)
print(f"{e.n_paths} paths; total {e.total:.6f}")
print(e.split[0])

# %%
assert e.n_paths == 3 * 2                     # 3 neurons in layer 2, 2 in layer 3
assert np.isclose(e.total, w.grad)
assert np.isclose(e.delta, delta[1][2])       # delta of p_1, entry 2
assert np.isclose(e.forward, q[0][1])         # q_0, entry 1
assert np.isclose(sum(path.product for path in e.paths), w.grad)

# %% [markdown]
# **In PyTorch this is** `nn.Sequential(nn.Linear(3, 4), nn.Tanh(),
# nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))`; autograd runs the
# same three equations, one matrix at a time, where our engine runs them
# one scalar at a time. To see PyTorch's $\delta_i$ you would need
# `p.retain_grad()` on every pre-activation; here they are on the nodes.
#
# **What to remember.**
# $\delta_L = (q_L - y)\odot\sigma_L'(p_L)$,
# $\delta_i = (W_{i+1}^\top\delta_{i+1})\odot\sigma_i'(p_i)$,
# $\partial C/\partial W_i = \delta_i\,q_{i-1}^\top$. That is all of
# backpropagation. Next: [05 · the minibatch update](05_minibatch_update.ipynb),
# where the outer product meets a batch of examples.
