import { useEffect, useRef, useState } from 'react'
import { useSession } from '../app/session-context'
import { useI18n } from '../i18n/i18n'
import { PauseIcon, PlayIcon, StepIcon } from './icons'
import { formatSpeed, formatTime, sliderToSpeed, speedToSlider } from './format'

/** Play, pause, step and the logarithmic speed slider (0.01× … 100×). */
export function Transport() {
  const { snapshot, send } = useSession()
  const { t } = useI18n()
  const { state } = snapshot
  const [speedDraft, setSpeedDraft] = useState<number | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  useEffect(() => () => {
    if (timer.current !== null) clearTimeout(timer.current)
  }, [])
  const live = state.kind === 'live'

  const onSpeed = (value: number) => {
    const factor = sliderToSpeed(value)
    setSpeedDraft(factor)
    // While dragging, send at most every 120 ms; the last value always goes out.
    if (timer.current !== null) clearTimeout(timer.current)
    timer.current = setTimeout(() => {
      void send({ type: 'speed', factor }).then(() => setSpeedDraft(null))
    }, 120)
  }
  const speed = speedDraft ?? state.speed

  return (
    <div className="transport" data-testid="transport">
      <button
        type="button"
        className="btn btn-primary transport-play"
        data-testid={state.playing ? 'pause' : 'play'}
        disabled={live || state.stopped}
        onClick={() => void send({ type: state.playing ? 'pause' : 'play' })}
      >
        {state.playing ? <PauseIcon /> : <PlayIcon />}
        {state.playing ? t('transport.pause') : t('transport.play')}
      </button>
      <button
        type="button"
        className="btn"
        data-testid="step"
        title={t('transport.stepTitle')}
        disabled={live || state.stopped}
        onClick={() => void send({ type: 'step', count: 1 })}
      >
        <StepIcon />
        {t('transport.step')}
      </button>
      <label className="transport-speed">
        <span>{t('transport.speed')}</span>
        <input
          type="range"
          min={-2}
          max={2}
          step={0.01}
          value={speedToSlider(speed)}
          disabled={live}
          data-testid="speed"
          aria-valuetext={formatSpeed(speed)}
          onChange={(event) => onSpeed(Number(event.currentTarget.value))}
        />
        <output className="transport-speed-value" data-testid="speed-value">
          {formatSpeed(speed)}
        </output>
      </label>
      <div className="transport-clock">
        <span className="transport-time" data-testid="time">
          {formatTime(state.time)}
        </span>
        <span className="transport-sub">
          {t('transport.time')} · {t('transport.events', { n: state.eventSeq })}
        </span>
      </div>
      {state.stopped && <p className="transport-note transport-stopped">{t('transport.stopped')}</p>}
      {state.futureCommands > 0 && <p className="transport-note">{t('transport.future', { n: state.futureCommands })}</p>}
    </div>
  )
}
