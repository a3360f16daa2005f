/** A version of some software on one platform (seed 001's Version{ID, VersionNo, Platform}). */
export interface VersionRecord {
  /** A snowflake id in decimal unless the client chose one. */
  readonly id: string
  readonly platform: string
  /** Canonical semantic version (a leading `v` dropped). */
  readonly versionNo: string
  /** ms since the Unix epoch, as stamped by the node that proposed the change. */
  readonly createdAt: number
  readonly updatedAt: number
  /** The log index of the entry that last wrote this version: an ETag for If-Match. */
  readonly revision: number
}

/** Version ids: digits, letters, `.`, `_`, `-`; a generated snowflake is 1-20 digits. */
export const versionIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Platform names are one URL path segment: letters, digits, `.`, `_`, `+`, `-`. */
export const platformPattern = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/

/** The JSON a client sees: times as ISO 8601 strings. */
export function versionJson(version: VersionRecord): {
  id: string
  versionNo: string
  platform: string
  createdAt: string
  updatedAt: string
  revision: number
} {
  return {
    id: version.id,
    versionNo: version.versionNo,
    platform: version.platform,
    createdAt: new Date(version.createdAt).toISOString(),
    updatedAt: new Date(version.updatedAt).toISOString(),
    revision: version.revision,
  }
}
