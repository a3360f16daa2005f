/** Virtual milliseconds for a person: `850 ms`, `12.35 s`, `3 min 05 s`. */
export function formatTime(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.floor((ms % 60_000) / 1000)
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`
}

/** A speed factor: `0.01×`, `0.25×`, `1×`, `12×`. */
export function formatSpeed(factor: number): string {
  if (factor >= 10) return `${Math.round(factor)}×`
  if (factor >= 1) return `${Number(factor.toFixed(1))}×`
  return `${Number(factor.toPrecision(2))}×`
}

/** The log slider works in log10 space: −2 … 2 is 0.01× … 100×. */
export const speedToSlider = (factor: number): number => Math.log10(factor)
export function sliderToSpeed(value: number): number {
  const factor = 10 ** value
  // Snap to two significant digits so that 1×, 0.1×, 10× are reachable exactly.
  return Math.min(100, Math.max(0.01, Number(factor.toPrecision(2))))
}
