import { useEffect, useRef } from 'react'
import { loginUrl } from '../api/account'
import { useI18n } from '../i18n/i18n'
import { useLab } from './lab-context'

/** Shown by the sign-in button when the server has no OAuth configuration: what to set. */
export function SignInHelp({ onClose }: { readonly onClose: () => void }) {
  const { me } = useLab()
  const { t } = useI18n()
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  const callback = me?.oauth.callbackUrl ?? `${location.origin}/v1/lab/auth/github/callback`
  const settings = me?.oauth.settings ?? ['RAFTKIT_LAB_GITHUB_CLIENT_ID', 'RAFTKIT_LAB_GITHUB_CLIENT_SECRET']
  return (
    <dialog ref={dialog} className="dialog" data-testid="sign-in-help" onClose={onClose}>
      {me?.oauth.configured ? (
        <>
          <p>{t('auth.anonymous')}</p>
          <a className="btn btn-primary btn-github" href={loginUrl(me)}>
            {t('auth.signIn')}
          </a>
        </>
      ) : (
        <>
          <h2>{t('auth.notConfigured')}</h2>
          <p>{t('auth.howTo', { callback })}</p>
          <pre className="code" data-testid="sign-in-settings">
            {settings.map((setting) => (setting.includes('=') ? setting : `${setting}=…`)).join('\n')}
          </pre>
          <p className="muted">{t('auth.anonymous')}</p>
        </>
      )}
      <form method="dialog">
        <button type="submit" className="btn">
          {t('auth.close')}
        </button>
      </form>
    </dialog>
  )
}
