#!/usr/bin/env node
// Runs the built CLI (dist/). In the Polybus repository, without a build:
//   npx tsx --conditions=polybus-source packages/cli/src/cli.ts dlq list <topic> --url <url>
'use strict';
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
