import type { NodeId } from '../protocol'

export interface Point {
  readonly x: number
  readonly y: number
}

/** The cluster view's drawing space (the SVG scales it to the width it gets). */
export const viewWidth = 640
export const viewHeight = 440
export const nodeRadius = 40

/** Nodes evenly on an ellipse, the first at the top, clockwise. */
export function layoutNodes(ids: readonly NodeId[]): ReadonlyMap<NodeId, Point> {
  const positions = new Map<NodeId, Point>()
  const count = ids.length
  const rx = count <= 2 ? 170 : 230
  const ry = count <= 2 ? 0 : 150
  ids.forEach((id, i) => {
    if (count === 1) {
      positions.set(id, { x: viewWidth / 2, y: viewHeight / 2 })
      return
    }
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / count
    positions.set(id, { x: viewWidth / 2 + rx * Math.cos(angle), y: viewHeight / 2 + ry * Math.sin(angle) })
  })
  return positions
}

/** Where a message is along its link: it leaves the sender's edge and arrives at the receiver's. */
export function alongLink(from: Point, to: Point, progress: number, offset = 0): Point {
  const dx = to.x - from.x
  const dy = to.y - from.y
  const length = Math.hypot(dx, dy) || 1
  const ux = dx / length
  const uy = dy / length
  const start = { x: from.x + ux * nodeRadius, y: from.y + uy * nodeRadius }
  const travel = Math.max(0, length - 2 * nodeRadius)
  // Requests and replies on the same pair ride on either side of the line.
  return { x: start.x + ux * travel * progress - uy * offset, y: start.y + uy * travel * progress + ux * offset }
}

/** An arc of `fraction` of a circle around `center`, starting at the top, clockwise. */
export function arcPath(center: Point, radius: number, fraction: number): string {
  const f = Math.min(Math.max(fraction, 0), 0.9999)
  const start = { x: center.x, y: center.y - radius }
  const angle = -Math.PI / 2 + 2 * Math.PI * f
  const end = { x: center.x + radius * Math.cos(angle), y: center.y + radius * Math.sin(angle) }
  return `M ${start.x} ${start.y} A ${radius} ${radius} 0 ${f > 0.5 ? 1 : 0} 1 ${end.x} ${end.y}`
}
