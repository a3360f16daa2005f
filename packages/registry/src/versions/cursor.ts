/**
 * Cursors for listing versions: the position after the last item of a page, opaque to clients
 * (base64url JSON). Keyset pagination, so a page is one index range scan however deep it is, and
 * writes between pages neither repeat nor skip the items that stay.
 */
export interface VersionCursor {
  readonly platform: string
  readonly sortKey: string
}

export function encodeCursor(cursor: VersionCursor): string {
  return Buffer.from(JSON.stringify([cursor.platform, cursor.sortKey]), 'utf8').toString(
    'base64url',
  )
}

/** Undefined when the text is not a cursor this server made. */
export function decodeCursor(text: string): VersionCursor | undefined {
  if (text.length === 0 || text.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string'
    ) {
      return { platform: parsed[0], sortKey: parsed[1] }
    }
  } catch {
    // fall through
  }
  return undefined
}
