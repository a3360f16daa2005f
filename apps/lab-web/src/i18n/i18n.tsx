import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react'
import type { Bilingual } from '../protocol'
import { en, zh, type MessageKey } from './strings'

export type Language = 'en' | 'zh'
export const languages: readonly Language[] = ['en', 'zh']

const dictionaries: Record<Language, Record<MessageKey, string>> = { en, zh }
const storageKey = 'raftlab.language'

/** `t('key', {n: 3})` fills `{n}` in the string; missing parameters stay visible as `{n}`. */
export type Translate = (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string

interface I18n {
  readonly language: Language
  readonly setLanguage: (language: Language) => void
  readonly t: Translate
  /** Picks the current language's half of a server-sent text. */
  readonly pick: (text: Bilingual) => string
}

const I18nContext = createContext<I18n | null>(null)

function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(storageKey)
  if (stored === 'en' || stored === 'zh') return stored
  return globalThis.navigator?.language?.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

export function format(template: string, params?: Readonly<Record<string, string | number>>): string {
  if (params === undefined) return template
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  )
}

export function I18nProvider({ children }: { readonly children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage)
  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next)
    globalThis.localStorage?.setItem(storageKey, next)
    document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en'
  }, [])
  const value = useMemo<I18n>(() => {
    const dictionary = dictionaries[language]
    return {
      language,
      setLanguage,
      t: (key, params) => format(dictionary[key], params),
      pick: (text) => text[language],
    }
  }, [language, setLanguage])
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext)
  if (i18n === null) throw new Error('useI18n outside <I18nProvider>')
  return i18n
}
