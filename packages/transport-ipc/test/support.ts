import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Fresh socket paths in one temp directory, removed with `removeAll()`. */
export class TempPaths {
  readonly dir = mkdtempSync(join(tmpdir(), "msg-ipc-"));
  #count = 0;

  next(name = "s"): string {
    return join(this.dir, `${name}${++this.#count}.sock`);
  }

  removeAll(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
