// Screenshots of the portal's pages with the Chromium set-up of test.mjs, and their pixel comparison — to show
// that a change to how the pages are made (templates, cookies) leaves how they look alone.
//
//   PORTAL_URL=http://127.0.0.1:PORT OFFICE_TOKEN=… node screenshots.mjs take DIR
//   node screenshots.mjs compare DIR_BEFORE DIR_AFTER
//
// `take` needs a portal started with --office-token-file (holding OFFICE_TOKEN) and --fixed-clock, so the
// expiry on the desktop page is the same in every run. The request's random ids are masked (QR code, request
// URL) or, on the office's JSON and text, replaced before the text is compared. `compare` decodes both PNGs in
// Chromium (a canvas) and counts the pixels that differ; it exits 1 if any page differs.
import { chromium } from "playwright-core";
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const [mode, a, b] = process.argv.slice(2);
const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
    "--no-first-run", "--disable-sync"],
});

async function take(dir) {
  const base = process.env.PORTAL_URL;
  const token = process.env.OFFICE_TOKEN;
  if (!base || !token || !dir) throw new Error("set PORTAL_URL and OFFICE_TOKEN, and name a directory");
  mkdirSync(dir, { recursive: true });
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1200 } });
    const page = await context.newPage();
    const shot = (name, opts = {}) => page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, ...opts });

    await page.goto(base + "/");
    await shot("start");
    // A refused form: the start page again with the error above the form.
    await page.fill("#purpose", "<b>パスポート</b>の申請");
    await page.fill("#phone", "not-a-phone");
    await page.click("#submit");
    await page.locator("#error").waitFor();
    await shot("start-error");

    await page.goto(base + "/");
    await page.selectOption("#scope", "household");
    await page.fill("#copies", "2");
    await page.selectOption("#honseki", "include");
    await page.fill("#purpose", "<b>パスポート</b>の申請 & 'その他'");
    await page.fill("#phone", "0596-23-1111");
    await Promise.all([page.waitForURL(/\/a\//), page.click("#submit")]);
    await page.locator("#qr svg").waitFor({ state: "visible" });
    const desktop = page.url();
    await shot("desktop-qr", { mask: [page.locator("#qr"), page.locator("#request-url")] });
    const appLink = await page.locator("#same-device").getAttribute("href");

    // The same page in a browser without the owner cookie.
    const stranger = await (await browser.newContext({ viewport: { width: 1000, height: 1200 } })).newPage();
    await stranger.goto(desktop);
    await stranger.screenshot({ path: join(dir, "not-owner.png"), fullPage: true });

    // The app link opened where no app took it, and a link without a request.
    await page.goto(base + new URL(appLink).pathname + new URL(appLink).search);
    await shot("app-link", { mask: [page.locator("#origin")] });
    await page.goto(base + "/sign?nothing=here");
    await shot("bad-link");

    // The back office (JSON and text) for this application, with the staff's token.
    const status = await page.request.get(desktop + "/status");
    const requestId = new URL(appLink).searchParams.get("r")?.split("/").pop();
    const office = await browser.newContext({
      viewport: { width: 1000, height: 1200 },
      extraHTTPHeaders: { Authorization: `Bearer ${token}` },
    });
    const staff = await office.newPage();
    for (const [name, path] of [["office", ""], ["office-text", "/application.txt"]]) {
      const resp = await staff.goto(`${base}/office/applications/${requestId}${path}`);
      const text = (await resp.text()).replaceAll(requestId, "REQUEST-ID");
      writeFileSync(join(dir, `${name}.txt`), text);
      await staff.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
    }
    writeFileSync(join(dir, "status.json"), JSON.stringify(await status.json(), null, 1));
  } finally {
    await browser.close();
  }
}

async function compare(before, after) {
  const browser = await launch();
  let differs = 0;
  try {
    const page = await browser.newPage();
    for (const f of readdirSync(before).filter((f) => f.endsWith(".png")).sort()) {
      const uri = (d) => "data:image/png;base64," + readFileSync(join(d, f)).toString("base64");
      const r = await page.evaluate(async ([x, y]) => {
        const load = async (src) => { const i = new Image(); i.src = src; await i.decode(); return i; };
        const [p, q] = [await load(x), await load(y)];
        const pixels = (img) => {
          const c = document.createElement("canvas");
          c.width = img.width; c.height = img.height;
          const g = c.getContext("2d"); g.drawImage(img, 0, 0);
          return g.getImageData(0, 0, img.width, img.height).data;
        };
        if (p.width !== q.width || p.height !== q.height) {
          return { size: `${p.width}×${p.height} vs ${q.width}×${q.height}`, diff: -1 };
        }
        const [u, v] = [pixels(p), pixels(q)];
        let diff = 0;
        for (let i = 0; i < u.length; i += 4) {
          if (u[i] !== v[i] || u[i + 1] !== v[i + 1] || u[i + 2] !== v[i + 2] || u[i + 3] !== v[i + 3]) diff++;
        }
        return { size: `${p.width}×${p.height}`, diff };
      }, [uri(before), uri(after)]);
      if (r.diff !== 0) differs++;
      console.log(`${f.padEnd(20)} ${r.size.padEnd(24)} ${r.diff < 0 ? "size differs" : `${r.diff} pixels differ`}`);
    }
    for (const f of readdirSync(before).filter((f) => f.endsWith(".txt")).sort()) {
      const same = readFileSync(join(before, f), "utf8") === readFileSync(join(after, f), "utf8");
      if (!same) differs++;
      console.log(`${f.padEnd(20)} ${same ? "same text" : "text differs"}`);
    }
  } finally {
    await browser.close();
  }
  return differs;
}

if (mode === "take") {
  await take(a);
} else if (mode === "compare") {
  process.exit((await compare(a, b)) === 0 ? 0 : 1);
} else {
  console.error("usage: screenshots.mjs take DIR | compare DIR_BEFORE DIR_AFTER");
  process.exit(2);
}
