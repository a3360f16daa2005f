/** Small inline icons: fonts on many systems lack the media-control glyphs. */
const common = { width: 14, height: 14, viewBox: '0 0 16 16', 'aria-hidden': true } as const

export const PlayIcon = () => (
  <svg {...common}>
    <path d="M4 2.5v11l9-5.5z" fill="currentColor" />
  </svg>
)
export const PauseIcon = () => (
  <svg {...common}>
    <rect x="3.5" y="2.5" width="3" height="11" rx="0.8" fill="currentColor" />
    <rect x="9.5" y="2.5" width="3" height="11" rx="0.8" fill="currentColor" />
  </svg>
)
export const StepIcon = () => (
  <svg {...common}>
    <path d="M3 2.5v11l7.5-5.5z" fill="currentColor" />
    <rect x="11" y="2.5" width="2.5" height="11" rx="0.8" fill="currentColor" />
  </svg>
)
