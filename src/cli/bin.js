#!/usr/bin/env node
/**
 * The `upcall` bin (package.json `bin` -> dist/cli.js, built from this file by tsup): the
 * shebang, then the command (main.ts). It is a file of its own because a bin must start
 * with its shebang, while every TypeScript module of src/ starts with its purpose comment.
 * The CLI's worker threads load it too; start() tells the two apart.
 */
import { start } from './main';

start();
