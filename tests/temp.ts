/** Temporary folders for one test file, removed when its tests end (nothing piles up in the machine's temp folder). */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll } from "vitest";

/** Call at a test file's top level: `const tmp = tempFolders(); tmp("quorvex-x-")` makes a folder removed after the file's tests. */
export function tempFolders(): (prefix: string) => string {
    const made: string[] = [];
    afterAll(() => {
        for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
    });
    return (prefix) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        made.push(dir);
        return dir;
    };
}
