// The training replay: a slider over recorded steps; curves, boundary, the network drawn
// with its weights (or grads), and a weight's gradient as the sum over the batch of δ × q.
(function () {
  "use strict";
  var D = cg.data, $ = cg.$, el = cg.el, fmt = cg.fmt, num = cg.num;
  var S = D.snaps, L = D.sizes.length - 1, SVGNS = "http://www.w3.org/2000/svg";
  var at = 0, showGrads = false, chosen = null, timer = null, ringed = [];
  var slider = $("r-slider");
  slider.max = String(Math.max(0, S.length - 1));

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

  // -- the network -------------------------------------------------------------------------
  var net = $("r-net"), most = Math.max.apply(null, D.sizes), colW = 170, rowH = 26;
  var W = 60 + L * colW + 60, H = Math.max(120, most * rowH + 30);
  net.setAttribute("width", W); net.setAttribute("height", H);
  function pt(layer, j) {
    var n = D.sizes[layer];
    return [50 + layer * colW, H / 2 + (j - (n - 1) / 2) * rowH];
  }
  var lines = [], circles = [];
  var edgeLayer = svg("g", {}), nodeLayer = svg("g", {});
  net.appendChild(edgeLayer); net.appendChild(nodeLayer);
  D.params.forEach(function (p, i) {
    if (p[2] < 0) return;
    var a = pt(p[0] - 1, p[2]), b = pt(p[0], p[1]);
    var line = svg("line", {x1: a[0], y1: a[1], x2: b[0], y2: b[1], class: "w"});
    var hit = svg("line", {x1: a[0], y1: a[1], x2: b[0], y2: b[1], class: "hit", "data-param": i});
    edgeLayer.appendChild(line); edgeLayer.appendChild(hit);
    lines.push([i, line]);
  });
  for (l = 0; l <= L; l++) {
    for (var j = 0; j < D.sizes[l]; j++) {
      var c = pt(l, j), g = svg("g", {class: "unit" + (l === 0 ? " input" : ""), tabindex: l ? 0 : -1,
        role: l ? "button" : "img", "data-layer": l, "data-neuron": j,
        "aria-label": l ? "neuron " + j + " of layer " + l + ": show its gradients" : "input " + j});
      g.appendChild(svg("circle", {cx: c[0], cy: c[1], r: 9}));
      nodeLayer.appendChild(g);
      circles.push(g);
    }
    var t = svg("text", {x: pt(l, 0)[0], y: 14, "text-anchor": "middle", class: "layer"});
    t.textContent = l === 0 ? "input" : (l === L ? "output" : "layer " + l) + " (" + D.acts[l] + ")";
    net.appendChild(t);
  }

  function drawNet() {
    var s = snap(at), maxG = 1e-300;
    if (showGrads) s.g.forEach(function (g, i) { if (D.params[i][2] >= 0) maxG = Math.max(maxG, Math.abs(g)); });
    lines.forEach(function (pair) {
      var i = pair[0], v = showGrads ? s.g[i] : s.w[i], m = showGrads ? maxG : maxW;
      pair[1].setAttribute("stroke-width", (0.4 + 5 * Math.min(1, Math.abs(v) / m)).toFixed(2));
      pair[1].setAttribute("class", "w " + (v >= 0 ? "pos" : "neg") + (chosen && chosen.param === i ? " chosen" : ""));
    });
  }

  // -- curves: loss (solid, left axis) and accuracy (dashed, right axis 0..1) -----------------
  function drawCurves() {
    var box = $("r-curves"), w = 420, h = 230, x0 = 48, x1 = w - 40, y0 = h - 30, y1 = 12;
    cg.clear(box);
    var loss = D.history.loss, acc = D.history.accuracy, n = loss.length;
    if (!n) return;
    var top = Math.max.apply(null, loss.concat(S.map(function (s) { return s.loss; }))) || 1;
    function X(e) { return x0 + (x1 - x0) * e / Math.max(1, n); }
    function Y(v) { return y0 - (y0 - y1) * v / top; }
    function A(v) { return y0 - (y0 - y1) * v; }
    box.appendChild(svg("line", {x1: x0, y1: y0, x2: x1, y2: y0, class: "axis"}));
    box.appendChild(svg("line", {x1: x0, y1: y0, x2: x0, y2: y1, class: "axis"}));
    [[x0 - 6, Y(top), fmt(top, 3), "end"], [x0 - 6, y0, "0", "end"], [x1 + 6, A(1), "1", "start"],
     [x1 + 6, A(0.5), "0.5", "start"], [(x0 + x1) / 2, h - 6, "epoch (" + n + ")", "middle"],
     [x0 - 6, y1 + 26, "loss", "end"], [x1 + 6, y1 + 26, "acc", "start"]].forEach(function (a) {
      var t = svg("text", {x: a[0], y: a[1] + 4, "text-anchor": a[3], class: "tick"}); t.textContent = a[2]; box.appendChild(t);
    });
    box.appendChild(svg("polyline", {class: "loss", points: loss.map(function (v, e) { return X(e + 1) + "," + Y(v); }).join(" ")}));
    if (acc.length && acc[0] !== null)
      box.appendChild(svg("polyline", {class: "acc", points: acc.map(function (v, e) { return X(e + 1) + "," + A(v); }).join(" ")}));
    var s = S[at], xs = X(s.epoch + 0.5);
    box.appendChild(svg("line", {x1: xs, y1: y0, x2: xs, y2: y1, class: "now"}));
    box.appendChild(svg("circle", {cx: xs, cy: Y(s.loss), r: 4, class: "dot"}));
  }

  // -- the boundary: cells coloured by the predicted class, the data as shapes per class ----
  var PAL = [[200, 80, 0], [31, 95, 168], [35, 128, 58], [140, 60, 160], [120, 120, 120]];
  function drawBoundary() {
    var cv = $("r-boundary"), ctx = cv.getContext("2d"), G = D.grid;
    ctx.clearRect(0, 0, cv.width, cv.height);
    if (!G) { ctx.fillText("(inputs are not two-dimensional: no boundary)", 10, 20); return; }
    var s = snap(at), n = G.n, b = G.box;
    var off = document.createElement("canvas"), octx = off.getContext("2d");
    off.width = off.height = n;
    var img = octx.createImageData(n, n);
    for (var j = 0; j < n; j++) for (var i = 0; i < n; i++) {
      var v = s.grid[j * n + i], cls, strength = 1;
      if (G.kind === "class") cls = v;
      else { var t = G.threshold === null ? 0 : G.threshold; cls = v > t ? 1 : 0; strength = Math.min(1, Math.abs(v - t)); }
      var c = PAL[cls % PAL.length], a = 0.12 + 0.3 * strength, o = ((n - 1 - j) * n + i) * 4;
      img.data[o] = Math.round(255 - a * (255 - c[0])); img.data[o + 1] = Math.round(255 - a * (255 - c[1]));
      img.data[o + 2] = Math.round(255 - a * (255 - c[2])); img.data[o + 3] = 255;
    }
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, n, n, 0, 0, cv.width, cv.height);
    function P(x) { return [(x[0] - b[0]) / (b[1] - b[0]) * cv.width, cv.height - (x[1] - b[2]) / (b[3] - b[2]) * cv.height]; }
    D.X.forEach(function (x, k) { shape(ctx, P(x), D.y[k]); });
    ctx.lineWidth = 2.5; ctx.strokeStyle = "#000";
    ringed.forEach(function (k) { var p = P(D.X[k]); ctx.beginPath(); ctx.arc(p[0], p[1], 8, 0, 7); ctx.stroke(); });
  }
  function shape(ctx, p, k) {
    var c = PAL[k % PAL.length], r = 4.5;
    ctx.fillStyle = "rgb(" + c.join(",") + ")"; ctx.strokeStyle = "#111"; ctx.lineWidth = 0.8;
    ctx.beginPath();
    if (k % 3 === 0) { ctx.moveTo(p[0], p[1] - r); ctx.lineTo(p[0] + r, p[1] + r * 0.8); ctx.lineTo(p[0] - r, p[1] + r * 0.8); ctx.closePath(); }
    else if (k % 3 === 1) ctx.arc(p[0], p[1], r, 0, 7);
    else ctx.rect(p[0] - r, p[1] - r, 2 * r, 2 * r);
    ctx.fill(); ctx.stroke();
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
    var box = el("div", {class: "breakdown", "data-param": i, "data-sum": String(total), "data-grad": String(s.g[i])});
    box.appendChild(el("h3", null, pname(i) + " at step " + S[at].step));
    box.appendChild(el("p", null, "value ", num(s.w[i]), ", grad ", num(s.g[i], "grad"), " (the engine's)"));
    box.appendChild(el("p", null, "Its gradient is a sum over the paths through each of the " + m +
      " samples of this step's batch: δ(p" + p[0] + "_" + p[1] + ") × " + qname +
      " for each sample (δ = that sample's p.grad, which carries the 1/" + m + " of the mean loss)" +
      (p[2] >= 0 && D.l2 ? ", plus λ·w from the L2 penalty." : ".")));
    var top = ts.slice().sort(function (a, b) { return Math.abs(b.term) - Math.abs(a.term); }).slice(0, 8);
    ringed = top.map(function (t) { return t.sample; });
    box.appendChild(el("table", {class: "terms"}, el("thead", null, el("tr", null, el("th", null, "sample"),
      el("th", null, "δ"), el("th", null, "× " + qname), el("th", null, "= term"))),
      el("tbody", null, top.map(function (t) {
        return el("tr", {class: "term", "data-term": String(t.term)}, el("td", null, "#" + t.sample),
          el("td", null, num(t.delta)), el("td", null, num(t.q)), el("td", null, num(t.term)));
      }))));
    if (m > top.length) box.appendChild(el("p", {class: "muted"}, "… and " + (m - top.length) + " more samples (the largest terms are shown, ringed on the boundary plot)."));
    box.appendChild(el("p", null, "Σ over the " + m + " samples = ", num(sum)));
    if (p[2] >= 0 && D.l2) box.appendChild(el("p", null, "λ·w = " + fmt(D.l2) + " × " + fmt(s.w[i]) + " = ", num(pen)));
    box.appendChild(el("p", {class: "total"}, "total ", el("b", null, num(total)), ", the engine's grad ", num(s.g[i])));
    return box;
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
    if (chosen.param !== undefined) { box.appendChild(breakdown(chosen.param)); return; }
    var lay = chosen.layer, j = chosen.neuron, s = snap(at), bi = pindex[[lay, j, -1].join(",")];
    circles.forEach(function (c) { if (Number(c.getAttribute("data-layer")) === lay && Number(c.getAttribute("data-neuron")) === j) c.classList.add("chosen"); });
    box.appendChild(el("h2", null, "Neuron " + j + " of layer " + lay + " (" + D.acts[lay] + ")"));
    var rows = [];
    for (var k = 0; k < D.sizes[lay - 1]; k++) {
      var pi = pindex[[lay, j, k].join(",")];
      rows.push(el("tr", null, el("td", null, el("button", {class: "param", "data-param": pi, type: "button"}, pname(pi))),
        el("td", null, num(s.w[pi])), el("td", null, num(s.g[pi]))));
    }
    box.appendChild(el("table", {class: "terms"}, el("thead", null, el("tr", null, el("th", null, "incoming weight"),
      el("th", null, "value"), el("th", null, "grad"))), el("tbody", null, rows)));
    box.appendChild(breakdown(bi));
  }

  // -- stepping ------------------------------------------------------------------------------
  function render() {
    slider.value = String(at);
    var s = S[at];
    var status = S.length ? "step " + s.step + " (epoch " + (s.epoch + 1) + "), recorded " + (at + 1) + " of " + S.length +
      ": loss " + fmt(s.loss) + (s.acc === null ? "" : ", batch accuracy " + fmt(s.acc, 3)) : "nothing recorded";
    $("r-status").textContent = status;
    slider.setAttribute("aria-valuetext", status);
    $("r-first").disabled = $("r-prev").disabled = at === 0;
    $("r-next").disabled = $("r-last").disabled = at >= S.length - 1;
    if (!S.length) return;
    detail(); drawNet(); drawCurves(); drawBoundary();
  }
  function go(i) { at = Math.max(0, Math.min(S.length - 1, i)); render(); }
  function stop() { if (timer) { clearInterval(timer); timer = null; } $("r-play").setAttribute("aria-pressed", "false"); $("r-play").textContent = "▶ Play"; }
  function play() {
    if (timer) { stop(); return; }
    if (at >= S.length - 1) go(0);
    $("r-play").setAttribute("aria-pressed", "true"); $("r-play").textContent = "⏸ Pause";
    timer = setInterval(function () { if (at >= S.length - 1) stop(); else go(at + 1); }, Number($("r-speed").value));
  }
  $("r-first").addEventListener("click", function () { stop(); go(0); });
  $("r-prev").addEventListener("click", function () { stop(); go(at - 1); });
  $("r-next").addEventListener("click", function () { stop(); go(at + 1); });
  $("r-last").addEventListener("click", function () { stop(); go(S.length - 1); });
  $("r-play").addEventListener("click", play);
  slider.addEventListener("input", function () { stop(); go(Number(slider.value)); });
  $("r-grads").addEventListener("click", function () {
    showGrads = !showGrads; this.setAttribute("aria-pressed", String(showGrads)); render();
  });
  cg.keys({
    ArrowRight: function () { stop(); go(at + 1); }, ArrowLeft: function () { stop(); go(at - 1); },
    Home: function () { stop(); go(0); }, End: function () { stop(); go(S.length - 1); }, " ": play
  });
  function pick(target) {
    var hit = target.closest ? target.closest("[data-param], g.unit[role=button]") : null;
    if (!hit) return false;
    if (hit.hasAttribute("data-param")) chosen = {param: Number(hit.getAttribute("data-param"))};
    else chosen = {layer: Number(hit.getAttribute("data-layer")), neuron: Number(hit.getAttribute("data-neuron"))};
    render();
    return true;
  }
  net.addEventListener("click", function (ev) { pick(ev.target); });
  net.addEventListener("keydown", function (ev) { if ((ev.key === "Enter" || ev.key === " ") && pick(ev.target)) ev.preventDefault(); });
  $("r-detail").addEventListener("click", function (ev) { if (ev.target.classList.contains("param")) pick(ev.target); });
  if (!S.length) { $("r-status").textContent = "nothing was recorded"; return; }
  if (!D.grid) $("r-boundary-caption").textContent = "No boundary: the inputs are not two-dimensional";
  render();
})();
