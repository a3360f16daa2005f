#!/usr/bin/env node
// The compiled CLI lives in ../dist; `npm ci` builds it through the root `prepare` script.
import { main } from '../dist/main.js'

// `raftkit sim --json | head -3`: when the reader goes away, stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error))
    process.exitCode = 1
  },
)
