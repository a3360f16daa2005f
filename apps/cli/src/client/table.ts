/** Renders rows as a plain-text table with a header, columns padded to their widest cell. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === undefined || cell === null ? '-' : String(cell))),
  )
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => (row[i] ?? '').length)),
  )
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers.map((h) => h.toUpperCase())), ...cells.map(line)].join('\n') + '\n'
}

/** Renders one record as `name  value` lines. */
export function formatRecord(record: Record<string, unknown>): string {
  const entries = Object.entries(record).filter(([, value]) => value !== undefined)
  const width = Math.max(...entries.map(([name]) => name.length))
  return (
    entries
      .map(
        ([name, value]) =>
          `${name.padEnd(width)}  ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
      )
      .join('\n') + '\n'
  )
}
