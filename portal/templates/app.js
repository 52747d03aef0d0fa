"use strict";
(function () {
  // The log-in page: poll the challenge's status; once the app's answer is verified, this browser — the one
  // that asked, holding its login cookie — takes the log-in and goes to its account.
  const login = document.body.dataset.login;
  if (login) {
    const base = "/login/" + encodeURIComponent(login);
    const loginPoll = async function () {
      try {
        const r = await fetch(base + "/status", { cache: "no-store", credentials: "same-origin" });
        if (r.ok) {
          const s = await r.json();
          if (s.state === "verified") {
            const t = await fetch(base + "/redeem", { method: "POST", credentials: "same-origin" });
            if (t.ok) { window.location.assign("/account"); return; }
          }
          if (s.state === "expired" || s.state === "redeemed") {
            document.getElementById("pending").hidden = true;
            document.getElementById("expired").hidden = false;
            document.body.dataset.state = s.state;
            return;
          }
        }
      } catch (e) { /* network hiccup: try again */ }
      setTimeout(loginPoll, 1000);
    };
    loginPoll();
    return;
  }
  const view = document.body.dataset.view;
  if (!view) return;
  const set = (id, v) => { document.getElementById(id).textContent = v == null ? "" : v; };
  async function poll() {
    try {
      const r = await fetch("/a/" + encodeURIComponent(view) + "/status", { cache: "no-store", credentials: "same-origin" });
      if (r.ok) {
        const s = await r.json();
        if (s.state === "signed" && s.outcome) {
          // A re-link statement: its outcome's words are on the page.
          document.getElementById("pending").hidden = true;
          const o = document.getElementById("outcome-" + s.outcome);
          if (o) o.hidden = false;
          document.body.dataset.state = s.outcome;
          return;
        }
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
