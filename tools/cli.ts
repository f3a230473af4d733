import * as fs from "fs";
import * as path from "path";

/** Bad input from the command line: exit 2 with this one message (never a stack trace). */
export class UsageError extends Error {}

/** A JSON file named on the command line, or a UsageError naming the flag and the file. */
export function readJsonFile(flag: string, file: string): unknown {
    if (!file) throw new UsageError(`${flag} needs a file name`);
    let text: string;
    try {
        const stat = fs.statSync(file);
        if (!stat.isFile()) throw new Error("not a regular file");
        if (stat.size > 64 * 1024 * 1024) throw new Error(`${stat.size} bytes is more than the 64 MiB a plan file may have`);
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new UsageError(`${flag} ${file}: cannot read it (${e.code === "ENOENT" ? "no such file" : e.message})`);
    }
    try {
        return JSON.parse(text);
    } catch (err) {
        throw new UsageError(`${flag} ${file}: not JSON (${(err as Error).message})`);
    }
}

/** System folders where an output directory is never right. */
const SYSTEM_DIRS = ["/proc", "/sys", "/dev"];

/**
 * Checks an output directory before any work: a non-empty path that is a
 * directory (or can be made one) and is writable. Returns its absolute path.
 */
export function outputDirectory(flag: string, dir: string): string {
    if (!dir.trim()) throw new UsageError(`${flag} needs a directory name (got an empty one)`);
    const abs = path.resolve(dir);
    if (SYSTEM_DIRS.some((d) => abs === d || abs.startsWith(`${d}/`))) throw new UsageError(`${flag} ${dir}: not a place for output files`);
    try {
        if (fs.existsSync(abs) && !fs.statSync(abs).isDirectory()) throw new Error("it exists and is not a directory");
        fs.mkdirSync(abs, { recursive: true });
        fs.accessSync(abs, fs.constants.W_OK);
    } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new UsageError(`${flag} ${dir}: cannot write there (${e.code === "EACCES" ? "permission denied" : e.message})`);
    }
    return abs;
}

/**
 * How our command-line tools end: main()'s code once everything written has
 * reached stdout and stderr (a pipe reader that is slower than us must still
 * get every byte), or 3 with the stack trace on an unexpected error (our bug).
 */
export function runMain(name: string, main: (argv: string[]) => Promise<number>): void {
    // A reader that went away (`| head`) took what it wanted: stop quietly, not with a trace.
    for (const stream of [process.stdout, process.stderr]) {
        stream.on("error", (err: NodeJS.ErrnoException) => {
            if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
            throw err;
        });
    }
    main(process.argv.slice(2)).then(
        (code) => exitAfterFlush(code),
        (err) => {
            process.stderr.write(`${name} failed: ${(err as Error).stack ?? err}\n`);
            exitAfterFlush(3);
        },
    );
}

/** Exits once both streams have handed every queued byte to the OS. */
export function exitAfterFlush(code: number): void {
    process.exitCode = code;
    let pending = 2;
    const done = () => {
        if (--pending === 0) process.exit(code);
    };
    // A write's callback runs after everything queued before it has been written.
    process.stdout.write("", done);
    process.stderr.write("", done);
}
