/* The photo's own time and position, read here before anything strips them (the report page
   shrinks a photo through a canvas, which keeps no EXIF; the server re-encodes every photo).

   Only what photo evidence needs: a JPEG's APP1 "Exif" segment, its TIFF IFD0, the Exif IFD's
   DateTimeOriginal (0x9003) and OffsetTimeOriginal (0x9011), the GPS IFD's latitude and longitude.
   What is read goes to the server as "<file field>_exif", a JSON list with one entry per file
   ({} when the file has no EXIF); the server checks it and flags the photo (docs/photo-evidence.md).

   Every <input type="file" name="…"> of a page gets a hidden "<name>_exif" input kept up to date,
   so plain forms and outbox forms send it without knowing about it. */
(function (global) {
  "use strict";
  var HEAD_BYTES = 256 * 1024;  // EXIF sits in the first 64 KB of a JPEG; a little more for thumbnails

  function parse(buffer) {
    var view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xFFD8) return null;
    var offset = 2;
    while (offset + 4 <= view.byteLength) {
      var marker = view.getUint16(offset);
      if ((marker & 0xFF00) !== 0xFF00 || marker === 0xFFDA) return null;  // start of scan: no EXIF before it
      var length = view.getUint16(offset + 2);
      if (marker === 0xFFE1 && offset + 10 <= view.byteLength &&
          view.getUint32(offset + 4) === 0x45786966 && view.getUint16(offset + 8) === 0) {  // "Exif\0\0"
        return tiff(view, offset + 10, Math.min(view.byteLength, offset + 2 + length));
      }
      offset += 2 + length;
    }
    return null;
  }

  function tiff(view, start, end) {
    var order = view.getUint16(start);
    if (order !== 0x4949 && order !== 0x4D4D) return null;
    var little = order === 0x4949;
    function u16(at) { return view.getUint16(start + at, little); }
    function u32(at) { return view.getUint32(start + at, little); }
    function inside(at, size) { return at >= 0 && start + at + size <= end; }
    function entries(ifd) {
      var found = {};
      if (!inside(ifd, 2)) return found;
      var count = u16(ifd);
      for (var i = 0; i < count && i < 512; i++) {
        var at = ifd + 2 + i * 12;
        if (!inside(at, 12)) break;
        found[u16(at)] = { type: u16(at + 2), count: u32(at + 4), at: at + 8 };
      }
      return found;
    }
    function valueAt(entry) {  // values of more than 4 bytes live at an offset
      var sizes = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8 };
      var size = (sizes[entry.type] || 1) * entry.count;
      return size > 4 ? u32(entry.at) : entry.at;
    }
    function ascii(entry) {
      if (!entry || entry.type !== 2 || entry.count > 64) return null;
      var at = valueAt(entry), text = "";
      if (!inside(at, entry.count)) return null;
      for (var i = 0; i < entry.count; i++) {
        var c = view.getUint8(start + at + i);
        if (c === 0) break;
        text += String.fromCharCode(c);
      }
      return text;
    }
    function degrees(entry, ref) {
      if (!entry || entry.type !== 5 || entry.count !== 3) return null;
      var at = valueAt(entry);
      if (!inside(at, 24)) return null;
      var parts = [0, 1, 2].map(function (i) {
        var d = u32(at + i * 8 + 4);
        return d ? u32(at + i * 8) / d : NaN;
      });
      var value = parts[0] + parts[1] / 60 + parts[2] / 3600;
      if (!isFinite(value)) return null;
      return /^[SW]/.test(ref || "") ? -value : value;
    }
    if (u16(2) !== 42) return null;
    var ifd0 = entries(u32(4)), result = {};
    if (ifd0[0x8769]) {
      var exif = entries(u32(ifd0[0x8769].at));
      var when = ascii(exif[0x9003]);  // "2026:11:26 09:30:00"
      var m = when && when.match(/^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/);
      if (m) result.taken_at = m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":" + m[6];
      var zone = ascii(exif[0x9011]);  // "+08:00"
      if (zone && /^[+-]\d{2}:\d{2}$/.test(zone)) result.offset = zone;
    }
    if (ifd0[0x8825]) {
      var gps = entries(u32(ifd0[0x8825].at));
      var lat = degrees(gps[2], ascii(gps[1])), lng = degrees(gps[4], ascii(gps[3]));
      if (lat !== null && lng !== null) { result.lat = lat; result.lng = lng; }
    }
    return result;
  }

  // → a Promise of { taken_at?, offset?, lat?, lng? } ({} when there is nothing to read)
  function read(file) {
    if (!file || typeof file.slice !== "function") return Promise.resolve({});
    var head = file.slice(0, HEAD_BYTES);
    var bytes = typeof head.arrayBuffer === "function" ? head.arrayBuffer() : new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsArrayBuffer(head);
    });
    return bytes.then(function (buffer) {
      try { return parse(buffer) || {}; } catch (e) { return {}; }
    }, function () { return {}; });
  }

  function readAll(files) { return Promise.all(Array.prototype.map.call(files || [], read)); }

  function bind(input) {
    if (!input.name || !input.form || input.dataset.exifBound) return;
    input.dataset.exifBound = "1";
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name + "_exif";
    input.insertAdjacentElement("afterend", hidden);
    input.addEventListener("change", function () {
      hidden.value = "";
      input.dataset.exifPending = "1";
      readAll(input.files).then(function (found) {
        hidden.value = found.length ? JSON.stringify(found) : "";
        delete input.dataset.exifPending;
      });
    });
    input.form.addEventListener("reset", function () { hidden.value = ""; });
  }

  global.GridgovExif = { read: read, readAll: readAll, parse: parse };
  if (global.document) {
    var start = function () { document.querySelectorAll("input[type=file][name]").forEach(bind); };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  }
})(typeof self !== "undefined" ? self : this);
