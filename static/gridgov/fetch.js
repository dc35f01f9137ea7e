/* fetch with the session and Django's CSRF token, for every page script (loaded by base.html).

   The token is read from the csrftoken cookie at the moment of each request, never kept: Django
   rotates the token when a user signs in, and a page left open (a phone's report page with reports
   waiting in its queue) must send with the token of today's session, not the one it was rendered
   with. base.html renders {% csrf_token %} on every page, so the cookie is always set; its hidden
   field is read only when the cookie cannot be (CSRF_USE_SESSIONS or an HttpOnly cookie).

     gridgov.http.request(url, options)  fetch with credentials "same-origin", Accept JSON and, for
                                         a method other than GET/HEAD, the X-CSRFToken header;
                                         options.json is sent as a JSON body. Rejects as fetch does.
     gridgov.http.json(url, options)     → {ok, status, body}: the answer read as JSON ({} when it
                                         is empty or not JSON); rejects when the network fails.
     gridgov.http.send(url, options)     → {ok, status, body, offline}, never rejects: for queues
                                         that keep an item until it is sent. Method POST unless told.
     gridgov.http.getJSON(url)           → the parsed answer; rejects on a network failure or an
                                         answer that is not 2xx (error.status says which). */
(function () {
  "use strict";
  var SAFE = { GET: true, HEAD: true, OPTIONS: true };

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function request(url, options) {
    options = options || {};
    var method = (options.method || "GET").toUpperCase();
    var headers = {};
    Object.keys(options.headers || {}).forEach(function (k) { headers[k] = options.headers[k]; });
    if (!headers.Accept) headers.Accept = "application/json";
    if (!SAFE[method]) headers["X-CSRFToken"] = csrfToken();
    var body = options.body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    return fetch(url, { method: method, credentials: "same-origin", headers: headers, body: body });
  }

  function json(url, options) {
    return request(url, options).then(function (r) {
      return r.text().then(function (raw) {
        var body = {};
        try { body = raw ? JSON.parse(raw) : {}; } catch (e) { body = {}; }
        return { ok: r.ok, status: r.status, body: body };
      });
    });
  }

  function send(url, options) {
    options = options || {};
    var init = {};
    Object.keys(options).forEach(function (k) { init[k] = options[k]; });
    init.method = options.method || "POST";
    return json(url, init).then(function (res) {
      res.offline = false;
      return res;
    }, function () {
      return { ok: false, status: 0, body: {}, offline: true };
    });
  }

  function getJSON(url) {
    return request(url).then(function (r) {
      if (!r.ok) { var error = new Error(String(r.status)); error.status = r.status; throw error; }
      return r.json();
    });
  }

  window.gridgov = window.gridgov || {};
  window.gridgov.http = { csrfToken: csrfToken, request: request, json: json, send: send, getJSON: getJSON };
})();
