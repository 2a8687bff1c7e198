// The chooser: sigbench advise in the page.  The cost model (sigbench/analysis/costmodel.py) and
// the ranking (sigbench/analysis/advice.py) ported function for function, over the data of
// sigbench/analysis/modeldata.py embedded above; warnings and reasons come from that data as
// advise wrote them.  Nothing is fetched.
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("model-data").textContent);
  var MEASURED = "measured", INTERPOLATED = "interpolated", FITTED = "fitted", EXTRAPOLATED = "extrapolated";
  var HOWS = [MEASURED, INTERPOLATED, FITTED, EXTRAPOLATED];

  class ModelError extends Error {}

  // ---- costmodel.py ------------------------------------------------------------------------

  function cost(value, low, high, how, basis) {
    return { value: value, low: low, high: high, how: how || MEASURED, basis: basis || "" };
  }

  // math.fsum: Shewchuk's exact partial sums, so that a total is the one Python computes.
  function fsum(numbers) {
    var partials = [];
    numbers.forEach(function (x) {
      var kept = 0;
      partials.forEach(function (y) {
        if (Math.abs(x) < Math.abs(y)) { var t = x; x = y; y = t; }
        var high = x + y, low = y - (high - x);
        if (low) partials[kept++] = low;
        x = high;
      });
      partials.length = kept;
      partials.push(x);
    });
    return partials.reduce(function (a, b) { return a + b; }, 0);
  }

  function leastDirect(hows) {
    return hows.reduce(function (a, b) { return HOWS.indexOf(b) > HOWS.indexOf(a) ? b : a; }, MEASURED);
  }

  function bases(costs) {
    var found = costs.map(function (c) { return c.basis; }).filter(Boolean);
    return found.filter(function (b, i) { return found.indexOf(b) === i; }).join("; ");
  }

  function scaled(c, factor) {
    var bounds = [c.low * factor, c.high * factor].sort(function (a, b) { return a - b; });
    return cost(c.value * factor, bounds[0], bounds[1], c.how, c.basis);
  }

  function combined(parts) {
    if (!parts.length) throw new ModelError("nothing to add up");
    var value = fsum(parts.map(function (p) { return p.value; }));
    var below = Math.sqrt(fsum(parts.map(function (p) { return Math.pow(p.value - p.low, 2); })));
    var above = Math.sqrt(fsum(parts.map(function (p) { return Math.pow(p.high - p.value, 2); })));
    return cost(value, value - below, value + above, leastDirect(parts.map(function (p) { return p.how; })), bases(parts));
  }

  // Series.at: the whole operation's cost at n receivers.
  function at(s, n) {
    var counts = s.counts, last = counts.length - 1, i = counts.indexOf(n);
    if (i >= 0) return cost(s.values[i], s.lows[i], s.highs[i], MEASURED, "measured at " + counts[i]);
    if (counts[0] < n && n < counts[last]) {
      var above = counts.filter(function (c) { return c <= n; }).length;
      return line(s, above - 1, above, n, s.log, INTERPOLATED, (s.log ? "log-log" : "linearly") + " between");
    }
    var single = "measured at " + counts[0] + " receivers only: nothing to extrapolate from";
    if (n > counts[last]) {
      if (counts.length < 2) throw new ModelError(single);
      var log = s.log && s.superlinear;
      return line(s, last - 1, last, n, log, EXTRAPOLATED, (log ? "in log-log (superlinear growth)" : "linearly") + " beyond");
    }
    if (s.fixed && s.slope) {
      return cost(s.fixed[0] + s.slope[0] * n, s.fixed[1] + s.slope[1] * n, s.fixed[2] + s.slope[2] * n,
        FITTED, "fitted fixed cost + slope below " + counts[0]);
    }
    if (counts.length < 2) throw new ModelError(single);
    return line(s, 0, 1, n, s.log, EXTRAPOLATED, s.log ? "log-log below" : "linearly below");
  }

  // Series._line: through two points (in log-log with log, less T0), bounds each way they push.
  function line(s, first, second, n, log, how, words) {
    var zero = log && Math.min(s.lows[first], s.lows[second]) > s.zero ? s.zero : 0;
    var logOf = log ? Math.log : Number;
    var forward = log ? function (c) { return Math.log(c - zero); } : Number;
    var back = log ? function (t) { return zero + Math.exp(t); } : Number;
    var x1 = logOf(s.counts[first]), x2 = logOf(s.counts[second]);
    var weight = (logOf(n) - x1) / (x2 - x1);
    var weights = [[1 - weight, first], [weight, second]];
    function through(lower) {
      var total = 0;
      weights.forEach(function (w) {
        var bound = (w[0] >= 0) === lower ? s.lows[w[1]] : s.highs[w[1]];
        total += w[0] * forward(bound);
      });
      return back(total);
    }
    var value = back(weights.reduce(function (t, w) { return t + w[0] * forward(s.values[w[1]]); }, 0));
    var basis = words + " " + s.counts[first] + " and " + s.counts[second];
    if (how === EXTRAPOLATED) basis = words + " " + (n > s.counts[s.counts.length - 1] ? s.counts[s.counts.length - 1] : s.counts[0]);
    return cost(value, through(true), through(false), how, basis);
  }

  function onCurve(s, terms) {
    var found = terms.filter(function (t) { return t[1] > 0; }).map(function (t) { return [t[0], at(s, t[1])]; });
    if (!found.length) return cost(0, 0, 0);
    function sum(key) { return fsum(found.map(function (f) { return f[0] * f[1][key]; })); }
    var value = sum("value"), lower = sum("low"), upper = sum("high");
    var costs = found.map(function (f) { return f[1]; });
    return cost(value, Math.min(lower, upper, value), Math.max(lower, upper, value),
      leastDirect(costs.map(function (c) { return c.how; })), bases(costs));
  }

  function moved(s, receivers, operations) {
    if (operations <= receivers) return onCurve(s, [[1, receivers], [-1, receivers - operations]]);
    var extra = operations - receivers;
    return onCurve(s, [[1 - extra, receivers], [extra, receivers + 1]]);
  }

  // Workload.__post_init__ and Workload.scenarios.
  function checked(w) {
    if (w.receivers < 1) throw new ModelError("receivers must be at least 1, not " + w.receivers);
    ["sends", "connects", "disconnects"].forEach(function (name) {
      if (w[name] < 0) throw new ModelError(name + " must not be negative, not " + w[name]);
    });
    if (!(w.sends || w.connects || w.disconnects)) throw new ModelError("a workload needs at least one send, connect or disconnect");
    if (w.asynchronous && w.sender !== "any") {
      throw new ModelError("awaited sends are measured to receivers connected for any sender only (" +
        data.scenarios.async_send + "): the sender must be 'any', not '" + w.sender + "'");
    }
    return w;
  }

  function scenariosOf(w) {
    var parts = {
      connect: [w.connects, data.scenarios.connect[w.sender]],
      send: [w.sends, w.asynchronous ? data.scenarios.async_send : data.scenarios.send[w.sender]],
      disconnect: [w.disconnects, data.scenarios.disconnect],
    };
    return data.parts.filter(function (p) { return parts[p][0]; }).map(function (p) { return [p, parts[p][1]]; });
  }

  function predict(w, series, memory) {
    var parts = {};
    if (w.connects) parts.connect = moved(series.connect, w.receivers, w.connects);
    if (w.sends) parts.send = scaled(at(series.send, w.receivers), w.sends);
    if (w.disconnects) parts.disconnect = moved(series.disconnect, w.receivers, w.disconnects);
    var list = Object.keys(parts).map(function (p) { return parts[p]; });
    return { total: combined(list), parts: parts, memory: memory ? held(at(memory, w.receivers)) : null };
  }

  function held(c) {
    return Object.assign({}, c, { value: Math.max(c.value, 0), low: Math.max(c.low, 0), high: Math.max(c.high, 0) });
  }

  // ---- advice.py -----------------------------------------------------------------------------

  function modesFor(ref, kind) {
    return data.modes.filter(function (m) { return (ref === null || ref === m[0]) && (kind === null || kind === m[1]); });
  }

  function costNotes(prediction, reproducible) {
    var notes = [];
    Object.keys(prediction.parts).forEach(function (part) {
      var c = prediction.parts[part];
      if (c.how === EXTRAPOLATED || c.how === FITTED) notes.push({ kind: "extrapolated", text: part + ": " + c.how + ", " + c.basis + " receivers" });
    });
    var memory = prediction.memory;
    if (memory === null) notes.push({ kind: "memory", text: "no " + data.scenarios.memory + " point in this mode: memory unknown" });
    else if (memory.how === EXTRAPOLATED || memory.how === FITTED) notes.push({ kind: "extrapolated", text: "memory: " + memory.how + ", " + memory.basis + " receivers" });
    if (reproducible === false) notes.push({ kind: "memory", text: "its memory points differ between processes by more than 10%" });
    return notes;
  }

  function byKind(a, b) { return data.note_kinds.indexOf(a.kind) - data.note_kinds.indexOf(b.kind); }

  function rowOf(python, impl, w, ref, kind) {
    var row = { label: impl.label, name: impl.name, version: impl.version, ref: null, kind: null,
      prediction: null, notes: impl.notes.slice(), excluded: impl.control, rank: null };
    var scenarios = scenariosOf(w), names = scenarios.map(function (s) { return s[1]; });
    var mode = modesFor(ref, kind).find(function (m) {
      return names.every(function (name) { return (name + " " + m.join(" ")) in impl.series; });
    });
    if (!mode) {
      var set = data.scenario_sets.findIndex(function (s) { return s.join(" ") === names.join(" "); });
      var key = set + " " + (ref || "any") + " " + (kind || "any");
      if (!row.excluded && !(key in impl.unranked)) throw new Error("no reason for " + impl.label + " (" + key + ")");
      row.excluded = row.excluded || python.texts[impl.unranked[key]];
      return row;
    }
    row.ref = mode[0];
    row.kind = mode[1];
    var series = {};
    scenarios.forEach(function (s) { series[s[0]] = impl.series[s[1] + " " + mode.join(" ")]; });
    try {
      row.prediction = predict(w, series, impl.series[data.scenarios.memory + " " + mode.join(" ")] || null);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      row.excluded = "cannot be costed: " + error.message;
    }
    if (row.prediction && row.excluded === null) {
      row.notes = row.notes.concat(costNotes(row.prediction, impl.memory_reproducible[mode.join(" ")]));
    }
    row.notes.sort(byKind);
    return row;
  }

  function byLabel(a, b) { return a.label < b.label ? -1 : a.label > b.label ? 1 : 0; }

  function advise(w, ref, kind, python) {
    var found = data.pythons[python];
    var rows = found.implementations.map(function (impl) { return rowOf(found, impl, w, ref, kind); });
    found.absent.forEach(function (a) {
      rows.push({ label: a.label, name: a.name, version: a.version, ref: null, kind: null, prediction: null, notes: [], excluded: a.excluded, rank: null });
    });
    var ranked = rows.filter(function (r) { return r.excluded === null && r.prediction; });
    ranked.sort(function (a, b) { return a.prediction.total.value - b.prediction.total.value; });
    ranked.forEach(function (r, i) { r.rank = i + 1; });
    var unranked = rows.filter(function (r) { return r.rank === null; }).sort(byLabel);
    return { ranked: ranked, unranked: unranked };
  }

  // ---- report/advice.py and report/text.py: numbers as sigbench advise prints them ----------

  // Python's format(value, ".Ng"), and "," grouping of whole numbers.
  function general(value, digits) {
    if (value === 0) return "0";
    var exponent = Number(value.toExponential(digits - 1).split("e")[1]);
    var text = exponent < -4 || exponent >= digits
      ? value.toExponential(digits - 1).replace(/\.?0+e/, "e").replace(/e([+-])(\d)$/, "e$10$2")
      : value.toFixed(Math.max(0, digits - 1 - exponent));
    return text.indexOf(".") >= 0 && text.indexOf("e") < 0 ? text.replace(/\.?0+$/, "") : text;
  }
  function grouped(value) { return Math.round(value).toLocaleString("en-US"); }
  function microseconds(seconds) {
    var value = seconds * 1e6;
    return Math.abs(value) >= 100 ? grouped(value) : general(value, 3);
  }
  function bytes(count) {
    if (0 < Math.abs(count) && Math.abs(count) < 0.05) return general(count, 1);
    return Math.abs(count) >= 100 || count === Math.round(count) ? grouped(count) : count.toFixed(1);
  }
  function range(low, high, format) {
    return format(low) + (low < 0 || high < 0 ? " to " : "\u2013") + format(high);
  }

  // ---- the page ---------------------------------------------------------------------------

  var form = document.getElementById("shape");
  var message = document.getElementById("message");
  var say = document.getElementById("workload");

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function cell(row, className, main, aside, heading) {
    var td = element("td", className);
    td.setAttribute("data-heading", heading);
    if (main !== "") td.appendChild(element("span", "main", main));
    if (aside) td.appendChild(element("span", "aside", aside));
    row.appendChild(td);
    return td;
  }

  function notesCell(tr, notes, heading) {
    var td = cell(tr, "notes", "", "", heading);
    if (notes.length) {
      var list = element("ul");
      notes.forEach(function (n) {
        var item = element("li");
        item.appendChild(element("b", "", n.kind + ": "));
        item.appendChild(document.createTextNode(n.text));
        list.appendChild(item);
      });
      td.appendChild(list);
    }
  }

  function implementationCell(tr, r) {
    cell(tr, "impl", r.name, [r.version, r.ref ? r.ref + " " + r.kind : ""].filter(Boolean).join(" \u00b7 "), "implementation");
  }

  function costCells(tr, r) {
    var p = r.prediction, total = p ? p.total : null;
    var us = cell(tr, "num", total ? microseconds(total.value) : "", "", "\u00b5s");
    if (total) {
      us.setAttribute("data-value", String(total.value * 1e6));
      us.setAttribute("data-low", String(total.low * 1e6));
      us.setAttribute("data-high", String(total.high * 1e6));
      us.title = Object.keys(p.parts).map(function (k) { return k + " " + microseconds(p.parts[k].value) + " \u00b5s"; }).join(", ");
    }
    cell(tr, "num ci", total ? range(total.low, total.high, microseconds) : "", "", "95% CI (\u00b5s)");
    var memory = p ? p.memory : null;
    var spread = memory && bytes(memory.low) !== bytes(memory.high) ? range(memory.low, memory.high, bytes) : "";
    cell(tr, "num", memory ? bytes(memory.value) + " B" : "", spread, "memory");
  }

  function show(result) {
    var body = document.querySelector("#ranking tbody");
    body.textContent = "";
    result.ranked.forEach(function (r) {
      var tr = element("tr");
      tr.setAttribute("data-label", r.label);
      cell(tr, "rank", String(r.rank), "", "#");
      implementationCell(tr, r);
      costCells(tr, r);
      notesCell(tr, r.notes, "warnings");
      body.appendChild(tr);
    });
    var rest = document.querySelector("#unranked tbody");
    rest.textContent = "";
    result.unranked.forEach(function (r) {
      var tr = element("tr");
      tr.setAttribute("data-label", r.label);
      implementationCell(tr, r);
      costCells(tr, r);
      notesCell(tr, [{ kind: "not ranked", text: r.excluded }].concat(r.notes), "why, and warnings");
      rest.appendChild(tr);
    });
    document.getElementById("ranked-count").textContent = String(result.ranked.length);
    document.getElementById("unranked-count").textContent = String(result.unranked.length);
  }

  function whole(name) {
    var text = form.elements[name].value.trim();
    if (!/^[+-]?\d+$/.test(text)) throw new ModelError(name + ": not a whole number: '" + text + "'");
    return Number(text);
  }

  function choice(name) {
    var value = form.elements[name].value;
    return value === "any" ? null : value;
  }

  function words(w, ref, kind, python) {
    var mode = ref === null && kind === null ? "each implementation in its own reference mode and receiver kind"
      : (ref ? ref + " references" : "each implementation's own reference mode") + ", " +
        (kind ? kind + " receivers" : "each implementation's own receiver kind");
    var sender = { any: "connected for any sender", matched: "bound to the sender that sends",
      unmatched: "each bound to a sender that does not send" }[w.sender];
    var n = function (v) { return v.toLocaleString("en-US"); };
    return "Python " + python + ": " + n(w.receivers) + " receivers (" + mode + "; " + sender + "): " +
      n(w.connects) + " connects, " + n(w.sends) + (w.asynchronous ? " awaited sends, " : " sends, ") +
      n(w.disconnects) + " disconnects.";
  }

  // The same question on the command line.
  function command(w, ref, kind, python) {
    var files = [];
    data.interpreters.forEach(function (p) {
      data.pythons[p].results.forEach(function (path) { files.push(path.split(/[\\/]/).pop()); });
    });
    var args = ["sigbench advise"].concat(files, ["--receivers", w.receivers, "--sends", w.sends,
      "--connects", w.connects, "--disconnects", w.disconnects]);
    if (ref) args.push("--ref", ref);
    if (kind) args.push("--kind", kind);
    if (w.sender !== "any") args.push("--sender", w.sender);
    if (w.asynchronous) args.push("--async");
    if (data.interpreters.length > 1) args.push("--python", python);
    return args.join(" ");
  }

  function update() {
    var ref = choice("ref"), kind = choice("kind"), python = form.elements.python.value;
    var asynchronous = form.elements.asynchronous.checked;
    if (asynchronous) form.elements.sender.value = "any";  // awaited sends are measured for any sender only
    form.elements.sender.disabled = asynchronous;
    try {
      var w = checked({
        receivers: whole("receivers"), sends: whole("sends"), connects: whole("connects"),
        disconnects: whole("disconnects"), sender: form.elements.sender.value, asynchronous: asynchronous,
      });
      show(advise(w, ref, kind, python));
      say.textContent = words(w, ref, kind, python);
      document.getElementById("command").textContent = command(w, ref, kind, python);
      message.textContent = "";
      document.body.classList.remove("invalid");
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      message.textContent = error.message;
      document.body.classList.add("invalid");
    }
  }

  data.interpreters.forEach(function (python) {
    var option = element("option", "", "Python " + python);
    option.value = python;
    option.selected = python === data.default;
    form.elements.python.appendChild(option);
  });
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  update();
})();
