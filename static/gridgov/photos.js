/* Photos made smaller on the phone before they are sent: a camera's 12-megapixel JPEG of 3–5 MB
   becomes a 1600-px JPEG of a few hundred KB, so a report goes out quickly on a weak signal and the
   server decodes a fifth of the pixels. The server still checks, re-encodes and limits every photo
   (incidents/photos.py); this only spares the upload.

   The canvas keeps no EXIF, so the photo's own time and position are read from the original file
   first (static/gridgov/exif.js) and travel beside the smaller photo.

     gridgov.photos.shrink(file, options)    → Promise of a Blob (JPEG) no larger than maxSide on
                                               its longer side, re-encoded without metadata; the
                                               file itself when the browser cannot decode it.
     gridgov.photos.withExif(file, options)  → Promise of {exif, blob}: the original's EXIF and the
                                               smaller photo.
     gridgov.photos.intoInput(input, options) the files chosen in an <input type=file> of a plain
                                               form are replaced by smaller ones; answers a Promise
                                               that settles when they are (the form waits for it).

   options: maxSide (1600), quality (0.82), onError(file) called when a photo could not be shrunk
   (it is then sent as it is). */
(function () {
  "use strict";
  var DEFAULTS = { maxSide: 1600, quality: 0.82 };

  function settings(options) {
    options = options || {};
    return {
      maxSide: options.maxSide || DEFAULTS.maxSide,
      quality: options.quality || DEFAULTS.quality,
      onError: options.onError || function () {}
    };
  }

  function decode(file) {
    // Upright as the camera meant it; an older browser without the option decodes as stored.
    return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () { return createImageBitmap(file); });
  }

  function shrink(file, options) {
    var o = settings(options);
    if (!window.createImageBitmap || !file) return Promise.resolve(file);
    return decode(file).then(function (bitmap) {
      var scale = Math.min(1, o.maxSide / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", o.quality);
      });
    }).catch(function () { o.onError(file); return file; });
  }

  function withExif(file, options) {
    var exif = window.GridgovExif ? window.GridgovExif.read(file) : Promise.resolve({});
    return Promise.all([exif, shrink(file, options)]).then(function (both) { return { exif: both[0], blob: both[1] }; });
  }

  // The smaller photos put back into the input, so the form posts them as it would the originals.
  // The EXIF of the originals is in the input's hidden "<name>_exif" field already (exif.js reads
  // the files when they are chosen, before this replaces them).
  function intoInput(input, options) {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length || typeof DataTransfer !== "function") return Promise.resolve(false);
    return Promise.all(files.map(function (file) { return shrink(file, options); })).then(function (blobs) {
      var transfer = new DataTransfer();
      blobs.forEach(function (blob, i) {
        if (blob === files[i]) { transfer.items.add(files[i]); return; }
        var name = files[i].name.replace(/\.[^.]*$/, "") + ".jpg";
        transfer.items.add(new File([blob], name, { type: "image/jpeg", lastModified: files[i].lastModified }));
      });
      input.files = transfer.files;
      return true;
    }).catch(function () { return false; });
  }

  window.gridgov = window.gridgov || {};
  window.gridgov.photos = { shrink: shrink, withExif: withExif, intoInput: intoInput, defaults: DEFAULTS };
})();
