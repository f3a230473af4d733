/** How our command-line tools end: main()'s code, or 3 with the stack trace on an unexpected error. */
export function runMain(name: string, main: (argv: string[]) => Promise<number>): void {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err) => {
            process.stderr.write(`${name} failed: ${(err as Error).stack ?? err}\n`);
            process.exit(3);
        },
    );
}
