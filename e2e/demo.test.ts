/** The README's main command: `npx lifeboat demo` runs end to end and exits 0. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));

describe("lifeboat demo", () => {
  it("backs the sandbox up twice, shows manifest, ls and a diff naming the changed sheet, exits 0", async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, "demo"], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, CI: "1" } }, (err, out, errOut) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: out, stderr: errOut }),
      );
    });
    expect(code, stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(stdout).toMatch(/layer\s+captured\s+unchanged\s+failed\s+skipped/);
    expect(stdout).toMatch(/apps\s+12\s+0\s+0\s+0/);
    expect(stdout).toContain("/spaces  (spaces)");
    expect(stdout).toMatch(/apps in this space \(\d+\):/);
    expect(stdout).toMatch(/\/apps\/\S+\/objects  \(objects\)/);
    expect(stdout).toMatch(/exported 1 app\(s\): '.+'; 11 unchanged/);
    // The diff names exactly one change: the edited private sheet, with its owner.
    expect(stdout).toMatch(/~ sheet '.+ \(revised\)' of auth0\|\S+ \(.+\) in app '.+': title and properties changed/);
    expect(stdout).toContain("0 added, 0 removed, 1 changed");
    // The restore steps (runRestoreDemo) follow and verify.
    expect(stdout).toContain("verification: the restored content equals the snapshot");
  });
});
