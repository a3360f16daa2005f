import { useDeferredValue, useEffect, useRef, useState } from 'react'

/** How often the heavy panels redraw at most while a run plays. */
export const calmMs = 150


/**
 * `value`, but changing at most every `ms` (the latest value always arrives, `ms` late at most),
 * and rendered at low priority. For the heavy panels (logs, key-value, events): they need not
 * redraw at the 20 Hz the server sends states, and must not hold up the cluster's animation.
 */
export function useCalmValue<T>(value: T, ms: number): T {
  const [calm, setCalm] = useState(value)
  const lastSet = useRef(0)
  useEffect(() => {
    const wait = lastSet.current + ms - performance.now()
    if (wait <= 0) {
      lastSet.current = performance.now()
      setCalm(value)
      return
    }
    const timer = setTimeout(() => {
      lastSet.current = performance.now()
      setCalm(value)
    }, wait)
    return () => clearTimeout(timer)
  }, [value, ms])
  return useDeferredValue(calm)
}
