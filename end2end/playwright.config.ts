import { defineConfig } from "@playwright/test";

// The server under test: the binary cargo-leptos built, on its own port and its own data
// folder (fresh each run), so a developer's `cargo leptos watch` can keep running.
// localhost, not 127.0.0.1: WebAuthn (passkeys) needs a domain name for the relying party.
export const BASE_URL = "http://localhost:3100";
export const DATA_DIR = ".data";
export const DEMO_EMAIL = "demo@kayse.test";
// Not derived from the email or name: the security spec changes the password and back.
export const DEMO_PASSWORD = "e2e-sample-password-4821";
const profile = process.env.KAYSE_E2E_PROFILE ?? "debug";

export default defineConfig({
  testDir: "./tests",
  // One server and one demo account: the specs run one after another.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    // Debian's Chromium; Playwright's own browser downloads are impossible here.
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium" }],
  webServer: {
    // The server compresses its /pkg files in the background as it starts. Compressing them
    // first means no test sees a file before its brotli copy exists: the byte budgets
    // (12-first-load) would otherwise count a quickly compressed copy when run alone.
    command: `rm -rf end2end/${DATA_DIR} && target/${profile}/server --precompress target/site/pkg; exec target/${profile}/server`,
    cwd: "..",
    url: `${BASE_URL}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      KAYSE_ADDRESS: "127.0.0.1:3100",
      KAYSE_PUBLIC_URL: BASE_URL,
      KAYSE_DATA_DIR: `end2end/${DATA_DIR}`,
      KAYSE_DEMO_SEED: "true",
      KAYSE_DEMO_PASSWORD: DEMO_PASSWORD,
      RUST_LOG: "info,sqlx=warn",
    },
  },
});
