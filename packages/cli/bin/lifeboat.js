#!/usr/bin/env node
// Entry point of the `lifeboat` command. The sources are TypeScript run through
// tsx's loader, so there is no build step between a checkout and a working CLI.
import { register } from "tsx/esm/api";

register();
const { main, quietOnClosedPipe } = await import("../src/main.ts");
quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);
const code = await main(process.argv);
// Once the command is done, a socket still open to a host that never answered (a request
// given up by its deadline that the library could not abort) must not keep the process
// alive: flush stdout and stderr, then exit.
const flushed = (stream) => new Promise((resolve) => (stream.writableLength === 0 || stream.destroyed ? resolve() : stream.write("", () => resolve())));
await Promise.race([Promise.all([flushed(process.stdout), flushed(process.stderr)]), new Promise((r) => setTimeout(r, 5_000).unref())]);
process.exit(code);
