import { useCallback, useEffect, useState } from 'react'
import { deleteSaved, listSaved, loginUrl, type SavedItem } from '../api/account'
import { LabError } from '../api/http'
import { useI18n } from '../i18n/i18n'
import { useLab } from './lab-context'

/** A signed-in user's saved scenarios and runs. */
export function SavedPage() {
  const { me, startSession, showSignInHelp } = useLab()
  const { t, language } = useI18n()
  const [items, setItems] = useState<readonly SavedItem[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const signedIn = me?.user != null
  const load = useCallback(() => {
    listSaved().then(setItems, (e: unknown) => setError(e instanceof LabError ? e.describe() : String(e)))
  }, [])
  useEffect(() => {
    if (signedIn) load()
  }, [signedIn, load])

  if (!signedIn) {
    return (
      <main className="page" data-testid="saved-page">
        <h1>{t('saved.title')}</h1>
        <p>{t('saved.signIn')}</p>
        {me?.oauth.configured ? (
          <a className="btn btn-primary" href={loginUrl(me)}>
            {t('auth.signIn')}
          </a>
        ) : (
          <button type="button" className="btn btn-primary" onClick={showSignInHelp}>
            {t('auth.signIn')}
          </button>
        )}
      </main>
    )
  }
  return (
    <main className="page" data-testid="saved-page">
      <h1>{t('saved.title')}</h1>
      {error !== null && <p className="error">{error}</p>}
      {items?.length === 0 && <p className="muted">{t('saved.empty')}</p>}
      <ul className="cards">
        {items?.map((item) => (
          <li key={item.id} className="card" data-testid="saved-item">
            <h2>{item.name}</h2>
            <p className="muted">
              {t(`saved.kind.${item.kind}`)} · {t('run.recipe', { seed: item.recipe.seed, n: item.recipe.commands.length })} ·{' '}
              {t('saved.when', { when: new Date(item.createdAt).toLocaleString(language === 'zh' ? 'zh-CN' : 'en') })}
            </p>
            <div className="card-foot">
              <button type="button" className="btn btn-primary" data-testid="saved-open" onClick={() => void startSession({ recipe: item.recipe })}>
                {t('saved.open')}
              </button>
              <button
                type="button"
                className="btn btn-quiet"
                onClick={() => void deleteSaved(item.id).then(load, (e: unknown) => setError(String(e)))}
              >
                {t('saved.delete')}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </main>
  )
}
