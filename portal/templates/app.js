"use strict";
(function () {
  const view = document.body.dataset.view;
  if (!view) return;
  const set = (id, v) => { document.getElementById(id).textContent = v == null ? "" : v; };
  async function poll() {
    try {
      const r = await fetch("/a/" + encodeURIComponent(view) + "/status", { cache: "no-store", credentials: "same-origin" });
      if (r.ok) {
        const s = await r.json();
        if (s.state === "signed" && s.signature) {
          const g = s.signature;
          set("name", g.name_masked); set("issuer", g.cert_issuer);
          document.getElementById("pending").hidden = true;
          document.getElementById("signed").hidden = false;
          document.body.dataset.state = "signed";
          return;
        }
        if (s.state === "expired") {
          set("state", "有効期限が切れました。もう一度申請してください。");
          document.body.dataset.state = "expired";
          return;
        }
      }
    } catch (e) { /* network hiccup: try again */ }
    setTimeout(poll, 1000);
  }
  poll();
})();
