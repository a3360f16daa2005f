import type { NodeId } from '../protocol'

export interface Point {
  readonly x: number
  readonly y: number
}

/**
 * The cluster view's drawing space (the SVG scales it to the width it gets). On a narrow screen
 * the space is narrower too, so nodes and their labels stay legible instead of shrinking.
 */
export interface Space {
  readonly width: number
  readonly height: number
}
export const wideSpace: Space = { width: 640, height: 440 }
export const narrowSpace: Space = { width: 430, height: 430 }
/** Up to five nodes fit this space as they are; more get a taller space and smaller nodes. */
export function spaceFor(count: number, narrow: boolean): Space {
  const base = narrow ? narrowSpace : wideSpace
  if (count < 7) return base
  return narrow ? { width: base.width, height: base.height + 60 } : { width: 760, height: 520 }
}
export const nodeRadiusFor = (count: number): number => (count >= 7 ? 35 : 40)

/** Nodes evenly on an ellipse, the first at the top, clockwise. */
export function layoutNodes(ids: readonly NodeId[], space: Space = wideSpace): ReadonlyMap<NodeId, Point> {
  const positions = new Map<NodeId, Point>()
  const count = ids.length
  const viewWidth = space.width
  const viewHeight = space.height
  const rx = count <= 2 ? Math.min(170, viewWidth / 2 - 80) : viewWidth / 2 - 90
  const ry = count <= 2 ? 0 : viewHeight / 2 - 70
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
export function alongLink(from: Point, to: Point, progress: number, offset = 0, nodeRadius = 40): Point {
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
