import type { z } from 'zod'

export interface ValidationIssue {
  readonly path: string
  readonly message: string
}

/** zod's issues as `{path, message}` pairs a person can read ("command.node: a node is named n1..n9"). */
export function formatIssues(error: z.ZodError, prefix = ''): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.')
    return { path: path === '' ? '(root)' : path, message: issue.message }
  })
}
