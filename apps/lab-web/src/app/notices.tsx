import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react'

export interface Notice {
  readonly id: number
  readonly kind: 'error' | 'info'
  readonly text: string
}

interface Notices {
  readonly notices: readonly Notice[]
  readonly notify: (kind: Notice['kind'], text: string) => void
  readonly dismiss: (id: number) => void
}

const NoticesContext = createContext<Notices | null>(null)
let nextNoticeId = 1

/** Short messages at the corner of the page: refused commands, copied links, failed requests. */
export function NoticesProvider({ children }: { readonly children: ReactNode }) {
  const [notices, setNotices] = useState<readonly Notice[]>([])
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((notice) => notice.id !== id)), [])
  const notify = useCallback(
    (kind: Notice['kind'], text: string) => {
      const id = nextNoticeId++
      setNotices((all) => [...all.slice(-3), { id, kind, text }])
      setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 3500)
    },
    [dismiss],
  )
  const value = useMemo(() => ({ notices, notify, dismiss }), [notices, notify, dismiss])
  return <NoticesContext.Provider value={value}>{children}</NoticesContext.Provider>
}

export function useNotices(): Notices {
  const notices = useContext(NoticesContext)
  if (notices === null) throw new Error('useNotices outside <NoticesProvider>')
  return notices
}

export function NoticeList() {
  const { notices, dismiss } = useNotices()
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((notice) => (
        <div key={notice.id} className={`notice notice-${notice.kind}`} data-testid={`notice-${notice.kind}`}>
          <span>{notice.text}</span>
          <button type="button" className="notice-close" aria-label="×" onClick={() => dismiss(notice.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
