/** Keys are stored as their UTF-8 bytes, so every store orders them the same way. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8')
}

export function keyText(bytes: Buffer | Uint8Array | string): string {
  return typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8')
}

/**
 * The smallest byte string above every string that starts with `prefix`, or undefined when
 * there is none (the empty prefix). UTF-8 never contains 0xff, but the general case costs nothing.
 */
export function prefixUpperBound(prefix: Buffer): Buffer | undefined {
  let end = prefix.length
  while (end > 0 && prefix[end - 1] === 0xff) end--
  if (end === 0) return undefined
  const upper = Buffer.from(prefix.subarray(0, end))
  upper[end - 1] = upper[end - 1]! + 1
  return upper
}
