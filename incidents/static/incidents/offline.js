/* Shared helpers for the phone pages: ids made on the phone and a small persistent queue (items
   are sent with gridgov.http.send, which never throws and says when the phone is offline).

   Reports (with their photos as Blobs) wait in IndexedDB; patrol points are small and wait in
   localStorage. Each item carries an id made here, so the server stores it once however many
   times a weak network makes us send it. */
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fmt(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (_, k) { return values && k in values ? values[k] : ""; });
  }

  /* A keyed store in IndexedDB (falls back to memory when IndexedDB is unavailable). */
  function Store(name) {
    this.name = name;
    this.memory = {};
    var self = this;
    this.ready = new Promise(function (resolve) {
      if (!window.indexedDB) return resolve(null);
      var req = indexedDB.open("gridgov-" + name, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("items", { keyPath: "id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { resolve(null); };
    });
    this.ready.then(function (db) { self.db = db; });
  }
  Store.prototype._tx = function (mode, fn) {
    var self = this;
    return this.ready.then(function (db) {
      if (!db) return fn(null);
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("items", mode);
        var out = fn(tx.objectStore("items"));
        tx.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  };
  Store.prototype.put = function (item) {
    var self = this;
    return this._tx("readwrite", function (s) { if (!s) { self.memory[item.id] = item; return; } return s.put(item); });
  };
  Store.prototype.remove = function (id) {
    var self = this;
    return this._tx("readwrite", function (s) { if (!s) { delete self.memory[id]; return; } return s.delete(id); });
  };
  Store.prototype.all = function () {
    var self = this;
    return this._tx("readonly", function (s) {
      if (!s) return Object.keys(self.memory).map(function (k) { return self.memory[k]; });
      return s.getAll();
    }).then(function (items) {
      return (items || []).sort(function (a, b) { return (a.created || 0) - (b.created || 0); });
    });
  };

  window.gridgovOffline = { uuid: uuid, fmt: fmt, Store: Store };
})();
