// Real-browser test of the portal's desktop page: Debian's Chromium via playwright-core.
// Fill the application, screenshot the QR code element, decode it with `kazasu scan`, sign with the software
// card through `kazasu --virtual sign-request URL --pin-stdin`, and wait for the page to turn to the signed
// state with the name masked (the desktop page never shows the signer's personal data). Then, as an attacker:
// a page on another site posts the application form (refused: cross-site), and the desktop page's URL opened in
// a second browser context without the owner cookie shows nothing. Last, the log-in page (「マイナンバーカードで
// ログイン」): its QR code, links and context for the browser that asked, and nothing for another.
//
//   PORTAL_URL=http://127.0.0.1:PORT KAZASU_BIN=/path/to/kazasu node test.mjs
import { chromium } from "playwright-core";
import { execFileSync, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const base = process.env.PORTAL_URL;
const kazasu = process.env.KAZASU_BIN;
if (!base || !kazasu) {
  console.error("set PORTAL_URL and KAZASU_BIN");
  process.exit(2);
}
const u = new URL(base);
if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) {
  console.error("browser test: the portal must be on loopback");
  process.exit(2);
}

const t0 = Date.now();
const work = mkdtempSync(join(tmpdir(), "kazasu-browser-"));
let browser;
let context;
let evil;
let failed = false;
const step = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(2)} s] ${m}`);
const check = (cond, msg) => { if (!cond) throw new Error(msg); };

try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
      "--no-first-run", "--disable-sync"],
  });
  context = await browser.newContext({ viewport: { width: 1000, height: 1200 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  await page.goto(base + "/");
  step("form loaded");
  await page.selectOption("#scope", "household");
  await page.fill("#copies", "2");
  await page.selectOption("#honseki", "include");
  await page.fill("#purpose", "パスポートの申請");
  await page.fill("#phone", "0596-23-1111");
  await Promise.all([page.waitForURL(/\/a\//), page.click("#submit")]).catch(async () => { throw new Error(`form post refused: ${await page.content()}`); });
  const qr = page.locator("#qr svg");
  await qr.waitFor({ state: "visible" });
  step("QR page shown");
  const shown = (await page.locator("#request-url").textContent()).trim();
  // The verified https app link first, the custom scheme as the fallback; both name the request in the QR.
  const app = new URL(await page.locator("#same-device").getAttribute("href"));
  check(app.protocol === "https:" && app.pathname === "/sign", `same-device link ${app}`);
  check(app.searchParams.get("r") === shown, "app link and QR name different requests");
  const deep = await page.locator("#same-device-fallback").getAttribute("href");
  check(deep.startsWith("kazasu://sign?r="), `fallback link ${deep}`);
  check(decodeURIComponent(deep.slice("kazasu://sign?r=".length)) === shown, "deep link and QR name different requests");
  const fields = await page.locator("#fields").textContent();
  check(fields.includes("世帯全員") && fields.includes("パスポートの申請"), `fields: ${fields}`);

  const png = join(work, "qr.png");
  await page.locator("#qr").screenshot({ path: png });
  const scanned = execFileSync(kazasu, ["scan", png], { encoding: "utf8" }).trim();
  step(`kazasu scan → ${scanned}`);
  check(scanned === shown, `scanned ${scanned} but the page shows ${shown}`);

  // The signer's own device (here the CLI with the software card): before the password it says where and when
  // the request was created — by this very browser — with the relay warning, and what signing gives to whom;
  // after the card signed, it shows the application with the signer's own data before sending it.
  const run = spawnSync(kazasu, ["--lang", "ja", "--virtual", "sign-request", scanned, "--pin-stdin"], {
    input: "ABC123\n",
    encoding: "utf8",
  });
  check(run.status === 0, `kazasu sign-request exited ${run.status}: ${run.stderr}`);
  const said = run.stderr;
  const at = (what) => { const i = said.indexOf(what); check(i >= 0, `the CLI did not say ${what}:\n${said}`); return i; };
  const ua = await page.evaluate(() => navigator.userAgent);
  const contextAt = at("この申請は Linux · Chrome で");
  const warning = at("自分で開いた画面の申請にだけ署名してください");
  const disclosure = at(`氏名・住所・生年月日・性別が ${new URL(base).origin} に渡ります`);
  const password = at("署名用パスワードを確認しています");
  const review = at("申請する内容を確認してください");
  const own = at("かざす　花子");
  check(Math.max(contextAt, warning, disclosure) < password, "context or disclosure came after the password was used");
  check(password < review && review < own, "the review before sending is missing or out of order");
  step(`kazasu sign-request (browser ${ua.slice(0, 40)}…) said, in order: context, warning, disclosure, password, review\n${run.stdout.trim()}`);

  await page.waitForSelector('body[data-state="signed"]', { timeout: 15000 });
  const name = (await page.locator("#name").textContent()).trim();
  const verified = await page.locator("#verified").isVisible();
  step(`page signed: 署名した人=${name} 署名検証済み=${verified}`);
  check(name === "か＊＊", `the desktop page shows the name unmasked: ${name}`);
  const text = await page.locator("body").textContent();
  for (const secret of ["花子", "三重県", "岩渕", "1985"]) check(!text.includes(secret), `the desktop page shows ${secret}`);
  check(verified && (await page.locator("#verified").textContent()) === "署名検証済み", "no 署名検証済み badge");
  check(!(await page.locator("#qr").isVisible()), "the QR code is still shown after signing");
  const pageUrl = page.url();

  // An attacker's page on another site (localhost is another site than 127.0.0.1) posts the application form.
  const evilFields = { form_token: "guess", scope: "self", copies: "1", honseki: "omit", purpose: "relay", phone: "1" };
  const inputs = Object.entries(evilFields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join("");
  evil = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><form id="f" method="post" action="${base}/applications">${inputs}</form>` +
      `<script>document.getElementById("f").submit()</script>`);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  const evilUrl = `http://localhost:${evil.address().port}/`;
  const attack = await context.newPage();
  const [posted] = await Promise.all([
    attack.waitForResponse((r) => r.url() === `${base}/applications` && r.request().method() === "POST"),
    attack.goto(evilUrl),
  ]);
  const refusal = await posted.text();
  step(`cross-site form post from ${evilUrl} → ${posted.status()} ${refusal}`);
  check(posted.status() === 403 && refusal.includes('"error":"cross-site"'), "the cross-site post was not refused as cross-site");
  await attack.close();

  // The desktop page's URL, leaked (history, proxy log), opened in a fresh context: no owner cookie.
  const other = await browser.newContext();
  const leaked = await other.newPage();
  const resp = await leaked.goto(pageUrl);
  const leakedText = await leaked.locator("body").textContent();
  step(`leaked page URL without the cookie → ${resp.status()} ${leakedText.trim().replace(/\s+/g, " ")}`);
  check(resp.status() === 403, `the leaked page answered ${resp.status()}`);
  for (const secret of ["花", "三重県", "1985", "署名検証済み", "パスポート", shown]) {
    check(!leakedText.includes(secret), `the leaked page shows ${secret}`);
  }
  check((await leaked.locator("#qr").count()) === 0, "the leaked page shows the QR code");
  const st = await other.request.get(pageUrl + "/status");
  check(st.status() === 403 && !(await st.text()).includes("花"), "the status JSON answers without the cookie");
  await other.close();

  // 「マイナンバーカードでログイン」 beside the form: the log-in page of this browser shows the QR code, the
  // same-device log-in link, and what the app will show before the password (the origin, where and when it was
  // started) — and in another browser context, nothing.
  await page.goto(base + "/");
  await Promise.all([page.waitForURL(/\/login\/[^/]+\/wait$/), page.click("#login-button")]);
  await page.locator("#qr svg").waitFor({ state: "visible" });
  const loginUrl = page.url();
  const challengeUrl = loginUrl.replace(/\/wait$/, "");
  const loginLink = new URL(await page.locator("#same-device").getAttribute("href"));
  check(loginLink.protocol === "https:" && loginLink.pathname === "/login", `log-in link ${loginLink}`);
  check(loginLink.searchParams.get("r") === challengeUrl, `the log-in link names ${loginLink.searchParams.get("r")}`);
  const loginDeep = await page.locator("#same-device-fallback").getAttribute("href");
  check(loginDeep === "kazasu://login?r=" + encodeURIComponent(challengeUrl), `log-in fallback ${loginDeep}`);
  const said2 = await page.locator("#check").textContent();
  check(said2.includes(u.origin) && said2.includes("Linux · Chrome"), `the log-in page's context: ${said2}`);
  const st2 = await context.request.get(challengeUrl + "/status");
  check(st2.status() === 200 && (await st2.json()).state === "pending", "the log-in status for its browser");
  step(`log-in page ${loginUrl}: QR code, ${loginLink.pathname} link, context shown`);
  const third = await browser.newContext();
  const stolen = await third.newPage();
  const stolenResp = await stolen.goto(loginUrl);
  check(stolenResp.status() === 403 && (await stolen.locator("#qr").count()) === 0, "the log-in page in another browser");
  check((await third.request.get(challengeUrl + "/status")).status() === 403, "the log-in status in another browser");
  await third.close();
  step("the log-in page and its status in another browser context → 403, no QR code");
  console.log(`browser test passed in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
} catch (e) {
  failed = true;
  console.error("browser test FAILED:", e && e.message ? e.message : e);
} finally {
  if (context) await context.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  if (evil) evil.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
