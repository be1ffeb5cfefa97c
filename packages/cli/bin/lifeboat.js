#!/usr/bin/env node
// Entry point of the `lifeboat` command. The sources are TypeScript run through
// tsx's loader, so there is no build step between a checkout and a working CLI.
import { register } from "tsx/esm/api";

register();
const { main, quietOnClosedPipe } = await import("../src/main.ts");
quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);
process.exitCode = await main(process.argv);
