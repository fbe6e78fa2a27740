// kyso staff console: a little progressive enhancement. Every page works
// without it; this script adds the live intake countdown, the preview of a
// digitization batch, and signing with a USB token through kyso sign-agent.
(function () {
  "use strict";

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // --- Countdown of the intake window (server-rendered text is the fallback).
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function human(ms) {
    var m = Math.round(Math.abs(ms) / 60000), h = Math.floor(m / 60);
    m = m % 60;
    if (h > 0 && m > 0) return h + " giờ " + m + " phút";
    if (h > 0) return h + " giờ";
    return m + " phút";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".timer[data-deadline]").forEach(function (el) {
      var t = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(t)) return;
      var left = t - now;
      el.textContent = left < 0 ? "Quá hạn " + human(left) : "Còn " + human(left);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 15 * 60000);
    });
  }

  // --- Digitization: preview of the batch as it would be produced.
  function setupDigitize() {
    var form = document.getElementById("digitize-form");
    if (!form) return;
    var button = document.getElementById("preview-button");
    var out = document.getElementById("preview");
    var status = document.getElementById("preview-status");
    var comps = document.getElementById("components");
    function reset() {
      out.innerHTML = "";
      comps.hidden = false;
      comps.disabled = false;
      status.textContent = "";
    }
    form.querySelectorAll('input[name="scans"], input[name="split"], input[name="ranges"]').forEach(function (el) {
      el.addEventListener("change", reset);
    });
    button.addEventListener("click", function () {
      var files = document.getElementById("scans").files;
      if (!files || files.length === 0) {
        status.textContent = "Hãy chọn tệp ảnh quét trước.";
        return;
      }
      // The names entered so far go with it: the preview's rows when there
      // is a preview already, else the default rows.
      comps.disabled = out.querySelectorAll("tr.previewdoc").length > 0;
      var data = new FormData(form);
      button.disabled = true;
      status.textContent = "Đang xử lý " + files.length + " tệp…";
      fetch(form.getAttribute("data-preview"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
        .then(function (res) {
          out.innerHTML = res.text;
          var rows = out.querySelectorAll("tr.previewdoc").length;
          // The preview's rows (one per document produced) replace the
          // default rows, which are no longer sent.
          comps.hidden = rows > 0;
          comps.disabled = rows > 0;
          status.textContent = res.ok ? "Đã xem trước: kiểm tra tên từng giấy tờ rồi bấm “Số hóa và ký số tất cả”." : "";
        })
        .catch(function (e) {
          status.textContent = "Không xem trước được: " + e;
        })
        .finally(function () { button.disabled = false; });
    });
  }

  // --- Signing with a USB token through kyso sign-agent (two-phase flow of
  // the JSON API: prepare → the agent signs the digests → complete).
  function api(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.detail || r.statusText);
        return j;
      });
    });
  }
  function agentCall(base, path, body) {
    var opts = body ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : { method: "GET" };
    return fetch(base.replace(/\/+$/, "") + path, opts).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || r.statusText);
        return j;
      });
    }, function () {
      throw new Error("không kết nối được kyso sign-agent tại " + base + " (hãy chạy: kyso sign-agent --pkcs11-module … --token … --key …)");
    });
  }
  function placementOf(id) {
    var el = document.querySelector('[data-version="' + id + '"][data-page]');
    var doc = { id: Number(id) };
    if (el) {
      doc.page = Number(el.getAttribute("data-page"));
      doc.x = Number(el.getAttribute("data-x"));
      doc.y = Number(el.getAttribute("data-y"));
      doc.width = Number(el.getAttribute("data-w"));
      doc.height = Number(el.getAttribute("data-h"));
    }
    return doc;
  }
  function setupAgent() {
    document.querySelectorAll(".agent[data-agent-batch]").forEach(function (box) {
      var input = box.querySelector(".agent-url");
      var button = box.querySelector(".agent-sign");
      var status = box.querySelector(".agent-status");
      try {
        var saved = window.localStorage.getItem("kyso.agent");
        if (saved) input.value = saved;
      } catch (e) { /* storage disabled */ }
      button.addEventListener("click", function () {
        var ids = box.getAttribute("data-agent-batch").split(",").filter(Boolean);
        var base = input.value.trim();
        try { window.localStorage.setItem("kyso.agent", base); } catch (e) { /* ignore */ }
        button.disabled = true;
        var problems = [];
        status.textContent = "Đang lấy chứng thư số từ USB token…";
        agentCall(base, "/certificate").then(function (cert) {
          status.textContent = "Đang chuẩn bị " + ids.length + " văn bản…";
          return api("/api/v1/signing/batch/prepare", {
            certificate: cert.certificate, chain: cert.chain || [], documents: ids.map(placementOf)
          });
        }).then(function (prep) {
          var ready = [];
          prep.results.forEach(function (r) {
            if (r.prepared) ready.push(r.prepared); else problems.push("#" + r.id + ": " + (r.problem ? r.problem.detail : "?"));
          });
          if (ready.length === 0) throw new Error(problems.join("; "));
          status.textContent = "Đang ký " + ready.length + " văn bản trên USB token…";
          return agentCall(base, "/sign", {
            items: ready.map(function (p) { return { to_be_signed: p.to_be_signed, hash: p.hash, pss: !!p.pss }; })
          }).then(function (signed) {
            return api("/api/v1/signing/batch/complete", {
              signatures: ready.map(function (p, i) { return { session_id: p.session_id, signature: signed.signatures[i] }; })
            });
          });
        }).then(function (done) {
          var ok = 0;
          done.results.forEach(function (r) { if (r.document) ok++; else problems.push(r.problem ? r.problem.detail : "?"); });
          status.textContent = "Đã ký " + ok + " văn bản." + (problems.length ? " Lỗi: " + problems.join("; ") : "");
          box.setAttribute("data-agent-done", String(ok));
          if (problems.length === 0) {
            // A page rendered by a POST (the digitization result) goes to
            // its data-agent-next page instead of re-posting the upload.
            var next = box.getAttribute("data-agent-next");
            window.setTimeout(function () {
              if (next) window.location.assign(next); else window.location.reload();
            }, 800);
          }
        }).catch(function (e) {
          status.textContent = "Không ký được: " + e.message;
          box.setAttribute("data-agent-error", e.message);
        }).finally(function () { button.disabled = false; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 30000);
    setupDigitize();
    setupAgent();
  });
})();
