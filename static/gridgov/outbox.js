/* The outbox: everything the phone makes for the server — reports with their photos, patrol starts,
   points, check-ins and ends, household visits, on-site checks — waits here, in IndexedDB, until
   the server has it. The same file runs in the pages (window) and in the service worker (self),
   so both send the same way, one at a time (a Web Lock), in the order the items were made.

   Each item carries an id made here (its client_id): a retry after a timeout, a reload or a
   second sender never files twice, because the server answers the first one (docs/offline.md).

     GridgovOutbox.add(item)     → the stored item. item: {kind, label, url, json | form, files,
                                   patrol, caseId}; url is an API URL; caseId: the case an act is
                                   on (its version moves on with her earlier acts on it, below); with item.patrol (a patrol's
                                   client id) "/0/" in the url is replaced by the patrol's server
                                   id once its start has been sent.
     GridgovOutbox.all()         → every item, oldest first (also other users' and refused ones).
     GridgovOutbox.get(id) / put(item) / remove(id)
     GridgovOutbox.retry(id, fields)   a refused item back to waiting, with corrected fields.
     GridgovOutbox.drain()       → {sent, refused, stopped}: send what waits; stops at the first
                                   network failure (the next drain resumes in order).
     GridgovOutbox.meta(key) / setMeta(key, value)   small values: csrf, user, ids, patrol …
     GridgovOutbox.on(fn)        fn({type: "added"|"sent"|"refused"|"changed"|"drained", item, body})
                                 in every page and the worker (BroadcastChannel).
     GridgovOutbox.uuid()

   An answer 2xx removes the item; 4xx marks it refused with the server's message (it stays, to be
   corrected or discarded by the user on the outbox page); 401/403 of an ended session, 429, 5xx
   and network failures leave it waiting. Items belong to the user who made them: only theirs are
   sent, under their session. */
(function (global) {
  "use strict";
  var DB = "gridgov-outbox", BATCH = 500, CHANNEL = "gridgov-outbox";
  var dbPromise = null, listeners = [], channel = null, seq = 0;
  var SOURCE = Math.random().toString(36).slice(2);  // this page or worker: its own messages reach its listeners directly

  function uuid() {
    var c = global.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    var b = new Uint8Array(16);
    c.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var req = global.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore("items", { keyPath: "id" });
        req.result.createObjectStore("meta", { keyPath: "key" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbPromise;
  }

  // Run fn(store) in one transaction; resolves with what fn's request (or value) gave, once committed.
  function tx(name, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(name, mode);
        var out = fn(t.objectStore(name));
        t.oncomplete = function () { resolve(out && typeof out === "object" && "result" in out ? out.result : out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }

  function all() {
    return tx("items", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.seq - b.seq; });
    });
  }
  function get(id) { return tx("items", "readonly", function (s) { return s.get(id); }); }
  function put(item) { return tx("items", "readwrite", function (s) { s.put(item); }).then(function () { return item; }); }
  function removeMany(ids) {
    return tx("items", "readwrite", function (s) { ids.forEach(function (id) { s.delete(id); }); });
  }
  function remove(id) { return removeMany([id]).then(function () { announce({ type: "changed", id: id }); }); }
  function meta(key) {
    return tx("meta", "readonly", function (s) { return s.get(key); }).then(function (row) { return row ? row.value : undefined; });
  }
  function setMeta(key, value) { return tx("meta", "readwrite", function (s) { s.put({ key: key, value: value }); }); }

  function announce(message) {
    listeners.forEach(function (fn) { try { fn(message); } catch (e) { /* a listener's error is its own */ } });
    if (!channel && global.BroadcastChannel) channel = new global.BroadcastChannel(CHANNEL);
    if (channel) {
      // Blobs and Files cross a BroadcastChannel fine, but the listeners only need the item's state.
      var copy = { source: SOURCE };
      Object.keys(message).forEach(function (k) { copy[k] = k === "item" ? summary(message.item) : message[k]; });
      try { channel.postMessage(copy); } catch (e) { /* not cloneable: the page redraws on its next change */ }
    }
  }
  function summary(item) {
    return item && { id: item.id, kind: item.kind, state: item.state, error: item.error, label: item.label, patrol: item.patrol };
  }
  function on(fn) {
    listeners.push(fn);
    if (global.BroadcastChannel) {
      var listen = new global.BroadcastChannel(CHANNEL);
      listen.onmessage = function (e) { if (e.data && e.data.source !== SOURCE) fn(e.data); };
    }
  }

  function add(item) {
    return meta("user").then(function (user) {
      item.id = item.id || uuid();
      item.seq = Date.now() * 1000 + (seq++ % 1000);
      item.created = item.created || Date.now();
      item.state = "waiting";
      item.user = item.user || user || "";
      return put(item);
    }).then(function (stored) {
      announce({ type: "added", item: stored });
      return stored;
    });
  }

  function retry(id, fields) {
    return get(id).then(function (item) {
      if (!item) return null;
      var target = item.json || item.form;
      Object.keys(fields || {}).forEach(function (k) { target[k] = fields[k]; });
      item.state = "waiting";
      delete item.error;
      return put(item).then(function () { announce({ type: "changed", item: item }); return item; });
    });
  }

  // --- sending -----------------------------------------------------------------------------------

  function csrfFromPage() {
    if (!global.document) return "";
    var m = global.document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function requestFor(item, ctx, points) {
    var url = item.url;
    if (item.patrol) {
      var id = item.patrolId || ctx.ids[item.patrol];
      if (!id) return null;  // its patrol has not reached the server yet
      url = url.replace("/0/", "/" + id + "/");
    }
    var headers = { Accept: "application/json", "X-CSRFToken": csrfFromPage() || ctx.csrf || "" };
    var body;
    if (points) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify({ points: points.map(function (p) { return p.json; }) });
    } else if (item.json) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(item.json);
    } else {
      body = new global.FormData();
      Object.keys(item.form || {}).forEach(function (k) {
        var v = item.form[k];
        if (v !== null && v !== undefined && v !== "") body.append(k, v);
      });
      (item.files || []).forEach(function (f) { body.append(f.name, f.blob, f.filename || "photo.jpg"); });
    }
    return { url: url, init: { method: item.method || "POST", credentials: "same-origin", headers: headers, body: body } };
  }

  function reasonOf(status, body) {
    if (body && body.errors) {
      return Object.keys(body.errors).map(function (k) {
        var v = body.errors[k];
        return (Array.isArray(v) ? v : [v]).join(" ");
      }).join(" ");
    }
    if (body && body.detail) return String(body.detail);
    return "HTTP " + status;
  }

  function sessionEnded(status, body) {
    if (status === 401) return true;
    return status === 403 && /csrf|credentials|认证|登录/i.test(String((body && body.detail) || ""));
  }

  // → "sent" | "refused" | "set-aside" (one point of a batch refused) | "skip" |
  //   "stop" (keep it and everything after it for the next drain)
  function send(item, ctx, group) {
    var request = requestFor(item, ctx, group);
    if (!request) return Promise.resolve("skip");
    return global.fetch(request.url, request.init).then(function (res) {
      return res.text().then(function (raw) {
        var body = {};
        try { body = raw ? JSON.parse(raw) : {}; } catch (e) { body = {}; }
        return { status: res.status, ok: res.ok, body: body };
      });
    }, function () { return { status: 0, ok: false, body: {} }; }).then(function (res) {
      var members = group || [item];
      if (res.ok) {
        var done = carryVersion(item, res.body.version);
        if (item.kind === "patrol-start" && res.body.id) {
          ctx.ids[item.id] = res.body.id;
          done = done.then(function () { return setMeta("ids", ctx.ids); });
        }
        return done.then(function () { return removeMany(members.map(function (m) { return m.id; })); }).then(function () {
          members.forEach(function (m) { announce({ type: "sent", item: m, body: m === item ? res.body : null }); });
          return "sent";
        });
      }
      if (res.status === 0 || res.status === 429 || res.status >= 500 || sessionEnded(res.status, res.body)) {
        if (sessionEnded(res.status, res.body)) ctx.signin = true;
        return "stop";
      }
      var reason = reasonOf(res.status, res.body);
      // A batch of points the server refused for one of them: it names that point (its id and
      // index); only that one is set aside with the reason, the others are sent again at once.
      var bad = group && res.status === 400 ? badPoint(group, res.body.point) : null;
      if (bad) members = [bad];
      return Promise.all(members.map(function (m) {
        m.state = "refused";
        m.error = reason;
        m.status = res.status;
        return put(m).then(function () { announce({ type: "refused", item: m }); });
      })).then(function () { return bad ? "set-aside" : "refused"; });
    });
  }

  // Acts on one case made in a row offline (a handler accepts, then reports it done) were all
  // made from the same page, so they carry the same version of the case; once the first is in,
  // the case is one version on, by her own act. Her later acts made from that same version move on
  // with it. An act made from another version, or after someone else changed the case, keeps its
  // version and is refused as stale (409), as it should be.
  function fieldsOf(m) { return m.json || m.form || {}; }
  function carryVersion(item, version) {
    var from = fieldsOf(item).version;
    if (!item.caseId || version === undefined || version === null || from === undefined || from === "") return Promise.resolve();
    return all().then(function (items) {
      return Promise.all(items.filter(function (m) {
        return m.id !== item.id && m.caseId === item.caseId && m.user === item.user && m.state === "waiting" &&
          String(fieldsOf(m).version) === String(from);
      }).map(function (m) { fieldsOf(m).version = String(version); return put(m); }));
    });
  }

  // A patrol the server refused to start: its points, check-ins and end cannot go either; they
  // show the same reason, to be discarded with it.
  function refuseFollowers(start) {
    return all().then(function (items) {
      return Promise.all(items.filter(function (m) { return m.patrol === start.id && m.state === "waiting"; }).map(function (m) {
        m.state = "refused";
        m.error = start.error;
        return put(m).then(function () { announce({ type: "refused", item: m }); });
      }));
    });
  }

  function badPoint(group, named) {
    if (!named || group.length < 2) return null;
    var byId = group.filter(function (m) { return m.json && named.id && m.json.id === named.id; })[0];
    return byId || (typeof named.index === "number" ? group[named.index] || null : null);
  }

  function pointsGroup(items, first) {
    return items.filter(function (m) {
      return m.kind === "points" && m.state === "waiting" && m.patrol === first.patrol && m.user === first.user;
    }).slice(0, BATCH);
  }

  function loop() {
    return Promise.all([meta("csrf"), meta("user"), meta("ids")]).then(function (values) {
      var ctx = { csrf: values[0], user: values[1] || "", ids: values[2] || {}, signin: false };
      var result = { sent: 0, refused: 0, stopped: false, signin: false };
      // Patrols whose start has not reached the server: their items wait, all of them, so that
      // a patrol's end never goes before its points. Sending the start releases them.
      var blocked = {};
      // What waits when the drain starts is what it sends: an item added meanwhile goes with the
      // next drain (a form's add asks for one; patrol points go every send interval, not behind
      // a slow answer to the patrol's start).
      var known = null;
      function next() {
        return all().then(function (items) {
          if (known === null) {
            known = {};
            items.forEach(function (m) { if (m.state === "waiting") known[m.id] = true; });
          }
          var waiting = items.filter(function (m) {
            return m.state === "waiting" && known[m.id] && m.user === ctx.user && !(m.patrol && blocked[m.patrol]);
          });
          if (!waiting.length) return result;
          var item = waiting[0];
          var group = item.kind === "points" ? pointsGroup(waiting, item) : null;
          var members = group || [item];
          return send(item, ctx, group).then(function (outcome) {
            if (outcome === "stop") { result.stopped = true; result.signin = ctx.signin; return result; }
            if (outcome === "skip") blocked[item.patrol] = true;
            else if (outcome === "set-aside") result.refused += 1;  // one point of the batch; the rest go next
            else result[outcome] += members.length;
            if (outcome === "sent" && item.kind === "patrol-start") delete blocked[item.id];
            if (outcome === "refused" && item.kind === "patrol-start") return refuseFollowers(item).then(next);
            return next();
          });
        });
      }
      return next();
    });
  }

  var draining = null, again = false;
  function drain() {
    if (draining) { again = true; return draining; }
    var locks = global.navigator && global.navigator.locks;
    var run = locks ? locks.request("gridgov-outbox-drain", loop) : loop();
    draining = Promise.resolve(run).then(function (result) {
      draining = null;
      announce({ type: "drained", result: result });
      if (again && !result.stopped) { again = false; return drain(); }
      again = false;
      return result;
    }, function (error) {
      draining = null;
      again = false;
      return { sent: 0, refused: 0, stopped: true, error: String(error) };
    });
    return draining;
  }

  global.GridgovOutbox = {
    uuid: uuid, add: add, all: all, get: get, put: put, remove: remove, retry: retry, drain: drain,
    meta: meta, setMeta: setMeta, on: on
  };
})(typeof self !== "undefined" ? self : window);
