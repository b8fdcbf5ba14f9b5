// Drives the kyso web page in Debian's chromium with playwright-core (nothing downloads a
// browser). Usage: NODE_PATH=DIR/node_modules node page.cjs URL VALID.pdf TAMPERED.pdf NOT.pdf SCREENSHOT.png
// Prints "ok" when every assertion holds; exits 1 with the reason otherwise.
"use strict";
const { chromium } = require("playwright-core");

const [url, valid, tampered, notPdf, shot] = process.argv.slice(2);

function expect(cond, what) {
  if (!cond) throw new Error("assertion failed: " + what);
}

async function verdictAfter(page, file) {
  await page.evaluate(() => { document.getElementById("verdict").hidden = true; });
  await page.setInputFiles("#file", file);
  await page.waitForSelector("#verdict:not([hidden]) h2", { timeout: 30000 });
  return (await page.textContent("#verdict h2")).trim();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
    const external = [];
    page.on("request", (r) => { if (!r.url().startsWith(url)) external.push(r.url()); });
    await page.goto(url);
    expect((await page.getAttribute("html", "lang")) === "vi", "Vietnamese by default");
    expect((await page.textContent("h1")).includes("Kiểm tra chữ ký số"), "Vietnamese title");

    // Valid: "Hợp lệ", the signer, a person, how the time is proven, no change after.
    expect((await verdictAfter(page, valid)) === "Hợp lệ", "valid file shows Hợp lệ");
    const sig = await page.textContent("#signatures");
    expect(sig.includes("Nguyễn Văn An"), "signer name shown: " + sig);
    expect(sig.includes("Cá nhân"), "a person (CCCD) shown: " + sig);
    expect(sig.includes("do người ký tự khai"), "claimed time explained: " + sig);
    expect(sig.includes("Không có thay đổi nào sau khi ký"), "no change after signing: " + sig);
    expect(!sig.includes("Lý do"), "no reasons for a valid signature: " + sig);
    expect(!(await page.textContent("#verdict")).includes("null"), "no stray null");
    await page.screenshot({ path: shot, fullPage: true });

    // Tampered: "Không hợp lệ" and why.
    expect((await verdictAfter(page, tampered)) === "Không hợp lệ", "tampered file shows Không hợp lệ");
    const why = await page.textContent("#signatures");
    expect(why.includes("Lý do"), "a reason is given: " + why);

    // Not a PDF: not valid, no crash.
    expect((await verdictAfter(page, notPdf)) === "Không hợp lệ", "non-PDF shows Không hợp lệ");

    // English switch re-renders the verdict.
    await page.click("#lang");
    expect((await page.getAttribute("html", "lang")) === "en", "English after the switch");
    expect((await page.textContent("#verdict h2")).trim() === "Not valid", "verdict in English");

    // Keyboard: Tab reaches the language switch and the file input, each labelled.
    const reached = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press("Tab");
      reached.push(await page.evaluate(() => document.activeElement && document.activeElement.id));
    }
    expect(reached.includes("lang") && reached.includes("file") && reached.includes("procedure"), "tab order: " + reached);
    const unlabeled = await page.evaluate(() => [...document.querySelectorAll("input, select")]
      .filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id));
    expect(unlabeled.length === 0, "unlabelled controls: " + unlabeled);

    // A phone: nothing wider than the screen.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.click("#lang");
    await verdictAfter(page, valid);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow <= 0, "horizontal overflow on a phone: " + overflow + "px");
    await page.screenshot({ path: shot.replace(/\.png$/, "-phone.png"), fullPage: true });

    expect(external.length === 0, "requests outside the server: " + external);
    console.log("ok");
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e.message || e); process.exit(1); });
