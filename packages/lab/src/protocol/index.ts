/**
 * @module @raftkit/lab/protocol — the contract between the Lab server and the Lab page: zod
 * schemas for everything the page sends, TypeScript types for everything the server sends.
 * Depends on zod only, so the page can import it. `docs/lab-protocol.md` explains it.
 */
export * from './commands.js'
export * from './frames.js'
export * from './recipe.js'
export * from './rest.js'
export * from './settings.js'
export type * from './state.js'
export { formatIssues, type ValidationIssue } from './issues.js'
