import semver from 'semver'
import { registryLimits } from '../limits.js'

/** A version number checked against Semantic Versioning 2.0.0, in canonical form. */
export interface ParsedVersionNo {
  /** `major.minor.patch[-prerelease][+build]`, without a leading `v` or `=`. */
  readonly canonical: string
  /**
   * A string whose byte order is the version order: semver precedence first, then build
   * metadata (which precedence ignores) as plain text. SQL stores index it, so "latest" and
   * ordered listing are one index scan.
   */
  readonly sortKey: string
  readonly prerelease: boolean
}

/**
 * Parses a version number (strict Semantic Versioning; a leading `v` is accepted and dropped).
 * Returns undefined when it is not a semantic version.
 */
export function parseVersionNo(input: string): ParsedVersionNo | undefined {
  if (input.length === 0 || input.length > registryLimits.versionNoLengthMax) return undefined
  const parsed = semver.parse(input.trim(), { loose: false })
  if (parsed === null || input.trim() !== input) return undefined
  const build = parsed.build.join('.')
  const canonical = build.length > 0 ? `${parsed.version}+${build}` : parsed.version
  return {
    canonical,
    sortKey: versionSortKey(parsed.major, parsed.minor, parsed.patch, parsed.prerelease, build),
    prerelease: parsed.prerelease.length > 0,
  }
}

/** Digits per numeric part: semver's numbers are at most Number.MAX_SAFE_INTEGER (16 digits). */
const numberWidth = 16

/**
 * The byte-comparable encoding. Each part is fixed-width zero-padded. After the patch number a
 * release gets `~` (0x7e), which sorts above `-` (0x2d), the start of a prerelease: 1.0.0-x <
 * 1.0.0. Each prerelease identifier starts with `#`; the list ends with `"`, which sorts below `#`,
 * so a shorter list of equal identifiers is lower (1.0.0-a < 1.0.0-a.1). A numeric identifier is
 * `A` + its length (3 digits) + digits, so it compares numerically and below any alphanumeric one
 * (`B` + text + `!`; `!` sorts below every identifier character, so `a` < `ab`).
 */
function versionSortKey(
  major: number,
  minor: number,
  patch: number,
  prerelease: readonly (string | number)[],
  build: string,
): string {
  const pad = (n: number): string => String(n).padStart(numberWidth, '0')
  let key = `${pad(major)}.${pad(minor)}.${pad(patch)}`
  if (prerelease.length === 0) {
    key += '~'
  } else {
    key += '-'
    for (const identifier of prerelease) {
      const text = String(identifier)
      key += /^\d+$/.test(text) ? `#A${String(text.length).padStart(3, '0')}${text}` : `#B${text}!`
    }
    key += '"'
  }
  // Build metadata does not take part in precedence; it only orders otherwise equal versions.
  return build.length > 0 ? `${key} ${build}` : key
}

/** Orders two canonical version numbers the way the stores do (precedence, then build text). */
export function compareVersionNos(a: string, b: string): number {
  const ka = parseVersionNo(a)?.sortKey ?? ''
  const kb = parseVersionNo(b)?.sortKey ?? ''
  return ka < kb ? -1 : ka > kb ? 1 : 0
}
