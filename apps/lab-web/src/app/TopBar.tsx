import { loginUrl, logout } from '../api/account'
import { languages, useI18n, type Language } from '../i18n/i18n'
import type { MessageKey } from '../i18n/strings'
import { useLab, type View } from './lab-context'

const views: readonly { readonly id: View; readonly label: MessageKey }[] = [
  { id: 'sim', label: 'nav.sim' },
  { id: 'scenarios', label: 'nav.scenarios' },
  { id: 'live', label: 'nav.live' },
  { id: 'saved', label: 'nav.saved' },
]

const languageNames: Record<Language, string> = { en: 'English', zh: '中文' }

export function TopBar() {
  const { view, navigate, me, refreshMe, showSignInHelp } = useLab()
  const { t, language, setLanguage } = useI18n()
  return (
    <header className="topbar">
      <a className="brand" href="#" onClick={(event) => {
        event.preventDefault()
        navigate('sim')
      }}>
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">{t('app.title')}</span>
      </a>
      <nav className="nav" aria-label="views">
        {views.map((v) => (
          <button
            key={v.id}
            type="button"
            className={view === v.id ? 'nav-item nav-active' : 'nav-item'}
            aria-current={view === v.id ? 'page' : undefined}
            data-testid={`nav-${v.id}`}
            onClick={() => navigate(v.id)}
          >
            {t(v.label)}
          </button>
        ))}
      </nav>
      <div className="topbar-end">
        <label className="lang">
          <span className="sr-only">{t('lang.label')}</span>
          <select value={language} data-testid="language" aria-label={t('lang.label')} onChange={(event) => setLanguage(event.currentTarget.value as Language)}>
            {languages.map((l) => (
              <option key={l} value={l}>
                {languageNames[l]}
              </option>
            ))}
          </select>
        </label>
        {me?.user != null ? (
          <span className="account" data-testid="account">
            {me.user.avatarUrl != null && <img src={me.user.avatarUrl} alt="" className="avatar" width={24} height={24} />}
            <span className="account-name" title={t('auth.signedInAs', { name: me.user.login })}>
              {me.user.login}
            </span>
            <button type="button" className="btn btn-small btn-quiet" onClick={() => void logout().finally(refreshMe)}>
              {t('auth.signOut')}
            </button>
          </span>
        ) : me?.oauth.configured ? (
          <a className="btn btn-small btn-github" href={loginUrl(me)} data-testid="sign-in">
            {t('auth.signIn')}
          </a>
        ) : (
          <button type="button" className="btn btn-small btn-github" data-testid="sign-in" onClick={showSignInHelp}>
            {t('auth.signIn')}
          </button>
        )}
      </div>
    </header>
  )
}
