import semver from 'semver'
import { describe, expect, test } from 'vitest'
import { compareVersionNos, parseVersionNo } from './semver-order.js'

describe('parseVersionNo', () => {
  test('accepts semantic versions, drops a leading v, keeps build metadata', () => {
    expect(parseVersionNo('1.2.3')?.canonical).toBe('1.2.3')
    expect(parseVersionNo('v1.2.3')?.canonical).toBe('1.2.3')
    expect(parseVersionNo('1.0.0-rc.1+build.5')?.canonical).toBe('1.0.0-rc.1+build.5')
    expect(parseVersionNo('1.0.0-rc.1')?.prerelease).toBe(true)
    expect(parseVersionNo('1.0.0')?.prerelease).toBe(false)
  })

  test.each([
    '',
    '1',
    '1.2',
    '1.2.3.4',
    '01.2.3',
    '1.2.3-01',
    ' 1.2.3',
    '1.2.3 ',
    'latest',
    'x'.repeat(200),
  ])('rejects %j', (input) => expect(parseVersionNo(input)).toBeUndefined())

  test('sort keys order versions exactly as semver precedence does', () => {
    // A deterministic pseudo-random sample over the tricky parts: prerelease identifiers that
    // are numeric or not, of different lengths and counts.
    let state = 12345
    const next = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31
      return Math.floor(state / 65536) % n
    }
    const identifiers = [
      'alpha',
      'beta',
      'rc',
      '0',
      '1',
      '2',
      '10',
      '11',
      'a',
      'A',
      'aa',
      'Z9',
      'x-y',
    ]
    const versions = new Set<string>()
    while (versions.size < 400) {
      let v = `${next(3)}.${next(12)}.${next(3)}`
      if (next(2) === 1) {
        const parts = Array.from(
          { length: 1 + next(3) },
          () => identifiers[next(identifiers.length)]!,
        )
        v += `-${parts.join('.')}`
      }
      versions.add(v)
    }
    const list = [...versions]
    const byKey = [...list].sort(compareVersionNos)
    const bySemver = [...list].sort(semver.compare)
    expect(byKey).toEqual(bySemver)
  })

  test('build metadata only orders otherwise equal versions', () => {
    expect(compareVersionNos('1.0.0+b', '1.0.0+a')).toBe(1)
    expect(compareVersionNos('1.0.0', '1.0.0+a')).toBe(-1)
    expect(compareVersionNos('1.0.0+zzz', '1.0.1')).toBe(-1)
  })

  test('handles the largest numbers semver allows', () => {
    const big = `${Number.MAX_SAFE_INTEGER}.0.0`
    expect(compareVersionNos(big, '9.0.0')).toBe(1)
    expect(compareVersionNos('1.0.0-999999999999', '1.0.0-1000000000000')).toBe(-1)
  })
})
