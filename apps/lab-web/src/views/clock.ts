import { useEffect, useState } from 'react'
import type { SessionSnapshot } from '../api/session-client'

/**
 * How far past the last state the page may run its own clock. States arrive every 50 ms of real
 * time while playing; interpolating a little beyond that keeps motion smooth without drawing a
 * future the server has not computed yet.
 */
const maxLeadRealMs = 200

/** The virtual time to draw at real time `now`: the state's time, advanced while playing. */
export function virtualTimeAt(snapshot: SessionSnapshot, now: number): number {
  const { state, receivedAt } = snapshot
  if (!state.playing) return state.time
  const elapsed = Math.min(Math.max(0, now - receivedAt), maxLeadRealMs)
  return state.time + elapsed * state.speed
}

/** Re-renders the caller on every animation frame while `active`; returns the frame's time. */
export function useAnimationFrame(active: boolean): number {
  const [now, setNow] = useState(() => performance.now())
  useEffect(() => {
    if (!active) return
    let frame = requestAnimationFrame(function tick(time) {
      setNow(time)
      frame = requestAnimationFrame(tick)
    })
    return () => cancelAnimationFrame(frame)
  }, [active])
  return active ? now : performance.now()
}

/** Term colours: neighbouring terms get clearly different hues, the same term always the same. */
export function termColor(term: number, lightness = 55): string {
  if (term <= 0) return `hsl(220 10% ${lightness}%)`
  const hue = (term * 137.508) % 360
  return `hsl(${hue.toFixed(0)} 65% ${lightness}%)`
}
