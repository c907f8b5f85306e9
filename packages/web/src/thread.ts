import type { Entry } from './types.js'

export interface ThreadNode {
  entry: Entry
  replies: ThreadNode[]
}

/**
 * Builds threads from the loaded entries: top-level posts newest first, the
 * replies under their parent oldest first (a conversation reads downwards).
 * A reply whose parent is not loaded (older page, or not replicated yet)
 * stands at the top level so it is never hidden. Profile entries are not posts.
 */
export function threads (entries: Iterable<Entry>): ThreadNode[] {
  const nodes = new Map<string, ThreadNode>()
  for (const e of entries) {
    if (e.type !== 'post' && e.type !== 'reply') continue
    if (!nodes.has(e.id)) nodes.set(e.id, { entry: e, replies: [] })
  }
  const roots: ThreadNode[] = []
  for (const node of nodes.values()) {
    const parentId = node.entry.replyTo
    const parent = parentId === undefined ? undefined : nodes.get(parentId)
    // A self-reply loop cannot be signed (ids are hashes), but never trust it.
    if (parent !== undefined && parent !== node) parent.replies.push(node)
    else roots.push(node)
  }
  roots.sort(newestFirst)
  for (const node of nodes.values()) node.replies.sort((a, b) => -newestFirst(a, b))
  return roots
}

function newestFirst (a: ThreadNode, b: ThreadNode): number {
  return b.entry.timestamp - a.entry.timestamp || (a.entry.id < b.entry.id ? 1 : a.entry.id > b.entry.id ? -1 : 0)
}
