// The training page: the page player (player.js) over the run's snapshots; the loss and
// accuracy curves, the boundary (inputs of two dimensions) or the batch's predicted classes
// (a confusion table, the misclassified images), the network drawn with its weights (or
// grads), and a weight's gradient as the sum over the batch of δ × q.
(function () {
  "use strict";
  var D = cg.data, $ = cg.$, el = cg.el, fmt = cg.fmt, num = cg.num;
  var S = D.snaps, L = D.sizes.length - 1, SVGNS = "http://www.w3.org/2000/svg";
  var at = 0, showGrads = false, chosen = null, ringed = [];

  function floats(b64, four) {
    var bin = atob(b64), n = bin.length, bytes = new Uint8Array(n), out = [], i;
    for (i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
    var view = new DataView(bytes.buffer), size = four ? 4 : 8;
    for (i = 0; i + size <= n; i += size) out.push(four ? view.getFloat32(i, true) : view.getFloat64(i, true));
    return out;
  }
  var cache = {};
  function snap(i) {
    if (!cache[i]) {
      var s = S[i];
      cache[i] = {w: floats(s.w), g: floats(s.g), q: floats(s.q), d: floats(s.d),
                  grid: s.grid ? floats(s.grid, true) : null};
    }
    return cache[i];
  }
  // parameter index of (layer, neuron, input k; -1 for the bias)
  var pindex = {};
  D.params.forEach(function (p, i) { pindex[p.join(",")] = i; });
  var Q = 0, Dn = 0, offQ = [], offD = [0, 0];
  for (var l = 0; l < L; l++) { offQ.push(Q); Q += D.sizes[l]; }
  for (l = 1; l <= L; l++) { offD[l] = Dn; Dn += D.sizes[l]; }
  var maxW = 1e-12;
  S.forEach(function (s) { floats(s.w).forEach(function (w, j) { if (D.params[j][2] >= 0) maxW = Math.max(maxW, Math.abs(w)); }); });

  function svg(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }
  function text(parent, x, y, words, attrs) {
    var t = svg("text", Object.assign({x: x, y: y}, attrs || {}));
    t.textContent = words; parent.appendChild(t); return t;
  }
  // Ticks at 1, 2 or 5 times a power of ten, about `count` of them over [lo, hi]; `whole`:
  // whole numbers only (epochs).
  function ticks(lo, hi, count, whole) {
    var raw = (hi - lo) / Math.max(1, count), p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    var step = [1, 2, 5, 10].map(function (m) { return m * p; }).filter(function (s) { return s >= raw; })[0] || p * 10;
    if (whole) step = Math.max(1, step);
    var out = [];
    for (var v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }

  // -- class styles: the colours and markers of boundary.png (nn/plot.py's one table) --------
  var SHAPES = {"^": [[0, -1.1], [1, 0.8], [-1, 0.8]], "v": [[0, 1.1], [1, -0.8], [-1, -0.8]],
                "s": [[-0.85, -0.85], [0.85, -0.85], [0.85, 0.85], [-0.85, 0.85]],
                "D": [[0, -1.15], [1, 0], [0, 1.15], [-1, 0]]};
  var PLAIN = [["#999999", "o"]];  // not a classifier: one grey for every point and region
  function style(k) { var all = D.styles.length ? D.styles : PLAIN; return all[(k || 0) % all.length]; }
  function rgb(k) {
    var h = style(k)[0];
    return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
  }
  function marker(ctx, p, k, r) {  // on a canvas
    var pts = SHAPES[style(k)[1]];
    ctx.fillStyle = style(k)[0]; ctx.strokeStyle = "#111"; ctx.lineWidth = 0.8;
    ctx.beginPath();
    if (!pts) ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
    else pts.forEach(function (u, i) { ctx[i ? "lineTo" : "moveTo"](p[0] + u[0] * r, p[1] + u[1] * r); });
    ctx.closePath(); ctx.fill(); ctx.stroke();
  }
  function swatch(k) {  // the same marker as a small SVG, for legends and table headers
    var box = svg("svg", {width: 14, height: 14, viewBox: "-7 -7 14 14", class: "swatch", "aria-hidden": "true"});
    var pts = SHAPES[style(k)[1]], a = {fill: style(k)[0], stroke: "#111", "stroke-width": 0.8};
    box.appendChild(pts ? svg("polygon", Object.assign({points: pts.map(function (u) { return u[0] * 5 + "," + u[1] * 5; }).join(" ")}, a))
                        : svg("circle", Object.assign({r: 5}, a)));
    return box;
  }
  function legend() {
    var box = $("r-legend");
    if (!D.classes.length) { box.hidden = true; return; }
    D.classes.forEach(function (c, k) {
      box.appendChild(el("span", {class: "key", "data-class": k}, swatch(k), " class " + c));
    });
  }

  // -- the network: a layer wider than WIDE is drawn as one box ------------------------------
  var WIDE = 32, net = $("r-net"), shown = D.sizes.map(function (n) { return n <= WIDE; });
  var most = Math.max.apply(null, D.sizes.map(function (n, i) { return shown[i] ? n : 1; }));
  var rowH = Math.max(12, Math.min(26, Math.floor(280 / most))), R = Math.min(9, rowH * 0.4), colW = 170;
  var W = 60 + L * colW + 60, H = Math.max(140, most * rowH + 40);
  net.setAttribute("viewBox", "0 0 " + W + " " + H);
  // Sized to its frame: shrunk to the column's width and the window's height, but never
  // below 0.8 (its 13 px labels stay above 10 px): the box scrolls instead.
  function fitNet() {
    var room = net.parentNode.clientWidth - 2, tall = Math.max(200, window.innerHeight * 0.75);
    var k = Math.max(0.8, Math.min(1, room / W, tall / H));
    net.setAttribute("width", Math.round(W * k)); net.setAttribute("height", Math.round(H * k));
  }
  fitNet();
  window.addEventListener("resize", fitNet);
  function pt(layer, j) {
    var n = shown[layer] ? D.sizes[layer] : 1;
    return [50 + layer * colW, 20 + H / 2 + ((shown[layer] ? j : 0) - (n - 1) / 2) * rowH];
  }
  var lines = [], circles = [];
  function drawEdges(into) {
    var groups = {}, many = [];  // many[l]: lines drawn between layers l-1 and l
    for (var l = 1; l <= L; l++) many[l] = (shown[l - 1] ? D.sizes[l - 1] : 1) * (shown[l] ? D.sizes[l] : 1);
    D.params.forEach(function (p, i) {
      if (p[2] < 0) return;
      var a = pt(p[0] - 1, p[2]), b = pt(p[0], p[1]), ends = {x1: a[0], y1: a[1], x2: b[0], y2: b[1]};
      if (shown[p[0] - 1] && shown[p[0]]) {
        var line = svg("line", Object.assign({class: "w", "stroke-opacity": Math.min(1, 120 / many[p[0]]).toFixed(2)}, ends));
        into.appendChild(line);
        into.appendChild(svg("line", Object.assign({class: "hit", "data-param": i}, ends)));
        lines.push({params: [i], line: line});
        return;
      }
      var key = p[0] + ":" + (shown[p[0] - 1] ? p[2] : "*") + ":" + (shown[p[0]] ? p[1] : "*");
      if (!groups[key]) {
        groups[key] = {params: [], line: svg("line", Object.assign({class: "w agg"}, ends))};
        into.appendChild(groups[key].line);
        if (shown[p[0]]) into.appendChild(svg("line", Object.assign({class: "hit", "data-layer": p[0], "data-neuron": p[1]}, ends)));
        lines.push(groups[key]);
      }
      groups[key].params.push(i);
    });
  }
  function drawUnits(into) {
    for (var l = 0; l <= L; l++) {
      var label = l === 0 ? "input" : (l === L ? "output" : "layer " + l) + " (" + D.acts[l] + ")";
      text(net, pt(l, 0)[0], 14, label, {"text-anchor": "middle", class: "layer"});
      if (!shown[l]) {
        var c = pt(l, 0), g = svg("g", {class: "box"});
        g.appendChild(svg("rect", {x: c[0] - 34, y: c[1] - 30, width: 68, height: 60, rx: 6}));
        text(g, c[0], c[1] - 2, String(D.sizes[l]), {"text-anchor": "middle", class: "count"});
        text(g, c[0], c[1] + 16, l ? "neurons" : "inputs", {"text-anchor": "middle", class: "count-of"});
        into.appendChild(g);
        continue;
      }
      for (var j = 0; j < D.sizes[l]; j++) {
        var p = pt(l, j), u = svg("g", {class: "unit" + (l === 0 ? " input" : ""), tabindex: l ? 0 : -1,
          role: l ? "button" : "img", "data-layer": l, "data-neuron": j,
          "aria-label": l ? "neuron " + j + " of layer " + l + ": show its gradients" : "input " + j});
        u.appendChild(svg("circle", {cx: p[0], cy: p[1], r: R}));
        into.appendChild(u);
        circles.push(u);
      }
    }
  }
  var edgeLayer = svg("g", {}), nodeLayer = svg("g", {});
  net.appendChild(edgeLayer); net.appendChild(nodeLayer);
  drawEdges(edgeLayer); drawUnits(nodeLayer);

  function drawNet() {
    var s = snap(at), v = showGrads ? s.g : s.w, big = 1e-300, bigAgg = 1e-300;
    var sizes = lines.map(function (e) {
      if (e.params.length === 1) return v[e.params[0]];
      var sq = 0;
      e.params.forEach(function (i) { sq += v[i] * v[i]; });
      return Math.sqrt(sq / e.params.length);  // the root mean square of the lines it stands for
    });
    lines.forEach(function (e, k) {
      if (e.params.length === 1) big = Math.max(big, Math.abs(sizes[k])); else bigAgg = Math.max(bigAgg, sizes[k]);
    });
    if (!showGrads) big = maxW;
    if (big <= 1e-300) big = bigAgg;  // no single line: the boxes' lines set the scale
    lines.forEach(function (e, k) {
      var one = e.params.length === 1, m = big, x = sizes[k];
      e.line.setAttribute("stroke-width", (0.4 + 5 * Math.min(1, Math.abs(x) / m)).toFixed(2));
      e.line.setAttribute("class", "w " + (one ? (x >= 0 ? "pos" : "neg") : "agg") +
        (chosen && one && chosen.param === e.params[0] ? " chosen" : ""));
    });
  }

  // -- curves: loss (left axis) and accuracy (right axis, 0..1) per epoch ----------------------
  function drawCurves() {
    var box = $("r-curves"), w = 440, h = 250, x0 = 58, x1 = w - 54, y0 = h - 42, y1 = 12;
    cg.clear(box);
    var loss = D.history.loss, acc = D.history.accuracy, n = loss.length;
    if (!n) return;
    var top = Math.max.apply(null, loss.concat(S.map(function (s) { return s.loss; }))) || 1;
    var lt = ticks(0, top, 5);
    top = Math.max(top, lt[lt.length - 1]);
    function X(t) { return x0 + (x1 - x0) * t / n; }
    function Y(v) { return y0 - (y0 - y1) * v / top; }
    function A(v) { return y0 - (y0 - y1) * v; }
    box.appendChild(svg("rect", {x: x0, y: y1, width: x1 - x0, height: y0 - y1, class: "frame"}));
    ticks(0, n, 6, true).forEach(function (e) {
      box.appendChild(svg("line", {x1: X(e), x2: X(e), y1: y0, y2: y0 + 5, class: "axis"}));
      text(box, X(e), y0 + 18, String(e), {"text-anchor": "middle", class: "tick epoch"});
    });
    lt.forEach(function (v) {
      box.appendChild(svg("line", {x1: x0 - 5, x2: x0, y1: Y(v), y2: Y(v), class: "axis"}));
      text(box, x0 - 8, Y(v) + 4, fmt(v, 3), {"text-anchor": "end", class: "tick"});
    });
    text(box, (x0 + x1) / 2, h - 6, "epoch", {"text-anchor": "middle", class: "label"});
    text(box, 0, 0, "loss", {"text-anchor": "middle", class: "label", fill: D.curves.loss,
      transform: "translate(14," + (y0 + y1) / 2 + ") rotate(-90)"});
    var dots = n <= 30, seen = acc.length && acc[0] !== null;
    line(loss.map(function (v, e) { return [X(e + 0.5), Y(v)]; }), "loss", D.curves.loss, dots);
    if (seen) {
      [0, 0.5, 1].forEach(function (v) {
        box.appendChild(svg("line", {x1: x1, x2: x1 + 5, y1: A(v), y2: A(v), class: "axis"}));
        text(box, x1 + 8, A(v) + 4, String(v), {"text-anchor": "start", class: "tick"});
      });
      text(box, 0, 0, "accuracy", {"text-anchor": "middle", class: "label", fill: D.curves.accuracy,
        transform: "translate(" + (w - 10) + "," + (y0 + y1) / 2 + ") rotate(90)"});
      line(acc.map(function (v, e) { return [X(e + 0.5), A(v)]; }), "acc", D.curves.accuracy, dots);
    }
    var s = S[at], xs = X((s.step + 0.5) / D.per_epoch);
    box.appendChild(svg("line", {x1: xs, y1: y0, x2: xs, y2: y1, class: "now"}));
    box.appendChild(svg("circle", {cx: xs, cy: Y(s.loss), r: 4.5, class: "dot"}));
    function line(points, cls, colour, withDots) {
      box.appendChild(svg("polyline", {class: cls, stroke: colour, points: points.map(function (p) { return p.join(","); }).join(" ")}));
      if (withDots) points.forEach(function (p) { box.appendChild(svg("circle", {cx: p[0], cy: p[1], r: 2.5, fill: colour})); });
    }
  }

  // -- the boundary: cells tinted with the predicted class's colour, the data as its markers ---
  var PAD = {left: 44, right: 8, top: 8, bottom: 30}, SIDE = 340;
  function drawBoundary() {
    var cv = $("r-boundary"), G = D.grid, dpr = window.devicePixelRatio || 1;
    if (cv.width !== Math.round(SIDE * dpr)) { cv.width = cv.height = Math.round(SIDE * dpr); }
    var ctx = cv.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, SIDE, SIDE);
    var s = snap(at), n = G.n, b = G.box, pw = SIDE - PAD.left - PAD.right, ph = SIDE - PAD.top - PAD.bottom;
    var off = document.createElement("canvas"), octx = off.getContext("2d");
    off.width = off.height = n;
    var img = octx.createImageData(n, n);
    for (var j = 0; j < n; j++) for (var i = 0; i < n; i++) {
      var v = s.grid[j * n + i], cls, strength = 1;
      if (G.kind === "class") cls = v;
      else { var t = G.threshold === null ? 0 : G.threshold; cls = v > t ? 1 : 0; strength = Math.min(1, 0.3 + Math.abs(v - t)); }
      var c = rgb(cls), a = D.tint * strength, o = ((n - 1 - j) * n + i) * 4;
      for (var ch = 0; ch < 3; ch++) img.data[o + ch] = Math.round(255 - a * (255 - c[ch]));
      img.data[o + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, n, n, PAD.left, PAD.top, pw, ph);
    function P(x) { return [PAD.left + (x[0] - b[0]) / (b[1] - b[0]) * pw, PAD.top + ph - (x[1] - b[2]) / (b[3] - b[2]) * ph]; }
    axes(ctx, b, P, pw, ph);
    D.X.forEach(function (x, k) { marker(ctx, P(x), D.y[k], 4.5); });
    ctx.lineWidth = 2.5; ctx.strokeStyle = "#000";
    ringed.forEach(function (k) { var p = P(D.X[k]); ctx.beginPath(); ctx.arc(p[0], p[1], 8, 0, 2 * Math.PI); ctx.stroke(); });
  }
  function axes(ctx, b, P, pw, ph) {
    ctx.strokeStyle = "#444"; ctx.lineWidth = 1; ctx.strokeRect(PAD.left, PAD.top, pw, ph);
    ctx.fillStyle = "#222"; ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    ticks(b[0], b[1], 5).forEach(function (v) {
      var x = P([v, b[2]])[0];
      ctx.beginPath(); ctx.moveTo(x, PAD.top + ph); ctx.lineTo(x, PAD.top + ph + 4); ctx.stroke();
      ctx.fillText(fmt(v, 3), x, PAD.top + ph + 6);
    });
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    ticks(b[2], b[3], 5).forEach(function (v) {
      var y = P([b[0], v])[1];
      ctx.beginPath(); ctx.moveTo(PAD.left - 4, y); ctx.lineTo(PAD.left, y); ctx.stroke();
      ctx.fillText(fmt(v, 3), PAD.left - 6, y);
    });
  }

  // -- the batch's classes at this step: a confusion table and the misclassified images -------
  function confusion() {
    var box = cg.clear($("r-classes")), pred = S[at].pred, batch = S[at].batch, K = D.classes.length;
    if (!pred || !K || D.grid) { box.hidden = true; return; }  // the boundary shows them
    box.hidden = false;
    if (K > 20) { box.appendChild(el("p", {class: "muted"}, K + " classes: too many for a table")); return; }
    var counts = [], r, c;
    for (r = 0; r < K; r++) { counts.push([]); for (c = 0; c < K; c++) counts[r].push(0); }
    batch.forEach(function (sample, i) { counts[D.y[sample]][pred[i]] += 1; });
    var right = 0;
    for (r = 0; r < K; r++) right += counts[r][r];
    box.appendChild(el("h3", null, "This step's batch: " + right + " of " + batch.length + " right"));
    var narrow = K > 5;  // the columns' markers left out, so ten classes fit the column
    var head = el("tr", null, el("th", {class: "corner", title: "rows: the true class; columns: the predicted class"}, "true ╲ predicted"),
      D.classes.map(function (name, k) { return el("th", {scope: "col"}, narrow ? null : swatch(k), name); }));
    var rows = counts.map(function (row, t) {
      return el("tr", null, el("th", {scope: "row"}, swatch(t), D.classes[t]), row.map(function (v, p) {
        return el("td", {class: v ? (p === t ? "hit" : "miss") : "zero", "data-true": t, "data-predicted": p}, String(v));
      }));
    });
    box.appendChild(el("table", {class: "confusion", id: "r-confusion"}, el("thead", null, head), el("tbody", null, rows)));
    if (D.image && D.acts[0] === "identity") misclassified(box, pred, batch);
  }
  function misclassified(box, pred, batch) {
    var s = snap(at), rows = D.image[0], cols = D.image[1], wrong = [], LIMIT = 24;
    batch.forEach(function (sample, i) { if (pred[i] !== D.y[sample]) wrong.push(i); });
    box.appendChild(el("h3", null, wrong.length ? "Misclassified at this step (true → predicted)" : "No image of this batch is misclassified"));
    var strip = el("div", {class: "images"});
    wrong.slice(0, LIMIT).forEach(function (i) {
      var cv = el("canvas", {width: cols, height: rows, class: "digit", role: "img",
        "aria-label": "sample " + batch[i] + ": class " + D.classes[D.y[batch[i]]] + " taken for " + D.classes[pred[i]]});
      var ctx = cv.getContext("2d"), img = ctx.createImageData(cols, rows);
      for (var k = 0; k < rows * cols; k++) {
        var g = Math.round(255 * (1 - Math.max(0, Math.min(1, s.q[i * Q + offQ[0] + k]))));
        img.data[4 * k] = img.data[4 * k + 1] = img.data[4 * k + 2] = g; img.data[4 * k + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      strip.appendChild(el("figure", {class: "wrong", "data-sample": batch[i]}, cv,
        el("figcaption", null, D.classes[D.y[batch[i]]] + " → " + D.classes[pred[i]])));
    });
    box.appendChild(strip);
    if (wrong.length > LIMIT) box.appendChild(el("p", {class: "muted"}, "… and " + (wrong.length - LIMIT) + " more"));
  }

  // -- a parameter's gradient as the sum over the batch of δ × q (+ λ·w) ---------------------
  function terms(i) {
    var p = D.params[i], s = snap(at), batch = S[at].batch, out = [];
    batch.forEach(function (sample, r) {
      var d = s.d[r * Dn + offD[p[0]] + p[1]];
      var q = p[2] < 0 ? 1 : s.q[r * Q + offQ[p[0] - 1] + p[2]];
      out.push({sample: sample, delta: d, q: q, term: d * q});
    });
    return out;
  }
  function pname(i) { return D.labels[i] || ("layer " + D.params[i][0] + " neuron " + D.params[i][1]); }
  function breakdown(i) {
    var p = D.params[i], s = snap(at), ts = terms(i), sum = 0, m = ts.length;
    ts.forEach(function (t) { sum += t.term; });
    var pen = p[2] >= 0 ? D.l2 * s.w[i] : 0, total = sum + pen;
    var qname = p[2] < 0 ? "1" : "q" + (p[0] - 1) + "_" + p[2];
    var nonzero = ts.filter(function (t) { return t.term !== 0; }), zeros = m - nonzero.length;
    var box = el("div", {class: "breakdown", "data-param": i, "data-sum": String(total), "data-grad": String(s.g[i]), "data-zeros": zeros});
    box.appendChild(el("h3", null, pname(i) + " at step " + S[at].step));
    box.appendChild(el("p", null, "value ", num(s.w[i], "w"), ", grad ", num(s.g[i], "grad"), " (the engine's)"));
    box.appendChild(el("p", null, "Its gradient is a sum over the paths through each of the " + m +
      " samples of this step's batch: δ(p" + p[0] + "_" + p[1] + ") × " + qname +
      " for each sample (δ = that sample's p.grad, which carries the 1/" + m + " of the mean loss)" +
      (p[2] >= 0 && D.l2 ? ", plus λ·w from the L2 penalty." : ".")));
    var top = nonzero.sort(function (a, b) { return Math.abs(b.term) - Math.abs(a.term); }).slice(0, 8);
    ringed = D.grid ? top.map(function (t) { return t.sample; }) : [];
    box.appendChild(el("table", {class: "terms"}, el("thead", null, el("tr", null, el("th", null, "sample"),
      el("th", null, "δ"), el("th", null, "× " + qname), el("th", null, "= term"))),
      el("tbody", null, top.map(function (t) {
        return el("tr", {class: "term", "data-sample": t.sample, "data-term": String(t.term)}, el("td", null, "#" + t.sample),
          el("td", null, num(t.delta, "delta")), el("td", null, num(t.q, "q")), el("td", null, num(t.term, "term")));
      }))));
    if (nonzero.length > top.length) box.appendChild(el("p", {class: "muted"}, "… and " + (nonzero.length - top.length) + " more samples (the largest terms are shown" + (D.grid ? ", ringed on the boundary plot)." : ").")));
    if (zeros) box.appendChild(el("p", {class: "muted zeros"}, zeros + " of the " + m + " samples add 0 (their δ or their " + qname + " is 0: a relu that is off" + (D.loss === "hinge" ? ", a margin already met" : "") + ", …)."));
    box.appendChild(el("p", null, "Σ over the " + m + " samples = ", num(sum, "sum")));
    if (p[2] >= 0 && D.l2) box.appendChild(el("p", null, "λ·w = " + fmt(D.l2) + " × " + fmt(s.w[i]) + " = ", num(pen, "penalty")));
    box.appendChild(el("p", {class: "total"}, "total ", el("b", null, num(total, "total")), ", the engine's grad ", num(s.g[i], "grad")));
    return box;
  }
  function neuron(box, lay, j) {
    var s = snap(at), rows = [], MANY = 12, ks = [];
    circles.forEach(function (c) { if (Number(c.getAttribute("data-layer")) === lay && Number(c.getAttribute("data-neuron")) === j) c.classList.add("chosen"); });
    box.appendChild(el("h2", null, "Neuron " + j + " of layer " + lay + " (" + D.acts[lay] + ")"));
    for (var k = 0; k < D.sizes[lay - 1]; k++) ks.push(pindex[[lay, j, k].join(",")]);
    if (ks.length > MANY) ks.sort(function (a, b) { return Math.abs(s.g[b]) - Math.abs(s.g[a]); });
    ks.slice(0, MANY).forEach(function (pi) {
      rows.push(el("tr", null, el("td", null, el("button", {class: "param", "data-param": pi, type: "button"}, pname(pi))),
        el("td", null, num(s.w[pi], "w")), el("td", null, num(s.g[pi], "grad"))));
    });
    box.appendChild(el("table", {class: "terms"}, el("thead", null, el("tr", null, el("th", null, "incoming weight"),
      el("th", null, "value"), el("th", null, "grad"))), el("tbody", null, rows)));
    if (ks.length > MANY) box.appendChild(el("p", {class: "muted"}, "the " + MANY + " of " + ks.length + " with the largest |grad|"));
    box.appendChild(breakdown(pindex[[lay, j, -1].join(",")]));
  }
  function detail() {
    var box = cg.clear($("r-detail"));
    circles.forEach(function (c) { c.classList.remove("chosen"); });
    ringed = [];
    if (!chosen) {
      box.appendChild(el("h2", null, "Click a neuron or a line"));
      box.appendChild(el("p", null, "A line is a weight: its gradient at this step appears as the sum over the batch's samples of δ × q. A neuron shows its bias and its incoming weights."));
      return;
    }
    if (chosen.param !== undefined) box.appendChild(breakdown(chosen.param));
    else neuron(box, chosen.layer, chosen.neuron);
  }

  // -- this step ------------------------------------------------------------------------------
  function stepLine() {
    var s = S[at], box = cg.clear($("r-step"));
    box.setAttribute("data-step", s.step);
    box.appendChild(el("span", null, "step " + s.step + " (epoch " + (s.epoch + 1) + "): batch loss ", num(s.loss, "loss")));
    if (s.acc !== null) box.appendChild(el("span", null, ", batch accuracy ", num(s.acc, "acc")));
  }
  function render(k) {
    at = k;
    stepLine(); detail(); drawNet(); drawCurves(); confusion();
    if (D.grid) drawBoundary();
  }
  function status(k) {
    return S.length ? "snapshot " + (k + 1) + " of " + S.length + ": step " + S[k].step + " (epoch " + (S[k].epoch + 1) + ")" : "no snapshot";
  }

  legend();
  if (D.grid && !D.classes.length) $("r-boundary-caption").textContent = "The output's sign over the inputs at this step (not a classifier)";
  if (!D.grid) { $("r-boundary").style.display = "none"; $("r-boundary-caption").textContent = D.classes.length ? "The classes at this step" : "No boundary: the inputs are not two-dimensional"; }
  if (!S.length) { $("r-grads").hidden = true; $("r-bar").appendChild(el("span", {class: "status"}, "no snapshot was kept")); return; }
  var player = ChaingradPlayer($("r-bar"), {steps: S.length - 1, render: render, status: status, prefix: "r-"});
  $("r-bar").appendChild($("r-grads"));  // after the player's controls
  $("r-grads").addEventListener("click", function () {
    showGrads = !showGrads; this.setAttribute("aria-pressed", String(showGrads)); player.refresh();
  });
  function pick(target) {
    var hit = target.closest ? target.closest("[data-param], [data-neuron]") : null;
    if (!hit || (hit.getAttribute("data-layer") === "0")) return false;
    if (hit.hasAttribute("data-param")) chosen = {param: Number(hit.getAttribute("data-param"))};
    else chosen = {layer: Number(hit.getAttribute("data-layer")), neuron: Number(hit.getAttribute("data-neuron"))};
    player.refresh();
    return true;
  }
  net.addEventListener("click", function (ev) { pick(ev.target); });
  net.addEventListener("keydown", function (ev) { if ((ev.key === "Enter" || ev.key === " ") && pick(ev.target)) ev.preventDefault(); });
  $("r-detail").addEventListener("click", function (ev) { if (ev.target.classList.contains("param")) pick(ev.target); });
})();
