// Real-browser test of the portal's desktop page: Debian's Chromium via playwright-core.
// Fill the application, screenshot the QR code element, decode it with `kazasu scan`, sign with the software
// card through `kazasu --virtual sign-request URL --pin-stdin`, and wait for the page to turn to the signed
// state with the name transcribed from the certificate.
//
//   PORTAL_URL=http://127.0.0.1:PORT KAZASU_BIN=/path/to/kazasu node test.mjs
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
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
const profile = join(work, "profile");
let context;
let failed = false;
const step = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(2)} s] ${m}`);
const check = (cond, msg) => { if (!cond) throw new Error(msg); };

try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
      "--no-first-run", "--disable-sync"],
    viewport: { width: 1000, height: 1200 },
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20000);
  await page.goto(base + "/");
  step("form loaded");
  await page.selectOption("#scope", "household");
  await page.fill("#copies", "2");
  await page.selectOption("#honseki", "include");
  await page.fill("#purpose", "パスポートの申請");
  await page.fill("#phone", "0596-23-1111");
  await Promise.all([page.waitForURL(/\/a\//), page.click("#submit")]);
  const qr = page.locator("#qr svg");
  await qr.waitFor({ state: "visible" });
  step("QR page shown");
  const shown = (await page.locator("#request-url").textContent()).trim();
  const deep = await page.locator("#same-device").getAttribute("href");
  check(deep.startsWith("kazasu://sign?r="), `same-device link ${deep}`);
  check(decodeURIComponent(deep.slice("kazasu://sign?r=".length)) === shown, "deep link and QR name different requests");
  const fields = await page.locator("#fields").textContent();
  check(fields.includes("世帯全員") && fields.includes("パスポートの申請"), `fields: ${fields}`);

  const png = join(work, "qr.png");
  await page.locator("#qr").screenshot({ path: png });
  const scanned = execFileSync(kazasu, ["scan", png], { encoding: "utf8" }).trim();
  step(`kazasu scan → ${scanned}`);
  check(scanned === shown, `scanned ${scanned} but the page shows ${shown}`);

  const out = execFileSync(kazasu, ["--lang", "ja", "--virtual", "sign-request", scanned, "--pin-stdin"], {
    input: "ABC123\n",
    encoding: "utf8",
  });
  step("kazasu sign-request done:\n" + out.trim());

  await page.waitForSelector('body[data-state="signed"]', { timeout: 15000 });
  const name = (await page.locator("#name").textContent()).trim();
  const address = (await page.locator("#address").textContent()).trim();
  const dob = (await page.locator("#dob").textContent()).trim();
  const verified = await page.locator("#verified").isVisible();
  step(`page signed: 氏名=${name} 住所=${address} 生年月日=${dob} 署名検証済み=${verified}`);
  check(name === "かざす　花子", `name ${name}`);
  check(address === "三重県伊勢市岩渕一丁目７番２９号", `address ${address}`);
  check(dob === "1985-04-01", `birth date ${dob}`);
  check(verified && (await page.locator("#verified").textContent()) === "署名検証済み", "no 署名検証済み badge");
  check(!(await page.locator("#qr").isVisible()), "the QR code is still shown after signing");
  console.log(`browser test passed in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
} catch (e) {
  failed = true;
  console.error("browser test FAILED:", e && e.message ? e.message : e);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
