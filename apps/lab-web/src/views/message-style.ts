/** How each kind of Raft message looks in flight. Replies are drawn hollow. */
export interface MessageStyle {
  readonly color: string
  readonly shape: 'circle' | 'square' | 'diamond'
  readonly size: number
  readonly reply: boolean
  readonly legendKey: MessageFamily
}

export type MessageFamily = 'vote' | 'prevote' | 'append' | 'heartbeat' | 'snapshot' | 'transfer' | 'read' | 'other'

export const familyColors: Record<MessageFamily, string> = {
  vote: '#8b5cf6',
  prevote: '#c084fc',
  append: '#2563eb',
  heartbeat: '#60a5fa',
  snapshot: '#16a34a',
  transfer: '#ea580c',
  read: '#0d9488',
  other: '#64748b',
}

export function messageFamily(type: string, summary = ''): MessageFamily {
  const t = type.toLowerCase()
  if (t.includes('vote')) return t.includes('pre') || /\bpre/i.test(summary) ? 'prevote' : 'vote'
  if (t.includes('heartbeat')) return 'heartbeat'
  if (t.includes('append')) return 'append'
  if (t.includes('snapshot')) return 'snapshot'
  if (t.includes('timeoutnow') || t.includes('transfer')) return 'transfer'
  if (t.includes('read')) return 'read'
  return 'other'
}

export function messageStyle(type: string, summary = ''): MessageStyle {
  const family = messageFamily(type, summary)
  const reply = /reply|response|resp$/i.test(type)
  const shape = family === 'snapshot' ? 'square' : family === 'transfer' ? 'diamond' : 'circle'
  const size = family === 'heartbeat' ? 5 : family === 'snapshot' ? 9 : 7
  return { color: familyColors[family], shape, size, reply, legendKey: family }
}
