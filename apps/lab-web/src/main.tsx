import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app/App'
import { NoticesProvider } from './app/notices'
import { I18nProvider } from './i18n/i18n'
import './styles.css'

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <NoticesProvider>
        <App />
      </NoticesProvider>
    </I18nProvider>
  </StrictMode>,
)
