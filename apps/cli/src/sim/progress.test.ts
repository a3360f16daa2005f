import { describe, expect, test } from 'vitest'
import type { OutputStream } from '../io.js'
import { formatDuration, formatRate, ProgressLine } from './progress.js'

function terminal(isTTY: boolean): OutputStream & { text: string } {
  return {
    isTTY,
    columns: 100,
    text: '',
    write(chunk: string) {
      this.text += chunk
    },
  }
}

describe('ProgressLine', () => {
  test('stays silent when stderr is not a terminal', () => {
    const stream = terminal(false)
    const progress = new ProgressLine(stream, 10)
    progress.update(5, 1, true)
    progress.around(() => stream.write('result\n'))
    progress.finish()
    expect(stream.text).toBe('result\n')
  })

  test('shows done/total, rate, failures and ETA, redrawn in place', () => {
    let nowMs = 0
    const stream = terminal(true)
    const progress = new ProgressLine(stream, 100, { now: () => nowMs, stepsPerSeed: 20_000 })
    nowMs = 10_000
    progress.update(25, 2, true)
    expect(stream.text).toBe(
      '\r\x1b[2Ksim 25/100 seeds  2.5 seeds/s  50.0k steps/s  2 FAILED  ETA 30s',
    )
  })

  test('redraws at most once per interval unless forced', () => {
    let nowMs = 0
    const stream = terminal(true)
    const progress = new ProgressLine(stream, 100, { now: () => nowMs, redrawIntervalMs: 100 })
    progress.update(1, 0)
    nowMs = 50
    progress.update(2, 0)
    expect(stream.text.split('\r').length - 1).toBe(1)
    nowMs = 150
    progress.update(3, 0)
    expect(stream.text.split('\r').length - 1).toBe(2)
  })

  test('other output is written on a cleared line; finish erases the line', () => {
    const stream = terminal(true)
    const progress = new ProgressLine(stream, 2, { now: () => 1000 })
    progress.update(1, 0, true)
    stream.text = ''
    progress.around(() => stream.write('seed 1: FAILED\n'))
    const erase = '\r\x1b[2K'
    expect(stream.text.startsWith(`${erase}seed 1: FAILED\n${erase}sim 1/2 seeds`)).toBe(true)
    stream.text = ''
    progress.finish()
    expect(stream.text).toBe('\r\x1b[2K')
  })
})

test('formatDuration and formatRate', () => {
  expect(formatDuration(42.4)).toBe('42s')
  expect(formatDuration(187)).toBe('3m07s')
  expect(formatDuration(7500)).toBe('2h05m')
  expect(formatRate(850)).toBe('850')
  expect(formatRate(12_345)).toBe('12.3k')
  expect(formatRate(1_200_000)).toBe('1.20M')
})
