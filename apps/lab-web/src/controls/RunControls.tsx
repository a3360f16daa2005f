import { useRef, useState } from 'react'
import { saveRecipe } from '../api/account'
import { LabError } from '../api/http'
import { downloadRecipe, readRecipeFile, shareLink } from '../api/share'
import { useLab } from '../app/lab-context'
import { useNotices } from '../app/notices'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'

/** Start a new run; share this one as a link or a file; save it to the account. */
export function RunControls() {
  const { snapshot } = useSession()
  const { startSession, me, showSignInHelp } = useLab()
  const { notify } = useNotices()
  const { t } = useI18n()
  const { state } = snapshot
  const recipe = state.recipe
  const [nodes, setNodes] = useState(state.nodes.length || 5)
  const [seed, setSeed] = useState('')
  const [timeout, setTimeoutBase] = useState(String(state.settings['electionTimeoutMs'] ?? 150))
  const [snapshotEvery, setSnapshotEvery] = useState(String(state.settings['snapshotEvery'] ?? 0))
  const [link, setLink] = useState<string | null>(null)
  const [name, setName] = useState('')
  const fileInput = useRef<HTMLInputElement>(null)

  const copyLink = async () => {
    if (recipe === null) return
    const url = shareLink(recipe, state.time)
    setLink(url)
    try {
      await navigator.clipboard.writeText(url)
      notify('info', t('run.linkCopied'))
    } catch {
      // Clipboard refused (no permission, plain http): the link is shown to copy by hand.
    }
  }
  const save = async () => {
    if (recipe === null) return
    if (me?.user == null) {
      showSignInHelp()
      return
    }
    try {
      await saveRecipe(name.trim() || `seed ${recipe.seed}`, recipe.scenario !== undefined && recipe.commands.length === 0 ? 'scenario' : 'run', recipe)
      notify('info', t('run.saved'))
      setName('')
    } catch (error) {
      notify('error', error instanceof LabError ? error.describe() : String(error))
    }
  }
  const openFile = async (file: File) => {
    try {
      await startSession({ recipe: await readRecipeFile(file), playing: false })
    } catch (error) {
      notify('error', t('run.openFailed', { message: error instanceof LabError ? error.describe() : String(error) }))
    }
  }

  return (
    <div className="panel-body" data-testid="run-controls">
      <form
        className="new-run"
        onSubmit={(event) => {
          event.preventDefault()
          void startSession({
            nodes,
            ...(seed.trim() !== '' ? { seed: Number(seed) } : {}),
            electionTimeoutMs: Number(timeout),
            snapshotEvery: Number(snapshotEvery),
          })
        }}
      >
        <h3>{t('run.new')}</h3>
        <label>
          {t('run.nodes')} <output>{nodes}</output>
          <input type="range" min={1} max={9} value={nodes} data-testid="new-nodes" onChange={(event) => setNodes(Number(event.currentTarget.value))} />
        </label>
        <label>
          {t('run.seed')}
          <input type="number" min={0} placeholder={t('run.random')} value={seed} data-testid="new-seed" onChange={(event) => setSeed(event.currentTarget.value)} />
        </label>
        <label>
          {t('run.timeout')}
          <input type="number" min={20} max={10000} step={10} value={timeout} data-testid="new-timeout" onChange={(event) => setTimeoutBase(event.currentTarget.value)} />
        </label>
        <label>
          {t('run.snapshotEvery')}
          <input type="number" min={0} max={100000} value={snapshotEvery} onChange={(event) => setSnapshotEvery(event.currentTarget.value)} />
        </label>
        <button type="submit" className="btn btn-primary" data-testid="new-run">
          {t('run.create')}
        </button>
      </form>
      {recipe !== null && (
        <div className="share">
          <h3>{t('run.share')}</h3>
          <p className="muted" data-testid="recipe-summary">
            {t('run.recipe', { seed: recipe.seed, n: recipe.commands.length })}
          </p>
          <div className="button-row">
            <button type="button" className="btn" data-testid="copy-link" onClick={() => void copyLink()}>
              🔗 {t('run.copyLink')}
            </button>
            <button type="button" className="btn" data-testid="download" onClick={() => downloadRecipe(recipe, `raft-lab-seed-${recipe.seed}.json`)}>
              ⬇ {t('run.download')}
            </button>
            <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
              {t('run.open')}
            </button>
            <input
              ref={fileInput}
              type="file"
              accept="application/json,.json"
              hidden
              data-testid="open-file"
              onChange={(event) => {
                const file = event.currentTarget.files?.[0]
                if (file !== undefined) void openFile(file)
                event.currentTarget.value = ''
              }}
            />
          </div>
          {link !== null && (
            <label className="share-link">
              {t('run.linkReady')}
              <input readOnly value={link} data-testid="share-link" onFocus={(event) => event.currentTarget.select()} />
            </label>
          )}
          <form
            className="field-row"
            onSubmit={(event) => {
              event.preventDefault()
              void save()
            }}
          >
            <label>
              {t('run.saveName')}
              <input value={name} maxLength={100} data-testid="save-name" placeholder={`seed ${recipe.seed}`} onChange={(event) => setName(event.currentTarget.value)} />
            </label>
            <button type="submit" className="btn" data-testid="save">
              ★ {t('run.save')}
            </button>
          </form>
          {me?.user == null && <small className="muted">{t('run.signInToSave')}</small>}
        </div>
      )}
    </div>
  )
}
