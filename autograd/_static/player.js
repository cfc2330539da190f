// chaingrad's one page player: First / Prev / Next / Last / Play, a speed, a slider, a status
// line and the keys (← → Home End, space), for any page that shows positions 0..steps.
// Needs the page library (page.js: cg.el, cg.keys), which Page.build inlines first.
//
// API (stable: the step-through and nn's training replay both use it):
//
//   var player = ChaingradPlayer(root, {
//     steps: 12,                 // the last position: positions are 0, 1, ..., steps
//     render: function (k) {},   // draws position k; called on every move (and once at start)
//     status: function (k) {},   // optional: the status text for k (default "k of steps")
//     prefix: "cg-",             // optional: ids of the controls: cg-first, cg-prev, cg-next,
//                                //   cg-last, cg-play, cg-speed, cg-slider, cg-status
//     start: 0,                  // optional: the first position shown
//     keys: true                 // optional: false leaves the arrow keys to the page
//   });
//   player.go(k)        move to k (clamped to 0..steps), stop playing, render
//   player.position()   the position shown
//   player.steps()      the last position
//   player.setSteps(n)  a new last position (the position is clamped), renders
//   player.play()       start (from 0 when at the end) or pause playing
//   player.stop()       pause
//   player.refresh()    render the current position again (after the page's data changed)
//
// The controls are appended to ``root`` (an element, such as the page's toolbar), as
// buttons with visible text, aria-pressed on Play, and aria-valuetext on the slider.
var ChaingradPlayer = (function () {
  "use strict";
  var SPEEDS = [["slow", 1200], ["normal", 600], ["fast", 250], ["very fast", 80]];

  function build(root, prefix) {
    var el = cg.el;
    function button(id, text, title) { return el("button", {id: prefix + id, type: "button", title: title}, text); }
    var speed = el("select", {id: prefix + "speed", "aria-label": "speed"},
      SPEEDS.map(function (s) { return el("option", {value: s[1], selected: s[1] === 600 ? "selected" : null}, s[0]); }));
    var parts = {
      first: button("first", "|◀ First", "First (Home)"), prev: button("prev", "◀ Prev", "Previous (←)"),
      next: button("next", "Next ▶", "Next (→)"), last: button("last", "Last ▶|", "Last (End)"),
      play: button("play", "▶ Play", "Play / pause (space)"), speed: speed,
      slider: el("input", {id: prefix + "slider", type: "range", min: "0", value: "0", "aria-label": "step"}),
      status: el("span", {id: prefix + "status", class: "status cg-player-status", "aria-live": "polite"})
    };
    parts.play.setAttribute("aria-pressed", "false");
    var box = el("span", {class: "cg-player", role: "group", "aria-label": "steps"},
      parts.first, parts.prev, parts.next, parts.last, parts.play,
      el("label", null, "speed ", speed), el("label", null, el("span", {class: "sr-only"}, "step"), parts.slider),
      parts.status);
    root.appendChild(box);
    return parts;
  }

  return function (root, options) {
    var render = options.render, last = Math.max(0, options.steps | 0), pos = 0, timer = null;
    var status = options.status || function (k) { return k + " of " + last; };
    var ui = build(root, options.prefix || "cg-");

    function show() {
      ui.slider.max = String(last);
      ui.slider.value = String(pos);
      var text = status(pos);
      ui.slider.setAttribute("aria-valuetext", text);
      if (ui.status.textContent !== text) ui.status.textContent = text;
      ui.first.disabled = ui.prev.disabled = pos === 0;
      ui.next.disabled = ui.last.disabled = pos >= last;
    }
    function move(k) { pos = Math.max(0, Math.min(last, k)); render(pos); show(); }
    function stop() {
      if (timer) { clearInterval(timer); timer = null; }
      ui.play.setAttribute("aria-pressed", "false"); ui.play.textContent = "▶ Play";
    }
    function go(k) { stop(); move(k); }
    function play() {
      if (timer) { stop(); return; }
      if (pos >= last) move(0);
      ui.play.setAttribute("aria-pressed", "true"); ui.play.textContent = "⏸ Pause";
      timer = setInterval(function () { if (pos >= last) stop(); else move(pos + 1); }, Number(ui.speed.value));
    }
    ui.first.addEventListener("click", function () { go(0); });
    ui.prev.addEventListener("click", function () { go(pos - 1); });
    ui.next.addEventListener("click", function () { go(pos + 1); });
    ui.last.addEventListener("click", function () { go(last); });
    ui.play.addEventListener("click", play);
    ui.speed.addEventListener("change", function () { if (timer) { stop(); play(); } });
    ui.slider.addEventListener("input", function () { go(Number(ui.slider.value)); });
    if (options.keys !== false) {
      cg.keys({
        ArrowRight: function () { go(pos + 1); }, ArrowLeft: function () { go(pos - 1); },
        Home: function () { go(0); }, End: function () { go(last); }, " ": play
      });
    }
    pos = Math.max(0, Math.min(last, options.start | 0));
    var player = {
      go: go, play: play, stop: stop,
      position: function () { return pos; },
      steps: function () { return last; },
      setSteps: function (n) { last = Math.max(0, n | 0); move(pos); },
      refresh: function () { move(pos); }
    };
    move(pos);
    return player;
  };
})();
